/**
 * OTLP metric and attribute names → Prometheus names, as Prometheus's OTLP receiver does by default
 * (translation strategy UnderscoreEscapingWithSuffixes): prometheus/otlptranslator metric_namer.go
 * (`normalizeName`, `buildUnitSuffixes`), label_namer.go and strconv.go (`sanitizeLabelName`), after
 * the OTel spec "Prometheus and OpenMetrics Compatibility: OTLP Metric points to Prometheus".
 *
 * - the name is split into tokens at every character outside `[a-zA-Z0-9:]` (so `_` too: runs of
 *   underscores collapse), the unit's suffixes are appended unless already a token (`ms` →
 *   `milliseconds`, `By/s` → `bytes_per_second`, units in `{…}` dropped, `1` → nothing), then
 *   `total` is moved to the end of monotonic sums and `ratio` to the end of gauges with unit `1`;
 *   joined by `_`, and a leading digit gets a `_` in front;
 * - an attribute key: characters outside `[a-zA-Z0-9]` become `_` with runs collapsed, a leading
 *   digit gets `key_` in front; `__x__` stays reserved (and we leave such labels out: sigmawatch's
 *   series ids take no `__` labels).
 */

export const enum MetricKind {
  Gauge,
  MonotonicCounter,
  NonMonotonicCounter,
  Histogram,
  Summary,
}

const UNITS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNITS: Readonly<Record<string, string>> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

const NOT_METRIC_CHAR = /[^a-zA-Z0-9:]+/;

/** The Prometheus name of an OTLP metric of this kind and unit (histogram/summary: the base name). */
export function prometheusMetricName(name: string, unit: string, kind: MetricKind): string {
  let tokens = name.split(NOT_METRIC_CHAR).filter((t) => t !== '');
  const [main, per] = unitSuffixes(unit);
  let mainSuffix = cleanUpUnit(main);
  let perSuffix = cleanUpUnit(per);
  if (tokens.includes(mainSuffix)) mainSuffix = '';
  if (perSuffix === 'per_') perSuffix = '';
  else {
    if (perSuffix.endsWith('_')) perSuffix = perSuffix.slice(0, -1);
    if (tokens.includes(perSuffix)) perSuffix = '';
  }
  if (perSuffix !== '' && mainSuffix.endsWith('_')) mainSuffix = mainSuffix.slice(0, -1);
  if (mainSuffix !== '') tokens.push(mainSuffix);
  if (perSuffix !== '') tokens.push(perSuffix);
  if (kind === MetricKind.MonotonicCounter) tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && kind === MetricKind.Gauge) tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  const out = tokens.join('_');
  if (out === '') return '_';
  const c = out.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 ? '_' + out : out;
}

function unitSuffixes(unit: string): [string, string] {
  const slash = unit.indexOf('/');
  const mainOtel = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  let main = '';
  let per = '';
  if (mainOtel !== '' && !/[{}]/.test(mainOtel)) main = UNITS[mainOtel] ?? mainOtel;
  if (slash >= 0 && slash + 1 < unit.length) {
    const perOtel = unit.slice(slash + 1).trim();
    if (perOtel !== '' && !/[{}]/.test(perOtel)) per = PER_UNITS[perOtel] ?? perOtel;
    if (per !== '') per = 'per_' + per;
  }
  return [main, per];
}

/** Invalid metric characters → `_`, runs collapsed, a leading `_` trimmed. */
function cleanUpUnit(unit: string): string {
  return unit
    .replace(/[^a-zA-Z0-9:]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_/, '');
}

/**
 * The Prometheus label name of an attribute key, or null when it is left out (empty, only
 * underscores, or reserved `__x__`).
 */
export function prometheusLabelName(key: string): string | null {
  if (key.length === 0) return null;
  let reserved = false;
  let inner = key;
  if (key.length >= 4 && key.startsWith('__') && key.endsWith('__')) {
    reserved = true;
    inner = key.slice(2, -2);
  }
  if (reserved) return null;
  const out = inner.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_+/g, '_');
  if (/^_*$/.test(out)) return null;
  const c = out.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 ? 'key_' + out : out;
}
