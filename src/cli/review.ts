/**
 * `sigmawatch review [--file FILE]... [--since T] [--until T] [--json | --report FILE.html]`
 *
 * The alert review: reads alert events — NDJSON files (what `replay` writes) or the whole alerts
 * topic up to its end offsets at start — over a time range and reports per rule: pages, flaps,
 * pages per series-day, time firing, the noisiest series, and the `for` / `keep_firing_for`
 * values that would have paged less (review/what-if.ts).
 */
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Config } from '../config/index.js';
import { DURATION_HELP, parseDuration } from '../config/duration.js';
import { kafkaClient } from '../kafka/connection.js';
import { createLogger } from '../observe/logger.js';
import { ReplayInputError } from '../replay/reader.js';
import { fmt } from '../replay/summary.js';
import { parseTimestamp } from '../replay/timestamp.js';
import { acceptEvent, fileSize, readEventFile, ReviewInputError } from '../review/event-input.js';
import { DEFAULT_REPORT_SERIES, renderHtml } from '../review/html-report.js';
import { REPORTED_REJECTS } from '../review/rejects.js';
import { replayWhatIf } from '../review/replayed-what-if.js';
import { ReviewCollector, type ReviewDocument } from '../review/review.js';
import { formatText } from '../review/text-report.js';
import { readAlertsTopic, TopicReadError } from '../review/topic-reader.js';
import type { WhatIfCandidates } from '../review/what-if.js';
import { CONFIG_OPTIONS, UsageError, loadConfigFromFlags, parse, reportError } from './args.js';
import { Progress } from './output.js';

const DEFAULT_FOR = '5m,10m';
const DEFAULT_KEEP_FIRING_FOR = '5m,15m';
const DEFAULT_TOP = 5;
const DEFAULT_TIMEOUT = '5m';

const USAGE = `Usage: sigmawatch review [--file FILE]... [--config FILE] [--set key=value]... [options]

The alert review: reads alert events over a time range and reports per rule the pages (episodes
that fired), flaps (ended within alerts.flap_window of firing) and their share, pages per
series-day, mean and p90 time firing, the noisiest series, and the rules that would page less
with another for / keep_firing_for (estimated from the events).

Events come from --file (NDJSON, one event per line, as 'sigmawatch replay' writes them; - reads
stdin), or, without --file, from the alerts topic (kafka.topics.alerts on kafka.brokers or
KAFKA_BROKERS), read from its start up to its end offsets when the review starts.

Options:
  -f, --file FILE                    NDJSON file of alert events (repeatable; - = stdin)
      --since T                      from T: RFC 3339 (2026-11-01, 2026-11-01T08:00:00Z) or a
                                     duration before now (30d)
      --until T                      up to T (excluded), same forms; default: the last event
      --what-if-for LIST             candidate for durations (default ${DEFAULT_FOR}; '' = none)
      --what-if-keep-firing-for LIST candidate extra keep_firing_for (default ${DEFAULT_KEEP_FIRING_FOR}; '' = none)
      --samples FILE                 the samples the alerts came from (CSV or NDJSON, as replay
                                     reads them; repeatable): the what-if replayed exactly,
                                     the rules run once per candidate
      --top N                        noisiest series listed per rule (default ${DEFAULT_TOP})
      --json                         one JSON document on stdout instead of the text tables
      --report FILE.html             also write an HTML page: the tables, and charts of the
                                     noisiest series' episodes (self-contained, works offline)
      --report-series N              series charted on the page (default ${DEFAULT_REPORT_SERIES})
      --timeout DURATION             longest a topic read may take (default ${DEFAULT_TIMEOUT})
  -c, --config FILE                  configuration (alerts.flap_window, brokers, topic)
      --set KEY=VALUE                override one key (repeatable)
  -h, --help                         this text

Malformed events are counted by reason (the first ${REPORTED_REJECTS} reported with file:line) and
left out. Exit codes: 0 done, 1 runtime failure (a topic that cannot be read), 2 usage or
configuration error (unknown flag, bad duration or time, unreadable file, no brokers).`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  file: { type: 'string', short: 'f', multiple: true },
  samples: { type: 'string', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
  'what-if-for': { type: 'string' },
  'what-if-keep-firing-for': { type: 'string' },
  top: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  'report-series': { type: 'string' },
  timeout: { type: 'string' },
} as const;

