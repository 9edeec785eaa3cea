/**
 * The chart library the report page inlines: uPlot's IIFE build and its stylesheet, read from the
 * installed package when a page is rendered (once per process), so a page works offline and from
 * file:// with no CDN.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface ChartAssets {
  readonly script: string;
  readonly css: string;
  /** The library's version, named in the page. */
  readonly version: string;
}

let cached: ChartAssets | undefined;

export function chartAssets(): ChartAssets {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const read = (path: string) => readFileSync(require.resolve(path), 'utf8');
  const version = (JSON.parse(read('uplot/package.json')) as { version: string }).version;
  cached = { script: read('uplot/dist/uPlot.iife.min.js'), css: read('uplot/dist/uPlot.min.css'), version };
  return cached;
}
