/**
 * The keys every kind of rule shares about the alerts it sends: how often a firing alert is sent
 * again, its severity escalation, and the labels and annotation templates it carries. One schema,
 * so that a threshold rule and an SLO rule accept and refuse them alike.
 */
import { z } from 'zod';
import { compileTemplate, TemplateError } from '../codec/alert-template.js';
import { escalationsSchema } from './escalate-schema.js';
import { duration, labelMap, note } from './fields.js';

/** compileTemplate checks the template; its message says where and why. */
const template = () =>
  z.string({ error: 'a string (a template such as "{{ name }} is {{ value }}")' }).superRefine((source, ctx) => {
    try {
      compileTemplate(source);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      note(ctx, [], err.message);
    }
  });

/** repeat, escalate, labels, annotations: spread into a rule's schema. */
export function alertFields() {
  return {
    repeat: duration(true).optional(),
    escalate: escalationsSchema().optional(),
    labels: labelMap('a map of label name to string').optional(),
    annotations: z.record(z.string(), template(), { error: 'a map of annotation name to template string' }).optional(),
  };
}
