import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAlert } from '../../src/codec/alerts.js';
import { acceptEvent, readEventFile, ReviewInputError } from '../../src/review/event-input.js';
import { ReviewCollector } from '../../src/review/review.js';
import { episode } from './helpers.js';

test('malformed NDJSON lines are counted by reason with their first file:line, blank lines skipped, good lines kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigmawatch-review-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [fired, resolved] = episode({ start: 0, end: 10 }).map((e) => encodeAlert(e, 'json').toString('utf8'));
  const { status: _status, ...noStatus } = JSON.parse(fired!) as Record<string, unknown>;
  const lines = [
    fired,
    '',
    'not json at all',
    '{"id": "truncated',
    JSON.stringify(noStatus),
    JSON.stringify({ ...JSON.parse(resolved!), status: 'gone' }),
    JSON.stringify({ ...JSON.parse(resolved!), ts: null }),
    '   ',
    resolved,
  ];
  const file = join(dir, 'alerts.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  const told: string[] = [];
  const c = new ReviewCollector({ onReject: (reason, where, _detail, total) => told.push(`${total} ${reason} ${where}`) });
  await readEventFile(file, c);
  assert.deepEqual(told, [
    `1 not_json ${file}:3`,
    `2 not_json ${file}:4`,
    `3 missing_field ${file}:5`,
    `4 bad_shape ${file}:6`,
    `5 bad_timestamp ${file}:7`,
  ]);
  assert.deepEqual(Object.fromEntries(c.rejects.byReason), {
    not_json: { count: 2, first: `${file}:3` },
    missing_field: { count: 1, first: `${file}:5` },
    bad_shape: { count: 1, first: `${file}:6` },
    bad_timestamp: { count: 1, first: `${file}:7` },
  });
  assert.equal(c.book.events, 2, 'the two good lines');
  assert.equal(c.pages, 1);
});

test('topic records: msgpack and JSON both read; an empty value is counted, not dropped', () => {
  const [fired, resolved] = episode({ start: 0, end: 10 });
  const c = new ReviewCollector();
  acceptEvent(encodeAlert(fired!, 'msgpack'), 't/0@0', c);
  acceptEvent(null, 't/0@1', c);
  acceptEvent(Buffer.from([0xc1]), 't/0@2', c);
  acceptEvent(encodeAlert(resolved!, 'json'), 't/0@3', c);
  assert.equal(c.book.events, 2);
  assert.deepEqual(Object.fromEntries(c.rejects.byReason), {
    empty_value: { count: 1, first: 't/0@1' },
    not_msgpack: { count: 1, first: 't/0@2' },
  });
});

test('a missing file is a ReviewInputError naming it', async () => {
  await assert.rejects(readEventFile('/nonexistent/alerts.ndjson', new ReviewCollector()), (e: unknown) => {
    assert.ok(e instanceof ReviewInputError);
    assert.match(e.message, /\/nonexistent\/alerts\.ndjson: cannot read \(ENOENT\)/);
    return true;
  });
});
