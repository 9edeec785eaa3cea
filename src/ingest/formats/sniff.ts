import type { IngestFormat } from '../format.js';

/** How many leading bytes `sniffFormat` looks at: enough for the first keys of any format here. */
const SNIFF_BYTES = 512;
const LATIN1 = new TextDecoder('latin1');

/**
 * The format of a record value, guessed from its first bytes (for `format: auto`: the stage sniffs
 * the first records and keeps the answer). Undefined when nothing fits.
 *
 * - `{` → JSON, told apart by its keys: `resourceMetrics` (OTLP JSON), `"metrics":[` or `"fields"`
 *   (Telegraf JSON), `"kind"` with a value kind (Vector), `"labels"` with `"value"` (the adapter);
 * - 0x0a (protobuf field 1, length-delimited: `resource_metrics`) → OTLP protobuf;
 * - a letter first and `=` after a space on the first line → line protocol.
 */
export function sniffFormat(value: Uint8Array): IngestFormat | undefined {
  let i = 0;
  while (i < value.length && isSpace(value[i]!)) i++;
  if (i >= value.length) return undefined;
  const first = value[i]!;
  if (first === 0x0a && i === 0) return 'otlp-proto';
  const head = LATIN1.decode(value.subarray(i, i + SNIFF_BYTES));
  if (first === 0x7b /* { */) {
    if (head.includes('"resourceMetrics"')) return 'otlp-json';
    if (/"metrics"\s*:\s*\[/.test(head) || head.includes('"fields"')) return 'telegraf-json';
    if (head.includes('"kind"') && /"(counter|gauge|set|distribution|aggregated_histogram|aggregated_summary|sketch)"\s*:/.test(head)) {
      return 'vector-json';
    }
    if (head.includes('"labels"') && head.includes('"value"')) return 'prometheus-kafka-adapter';
    return undefined;
  }
  const line = head.split('\n', 1)[0]!;
  if (/^[A-Za-z_][^ ]* [^ =]+=/.test(line)) return 'influx-line';
  return undefined;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d;
}
