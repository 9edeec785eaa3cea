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
import { writeFileSync } from 'node:fs';
import { ReplaySummary, REPORTED_REJECTS, fmt, type RunFigures } from '../replay/summary.js';
import { ReplayReport } from '../replay/report.js';
import { renderReportPage } from '../report/page.js';
import { CONFIG_OPTIONS, UsageError, loadConfigFromFlags, parse, reportError } from './args.js';
import { LineWriter, Progress } from './output.js';

/** Series drawn in a report unless --report-series says otherwise. */
const DEFAULT_REPORT_SERIES = 12;

const USAGE = `Usage: sigmawatch replay [--config FILE] [--set key=value]... [--report FILE.html] DATA...

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
      --report FILE    also write an HTML report: the summary, and per series its values over
                       time, the expected band (mean ± z·std), pending and firing spans and each
                       alert event; one self-contained file (no network needed to view it)
      --report-series N
                       series drawn in the report: the N with most alerts (default ${DEFAULT_REPORT_SERIES});
                       the others are listed in a table
  -h, --help           this text

Malformed rows are reported with file and line and skipped. Exit code: 0 when every file was
read, 1 when a file could not be read, 2 for usage or configuration errors.`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  report: { type: 'string' },
  'report-series': { type: 'string' },
} as const;

export async function replayCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parse(args, OPTIONS);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('no DATA files given');
    const report = reportOptions(values.report, values['report-series']);
    const config = loadConfigFromFlags(values);
    return await replay(positionals, config, report);
  } catch (e) {
    return reportError(e, 'replay');
  }
}

/** --report's file and series count, checked before any row is read. */
function reportOptions(file: string | undefined, series: string | undefined): { file: string; series: number } | undefined {
  if (file === undefined) {
    if (series !== undefined) throw new UsageError('--report-series needs --report FILE.html');
    return undefined;
  }
  if (file === '' || file === '-') throw new UsageError(`--report needs a file path, got ${JSON.stringify(file)}`);
  const n = series === undefined ? DEFAULT_REPORT_SERIES : Number(series);
  if (!(Number.isInteger(n) && n >= 0)) throw new UsageError(`--report-series must be an integer from 0 up, got ${JSON.stringify(series)}`);
  return { file, series: n };
}

async function replay(
  files: string[],
  config: ReturnType<typeof loadConfigFromFlags>,
  reportTo: { file: string; series: number } | undefined,
): Promise<number> {
  const summary = new ReplaySummary(config.alerts.flapWindowMs);
  const out = new LineWriter();
  const progress = new Progress();
  let report: ReplayReport | undefined;
  const run = new ReplayRun(config, {
    alert(a) {
      summary.alert(a);
      report?.alert(a);
      out.line(encodeAlert(a.event, 'json').toString('utf8'));
    },
    processed: reportTo === undefined ? undefined : (record, dead) => report!.processed(record, dead),
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
  if (reportTo !== undefined) report = new ReplayReport(run.engine, config.rules, { series: reportTo.series });
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
  const figures: RunFigures = {
    files: files.length,
    series: run.engine.seriesCount,
    refused,
    seconds,
    stillFiring,
    heldBack,
    spanMs: run.engine.spanMs,
  };
  process.stderr.write(summary.format(figures) + '\n');
  if (report !== undefined && reportTo !== undefined) {
    const renderStarted = performance.now();
    const page = report.page('sigmawatch replay', `${files.join(', ')} · ${new Date().toISOString()}`, summary.tables(figures));
    const html = renderReportPage(page);
    try {
      writeFileSync(reportTo.file, html);
    } catch (e) {
      process.stderr.write(`sigmawatch replay: cannot write the report ${reportTo.file}: ${(e as Error).message}\n`);
      return 1;
    }
    const ms = performance.now() - renderStarted;
    process.stderr.write(
      `report: ${reportTo.file} (${fmt(Buffer.byteLength(html) / 1024)} KB, ${fmt(page.charts.length)} of ${fmt(report.seriesCount)} series drawn, built in ${ms.toFixed(0)} ms)\n`,
    );
  }
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
