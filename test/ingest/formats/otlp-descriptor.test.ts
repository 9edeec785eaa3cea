import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { OTLP_METRICS_DESCRIPTOR, OTLP_PROTO_VERSION } from '../../../src/ingest/formats/otlp/descriptor.js';
// @ts-expect-error: a plain .mjs script (the generator), no type declarations
import { loadVendored, PROTO_VERSION } from '../../../../src/ingest/formats/otlp/generate-descriptor.mjs';

test('otlp descriptor.ts is what the vendored opentelemetry-proto files compile to (regenerate with generate-descriptor.mjs)', () => {
  // the source tree's files (this test runs from dist/test/ingest/formats)
  const protoDir = fileURLToPath(new URL('../../../../src/ingest/formats/otlp/proto', import.meta.url));
  // through JSON: toJSON() leaves keys with undefined values, which the generated file cannot hold
  assert.deepEqual(OTLP_METRICS_DESCRIPTOR, JSON.parse(JSON.stringify(loadVendored(protoDir))));
  assert.equal(OTLP_PROTO_VERSION, PROTO_VERSION);
});