interface ReviewPlan {
  readonly files: readonly string[];
  readonly samples: readonly string[];
  readonly since: number | undefined;
  readonly until: number | undefined;
  readonly candidates: WhatIfCandidates;
  readonly top: number;
  readonly json: boolean;
  readonly report: string | undefined;
  readonly reportSeries: number;
  readonly timeoutMs: number;
}

export async function reviewCommand(args: string[], now: () => number = Date.now): Promise<number> {
  let plan: ReviewPlan;
  let config: Config;
  try {
    const { values, positionals } = parse(args, OPTIONS);
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (files are given with --file)`);
    const t = now();
    const since = values.since === undefined ? undefined : instant('--since', values.since, t);
    const until = values.until === undefined ? undefined : instant('--until', values.until, t);
    if (since !== undefined && until !== undefined && since >= until) {
      throw new UsageError(`--since (${new Date(since).toISOString()}) must be before --until (${new Date(until).toISOString()})`);
    }
    const files = values.file ?? [];
    for (const f of files) checkReadable(f);
    const samples = values.samples ?? [];
    for (const f of samples) {
      if (f === '-') throw new UsageError('--samples cannot read stdin (the samples are replayed once per candidate): give a file');
      checkReadable(f, '--samples');
    }
    if (values.report !== undefined && !isDirectory(dirname(resolve(values.report)))) {
      throw new UsageError(`--report ${values.report}: no such directory ${dirname(resolve(values.report))}`);
    }
    plan = {
      files,
      samples,
      since,
      until,
      candidates: {
        forMs: durations('--what-if-for', values['what-if-for'] ?? DEFAULT_FOR),
        keepFiringForMs: durations('--what-if-keep-firing-for', values['what-if-keep-firing-for'] ?? DEFAULT_KEEP_FIRING_FOR),
      },
      top: count('--top', values.top ?? String(DEFAULT_TOP)),
      json: values.json === true,
      report: values.report,
      reportSeries: count('--report-series', values['report-series'] ?? String(DEFAULT_REPORT_SERIES)),
      timeoutMs: positiveDuration('--timeout', values.timeout ?? DEFAULT_TIMEOUT),
    };
    config = loadConfigFromFlags(values);
    if (files.length === 0 && config.kafka.brokers.length === 0) {
      throw new UsageError(
        'no --file given and no Kafka brokers configured: pass --file FILE.ndjson, or set kafka.brokers (or KAFKA_BROKERS) to read the alerts topic',
      );
    }
  } catch (e) {
    return reportError(e, 'review');
  }
  try {
    const { doc: reviewed, collector } = await review(plan, config);
    const doc = plan.samples.length === 0 ? reviewed : { ...reviewed, replayed: await replayed(plan, config) };
    if (plan.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    else process.stdout.write(formatText(doc) + '\n');
    if (plan.report !== undefined) {
      writeFileSync(plan.report, renderHtml(doc, collector.book.all(), plan.reportSeries));
      process.stderr.write(`review: report written to ${plan.report}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ReviewInputError || e instanceof TopicReadError || e instanceof ReplayInputError) {
      process.stderr.write(`sigmawatch review: ${e.message}\n`);
      return 1;
    }
    return reportError(e, 'review');
  }
}

