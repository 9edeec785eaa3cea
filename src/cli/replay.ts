/**
 * `sigmawatch replay [--config FILE] [--set key=value]... DATA...`
 *
 * Runs the detection core over files, no Kafka: the same Detector the worker drives, one alert
 * event per line (JSON) on stdout, and a summary on stderr. For tuning rules on history.
 */
import { Detector } from '../core/detector.js';
import { Transition } from '../core/lifecycle.js';
import { parseSeriesId } from '../codec/series-id.js';
import { encodeAlert } from '../codec/alerts.js';
import { AlertEventBuilder } from '../codec/alert-event-builder.js';
import { replayFile, fileSize, ReplayInputError, type RowSink } from '../replay/reader.js';
import { ReplaySummary, REPORTED_REJECTS, fmt } from '../replay/summary.js';
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

/** Evict idle series (and drain) every this many rows: cheap, keeps memory bounded on long files. */
const HOUSEKEEPING_ROWS = 1 << 16;

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
  const detector = new Detector({
    rules: config.rules,
    maxSeries: config.store.maxSeries,
    initialCapacity: config.store.initialCapacity,
    parseKey: parseSeriesId,
  });
  const builder = new AlertEventBuilder();
  const summary = new ReplaySummary(config.alerts.flapWindowMs);
  const out = new LineWriter();
  const progress = new Progress();
  const idleMs = config.store.idleTimeoutMs;
  const started = performance.now();
  let maxTs = -Infinity;
  let failed = 0;
  let currentFile = '';
  let currentSize = 0;
  let currentBytes = 0;

  const emit = () => {
    for (const a of detector.drainAlerts()) {
      summary.alert(a);
      out.line(encodeAlert(builder.build(a), 'json').toString('utf8'));
    }
  };

  const sink: RowSink = {
    row(key, ts, value) {
      summary.rows++;
      if (ts > maxTs) maxTs = ts;
      detector.observe(key, 0, key.length, ts, value);
      emit();
      if (summary.rows % HOUSEKEEPING_ROWS === 0) {
        detector.evictIdle(maxTs, idleMs);
        emit();
      }
    },
    reject(file, line, reason, detail) {
      summary.reject(reason, `${file}:${line}`);
      const n = summary.rejectedTotal;
      if (n <= REPORTED_REJECTS) {
        progress.clear();
        process.stderr.write(`${file}:${line}: skipped (${reason}): ${detail}\n`);
      } else if (n === REPORTED_REJECTS + 1) {
        process.stderr.write(`further rejected rows are only counted (see the summary)\n`);
      }
    },
  };

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
    await out.flush();
  }
  emit();
  await out.flush();
  progress.clear();
  process.stderr.write(
    summary.format({
      files: files.length,
      series: detector.store.size,
      refused: detector.counters.refused,
      seconds: (performance.now() - started) / 1000,
      stillFiring: detector.firingCount(),
      heldBack: detector.rules.reduce((n, _, r) => n + detector.counters.transitionCount(r, Transition.HeldBack), 0),
    }) + '\n',
  );
  return failed > 0 ? 1 : 0;
}
