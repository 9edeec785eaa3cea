/**
 * Annotation templates: `{{ value }}`, `{{ labels.service }}`, … compiled once per rule, rendered
 * once per alert (never per sample). Compiling splits the source into literal text and placeholder
 * getters, so rendering is one pass of string concatenation with no parsing.
 *
 * Syntax: `{{ name }}` with optional whitespace inside the braces. There is no escape: every `{{`
 * opens a placeholder and every `}}` must close one; a single `{` or `}` is literal text.
 */

/** What a template can read when an alert is rendered. */
export interface TemplateContext {
  readonly value: number;
  readonly mean: number;
  readonly std: number;
  readonly z: number;
  readonly rule: string;
  readonly severity: string;
  /** Canonical series id, `name{label="value",...}`. */
  readonly series: string;
  /** Metric name. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface CompiledTemplate {
  readonly source: string;
  /** Placeholders in order of appearance, as written without spaces (`value`, `labels.env`). */
  readonly placeholders: readonly string[];
  render(ctx: TemplateContext): string;
}

/** Placeholders a template may use besides `labels.<label>`. */
export const TEMPLATE_FIELDS = ['value', 'mean', 'std', 'z', 'rule', 'severity', 'series', 'name'] as const;
type Field = (typeof TEMPLATE_FIELDS)[number];

/** The list shown in error messages. */
export const TEMPLATE_PLACEHOLDERS: readonly string[] = [...TEMPLATE_FIELDS, 'labels.<label>'];

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class TemplateError extends Error {
  /** The placeholder at fault as written (trimmed), when there is one. */
  readonly placeholder: string | undefined;
  /** Offset in the source where the problem starts. */
  readonly offset: number;

  constructor(message: string, offset: number, placeholder?: string) {
    super(message);
    this.name = 'TemplateError';
    this.offset = offset;
    this.placeholder = placeholder;
  }
}

type Getter = (ctx: TemplateContext) => string;

const NUMBER_GETTERS: Record<'value' | 'mean' | 'std' | 'z', Getter> = {
  value: (c) => formatNumber(c.value),
  mean: (c) => formatNumber(c.mean),
  std: (c) => formatNumber(c.std),
  z: (c) => formatNumber(c.z),
};

const FIELD_GETTERS: Record<Field, Getter> = {
  ...NUMBER_GETTERS,
  rule: (c) => c.rule,
  severity: (c) => c.severity,
  series: (c) => c.series,
  name: (c) => c.name,
};

/**
 * Compiles `source`; throws `TemplateError` on an unknown placeholder or unbalanced braces.
 * The message of an unknown placeholder lists the allowed ones.
 */
export function compileTemplate(source: string): CompiledTemplate {
  // literals[i] precedes getters[i]; literals has one more entry than getters.
  const literals: string[] = [];
  const getters: Getter[] = [];
  const placeholders: string[] = [];
  let pos = 0;
  for (;;) {
    const open = source.indexOf('{{', pos);
    const stray = source.indexOf('}}', pos);
    if (stray !== -1 && (open === -1 || stray < open)) {
      throw new TemplateError(`unbalanced braces: "}}" at offset ${stray} closes nothing`, stray);
    }
    if (open === -1) break;
    const close = source.indexOf('}}', open + 2);
    if (close === -1) {
      throw new TemplateError(`unbalanced braces: "{{" at offset ${open} is never closed`, open);
    }
    const inner = source.slice(open + 2, close);
    if (inner.includes('{{')) {
      throw new TemplateError(`unbalanced braces: "{{" at offset ${open} is never closed`, open);
    }
    const name = inner.trim();
    literals.push(source.slice(pos, open));
    getters.push(getterFor(name, open));
    placeholders.push(name);
    pos = close + 2;
  }
  literals.push(source.slice(pos));
  return Object.freeze({
    source,
    placeholders: Object.freeze(placeholders),
    render: renderer(literals, getters),
  });
}

function getterFor(name: string, offset: number): Getter {
  if (Object.hasOwn(FIELD_GETTERS, name)) return FIELD_GETTERS[name as Field];
  if (name.startsWith('labels.')) {
    const label = name.slice('labels.'.length);
    if (LABEL_NAME.test(label)) return (c) => (Object.hasOwn(c.labels, label) ? c.labels[label]! : '');
  }
  throw new TemplateError(`unknown placeholder {{ ${name} }}; allowed: ${TEMPLATE_PLACEHOLDERS.join(', ')}`, offset, name);
}

function renderer(literals: readonly string[], getters: readonly Getter[]): (ctx: TemplateContext) => string {
  if (getters.length === 0) {
    const text = literals[0]!;
    return () => text;
  }
  return (ctx) => {
    let out = literals[0]!;
    for (let i = 0; i < getters.length; i++) out += getters[i]!(ctx) + literals[i + 1]!;
    return out;
  };
}

/** Above this an integer part is no longer exact in a double; exponent form is shorter and honest. */
const EXACT_INTEGER_LIMIT = 1e15;

/**
 * Compact number for humans: 4 significant digits (`3.14159` → `3.142`, `0.000123456` →
 * `0.0001235`), except that the integer part is never rounded away (`1234567.8` → `1234568`,
 * a counter stays readable) until 1e15, from where exponent form is used (`1.235e+15`).
 * Trailing zeros are dropped; non-finite values print as `NaN`, `+Inf`, `-Inf` (Prometheus style).
 */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return '0'; // also -0
  const abs = Math.abs(x);
  if (abs >= EXACT_INTEGER_LIMIT) return x.toPrecision(4).replace(/\.?0+e/, 'e');
  if (abs >= 1000) return String(Math.round(x));
  return String(Number(x.toPrecision(4)));
}