async function review(plan: ReviewPlan, config: Config): Promise<{ doc: ReviewDocument; collector: ReviewCollector }> {
  const progress = new Progress();
  const collector = new ReviewCollector({
    since: plan.since,
    until: plan.until,
    keepMarks: plan.report !== undefined,
    onReject(reason, where, detail, total) {
      if (total <= REPORTED_REJECTS) {
        progress.clear();
        process.stderr.write(`${where}: skipped (${reason}): ${detail}\n`);
      } else if (total === REPORTED_REJECTS + 1) {
        process.stderr.write('further malformed events are only counted (see the input line of the review)\n');
      }
    },
  });
  const finish = (source: ReviewDocument['source']) => ({
    doc: collector.finish({
      source,
      flapWindowMs: config.alerts.flapWindowMs,
      top: plan.top,
      candidates: plan.candidates,
      holdMs: holdOf(config),
    }),
    collector,
  });

  if (plan.files.length > 0) {
    for (const file of plan.files) {
      const size = fileSize(file);
      await readEventFile(file, collector, (bytes) =>
        progress.update(() => {
          const pct = size > 0 ? ` ${Math.min(100, (100 * bytes) / size).toFixed(0)}%` : '';
          return `review ${file}${pct}: ${fmt(collector.book.events)} events`;
        }),
      );
    }
    progress.clear();
    return finish({ files: plan.files });
  }

  const topic = config.kafka.topics.alerts;
  // kafkajs' own log lines go to stderr, errors only (it warns of retries it then makes good):
  // stdout carries the review.
  const logger = createLogger({
    level: 'error',
    name: 'sigmawatch-review',
    destination: { write: (line: string) => process.stderr.write(line) },
  });
  const result = await readAlertsTopic(kafkaClient(config.kafka, config.kafka.brokers, logger), {
    topic,
    group: config.kafka.groupId,
    timeoutMs: plan.timeoutMs,
    onRecord: (value, partition, offset) => acceptEvent(value, `${topic}/${partition}@${offset}`, collector),
    onProgress: (read, total) => progress.update(() => `review ${topic}: ${fmt(read)} of ${fmt(total)} records`),
  });
  progress.clear();
  if (!result.groupDeleted)
    process.stderr.write(`review: could not delete the reader's consumer group ${result.groupId} (it holds no offsets)\n`);
  return finish({ topic });
}

async function replayed(plan: ReviewPlan, config: Config) {
  const progress = new Progress();
  const result = await replayWhatIf({
    config,
    files: plan.samples,
    candidates: plan.candidates,
    since: plan.since,
    until: plan.until,
    onRun: (run, runs, what) => progress.update(() => `review: replaying the samples ${run}/${runs} (${what})`),
  });
  progress.clear();
  return result;
}

/** Each configured rule's keep_firing_for as a duration (0 samples is 0 ms); null when in samples or not configured. */
function holdOf(config: Config): (rule: string) => number | null {
  const holds = new Map(config.rules.map((r) => [r.name, r.keepFiringFor]));
  return (rule) => {
    const h = holds.get(rule);
    if (h === undefined) return null;
    return 'ms' in h ? h.ms : h.samples === 0 ? 0 : null;
  };
}

/** --since / --until: RFC 3339 (or a date), or a duration before now. */
function instant(flag: string, text: string, now: number): number {
  const d = parseDuration(text);
  if (d !== undefined) return now - d;
  const t = parseTimestamp(text);
  // parseTimestamp also reads bare numbers as Unix time; a review range is written as a date.
  if (t !== undefined && /^\d{4}-\d{2}-\d{2}/.test(text.trim())) return t;
  throw new UsageError(
    `${flag} must be an RFC 3339 time (2026-11-01T00:00:00Z) or ${DURATION_HELP} before now, got ${JSON.stringify(text)}`,
  );
}

function durations(flag: string, text: string): number[] {
  if (text.trim() === '') return [];
  const out = text.split(',').map((part) => positiveDuration(flag, part.trim()));
  return [...new Set(out)].sort((a, b) => a - b);
}

function positiveDuration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} takes ${DURATION_HELP}, greater than 0; got ${JSON.stringify(text)}`);
  return ms;
}

function count(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 10_000)
    throw new UsageError(`${flag} must be an integer from 0 to 10000, got ${JSON.stringify(text)}`);
  return Number(text);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function checkReadable(file: string, flag = '--file'): void {
  if (file === '-') return;
  try {
    accessSync(file, constants.R_OK);
    if (statSync(file).isDirectory()) throw new UsageError(`${flag} ${file}: is a directory, not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${flag} ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
