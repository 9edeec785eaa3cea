/**
 * `sigmawatch replay [--config FILE] [--set key=value]... DATA...`
 *
 * Runs the rules over files, no Kafka: file rows become records for the same engine the worker
 * drives, one alert event per line (JSON) on stdout, and a summary on stderr. For tuning rules on
 * history.
 */
import { encodeAlert } from '../codec/alerts.js';
import { fileSize, ReplayInputError } from '../replay/reader.js';
import { ReplayRun } from '../replay/replay-run.js';
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
  const summary = new ReplaySummary(config.alerts.flapWindowMs);
  const out = new LineWriter();
  const progress = new Progress();
  const run = new ReplayRun(config, {
    alert(a) {
      summary.alert(a);
      out.line(encodeAlert(a.event, 'json').toString('utf8'));
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
  });
  const started = performance.now();
  let failed = 0;
  for (const file of files) {
    try {
      await run.file(
        file,
        showProgress(
          file,
          progress,
          started,
          () => ({ rows: run.totals.rows, alerts: summary.totals.fired }),
          () => void out.flush(),
        ),
      );
    } catch (e) {
      if (!(e instanceof ReplayInputError)) throw e;
      progress.clear();
      process.stderr.write(`${e.message} (file skipped)\n`);
      failed++;
    }
    await out.flush();
  }
  progress.clear();
  const { rows, refused, heldBack } = run.totals;
  summary.rows = rows;
  const seconds = (performance.now() - started) / 1000;
  const stillFiring = run.engine.detector.firingCount();
  process.stderr.write(
    summary.format({
      files: files.length,
      series: run.engine.seriesCount,
      refused,
      seconds,
      stillFiring,
      heldBack,
      spanMs: run.engine.spanMs,
    }) + '\n',
  );
  return failed > 0 ? 1 : 0;
}

/** The progress callback of one file: percent read, rows, rows/s, alerts. */
function showProgress(
  file: string,
  progress: Progress,
  started: number,
  counts: () => { rows: number; alerts: number },
  flush: () => void,
): (bytes: number) => void {
  const size = fileSize(file);
  return (bytes) => {
    progress.update(() => {
      const pct = size > 0 ? ` ${Math.min(100, (100 * bytes) / size).toFixed(0)}%` : '';
      const secs = (performance.now() - started) / 1000;
      const { rows, alerts } = counts();
      return `replay ${file}${pct}: ${fmt(rows)} rows, ${fmt(rows / Math.max(secs, 1e-3))} rows/s, ${fmt(alerts)} alerts`;
    });
    flush();
  };
}
