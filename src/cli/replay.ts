/**
 * `sigmawatch replay [--config FILE] [--set key=value]... DATA...`
 *
 * Runs the rules over files, no Kafka: file rows become records for the same engine the worker
 * drives, one alert event per line (JSON) on stdout, and a summary on stderr. For tuning rules on
 * history.
 */
import { Transition } from '../core/lifecycle.js';
import { Outcome } from '../core/outcome.js';
import { encodeAlert } from '../codec/alerts.js';
import { DEAD_LETTER_HEADERS } from '../codec/dead-letter.js';
import { Engine } from '../engine/engine.js';
import { replayFile, fileSize, ReplayInputError, type RecordSink } from '../replay/reader.js';
import { ReplaySummary, REPORTED_REJECTS, fmt, type RejectReason } from '../replay/summary.js';
import { CONFIG_OPTIONS, UsageError, loadConfigFromFlags, parse, reportError } from './args.js';
import { LineWriter, Progress } from './output.js';

const USAGE = `Usage: sigmawatch replay [--config FILE] [--set key=value]... DATA...

Runs the rules over recorded data, without Kafka, and prints one JSON alert event per line on
stdout and a summary on stderr (rows, series, alerts per rule and severity, flaps, rejected rows).

DATA is a file path, or - for standard input:
  CSV with a header   timestamp,value           one series, named after the file
                      series,timestamp,value    series = a series id, e.g. "cpu{host=""a""}"
  NDJSON              {"name":"cpu","labels":{"host":"a"},"ts":1700000000000,"value":0.5}
Timestamps: Unix ms, Unix seconds, or ISO 8601 / YYYY-MM-DD HH:MM:SS (UTC unless a zone is given).

Options:
  -c, --config FILE    configuration file (rules, store limits); defaults: config/default.yaml
      --set KEY=VALUE  override one key, e.g. --set rules[0].z=4 (repeatable)
  -h, --help           this text

Malformed rows are reported with file and line and skipped. Exit code: 0 when every file was
read, 1 when a file could not be read, 2 for usage or configuration errors.`;

/** Finish a batch (evict idle series when due, write the alerts) every this many rows. */
const BATCH_ROWS = 1024;

export async function replayCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(args, CONFIG_OPTIONS);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('no DATA files given');
    const config = loadConfigFromFlags(values);
    return await replay(positionals, config);
  } catch (e) {
    return reportError(e, 'replay');
  }
}

async function replay(files: string[], config: ReturnType<typeof loadConfigFromFlags>): Promise<number> {
  const engine = new Engine({
    rules: config.rules,
    maxSeries: config.store.maxSeries,
    initialCapacity: config.store.initialCapacity,
    idleTimeoutMs: config.store.idleTimeoutMs,
    flapWindowMs: config.alerts.flapWindowMs,
    source: { topic: 'replay', partition: 0 },
  });
  const summary = new ReplaySummary(config.alerts.flapWindowMs);
  const out = new LineWriter();
  const progress = new Progress();
  const started = performance.now();
  let refused = 0;
  let heldBack = 0;
  let failed = 0;
  let currentFile = '';
  let currentSize = 0;
  let currentBytes = 0;
  let pending = 0;

  const reject = (file: string, line: number | string, reason: RejectReason, detail: string) => {
    summary.reject(reason, `${file}:${line}`);
    const n = summary.rejectedTotal;
    if (n <= REPORTED_REJECTS) {
      progress.clear();
      process.stderr.write(`${file}:${line}: skipped (${reason}): ${detail}\n`);
    } else if (n === REPORTED_REJECTS + 1) {
      process.stderr.write(`further rejected rows are only counted (see the summary)\n`);
    }
  };
  const finishBatch = () => {
    const result = engine.finish();
    summary.rows += result.records - result.deadLetters.length;
    refused += result.outcomeCount(Outcome.Refused);
    for (let r = 0; r < config.rules.length; r++) heldBack += result.transitionCount(r, Transition.HeldBack);
    for (const a of result.alerts) {
      summary.alert(a);
      out.line(encodeAlert(a.event, 'json').toString('utf8'));
    }
    engine.begin(Date.now());
    pending = 0;
  };

  const sink: RecordSink = {
    record(record) {
      // A record the decoder refused is reported at once, like a row the reader refused.
      const dead = engine.process(record);
      if (dead !== undefined) reject(currentFile === '-' ? 'stdin' : currentFile, record.offset, dead.reason, String(dead.headers[DEAD_LETTER_HEADERS.error]));
      if (++pending === BATCH_ROWS) finishBatch();
    },
    reject,
  };

  engine.begin(Date.now());
  for (const file of files) {
    currentFile = file;
    currentSize = fileSize(file);
    try {
      await replayFile(file, sink, (bytes) => {
        currentBytes = bytes;
        progress.update(() => {
          const pct = currentSize > 0 ? ` ${Math.min(100, (100 * currentBytes) / currentSize).toFixed(0)}%` : '';
          const secs = (performance.now() - started) / 1000;
          return `replay ${currentFile}${pct}: ${fmt(summary.rows)} rows, ${fmt(summary.rows / Math.max(secs, 1e-3))} rows/s, ${fmt(summary.totals.fired)} alerts`;
        });
        void out.flush();
      });
    } catch (e) {
      if (!(e instanceof ReplayInputError)) throw e;
      progress.clear();
      process.stderr.write(`${e.message} (file skipped)\n`);
      failed++;
    }
    finishBatch();
    await out.flush();
  }
  await out.flush();
  progress.clear();
  process.stderr.write(
    summary.format({
      files: files.length,
      series: engine.seriesCount,
      refused,
      seconds: (performance.now() - started) / 1000,
      stillFiring: engine.detector.firingCount(),
      heldBack,
    }) + '\n',
  );
  return failed > 0 ? 1 : 0;
}
