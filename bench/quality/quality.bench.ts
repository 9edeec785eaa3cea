/**
 * Detection quality on labelled data: `npm run bench -- quality [--config=FILE] [--data=DIR]`.
 * Replays every file of a corpus in NAB's layout (default bench/data/nab-dev) through the engine
 * with the given configuration (default: the project defaults, config/default.yaml), scores the
 * firing events with NAB's rules as emitted and in SRE terms (run-detector.ts), prints one line
 * per file on stderr and the table on stdout, writes bench/results/quality.json and returns the
 * table as the doc section (bench/results/quality.md, docs/benchmarks.md).
 *
 * The runner only passes `--key=value` arguments, so write `--config=FILE`, not `--config FILE`.
 * Relative paths are taken from the working directory (the repository root under npm).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

import { loadConfig } from '../../src/config/index.js';
import { qualityMarkdown, runQuality, type QualityReport } from './run-detector.js';

interface Ctx {
  readonly root: string;
  readonly args: ReadonlyMap<string, string>;
}

function pathArg(ctx: Ctx, key: string): string | undefined {
  const v = ctx.args.get(key) ?? ctx.args.get(`quality-${key}`);
  if (v === 'true') throw new Error(`bench quality: write --${key}=PATH (the bench runner only reads --key=value)`);
  return v === undefined || v === '' ? undefined : v;
}

/** Shorter in the report: relative to the repository root when below it. */
function display(root: string, path: string): string {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export async function runQualityBench(ctx: Ctx): Promise<{ markdown: string; report: QualityReport }> {
  const configArg = pathArg(ctx, 'config');
  const dataArg = pathArg(ctx, 'data');
  const configFile = configArg === undefined ? undefined : resolve(configArg);
  const dataDir = dataArg === undefined ? join(ctx.root, 'bench', 'data', 'nab-dev') : resolve(dataArg);
  // env: {} so $SIGMAWATCH_CONFIG or SIGMAWATCH_* variables cannot change what is measured.
  const config = loadConfig({ file: configFile, env: {} });
  const report = await runQuality({
    dataDir,
    config,
    configLabel: configFile === undefined ? 'defaults' : display(ctx.root, configFile),
    dataLabel: display(ctx.root, dataDir),
    onFile: (line) => process.stderr.write(`${line}\n`),
  });
  const command = [
    'npm run bench -- quality',
    ...(configArg === undefined ? [] : [`--config=${report.config}`]),
    ...(dataArg === undefined ? [] : [`--data=${report.data}`]),
  ].join(' ');
  const markdown = qualityMarkdown(report, command);
  mkdirSync(join(ctx.root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ctx.root, 'bench', 'results', 'quality.json'), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`${markdown}\n`);
  process.stderr.write(`quality: ${report.files.length} files in ${report.seconds.toFixed(1)} s; wrote bench/results/quality.json\n`);
  return { markdown, report };
}
