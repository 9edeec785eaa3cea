/**
 * Who a series is: its canonical id (the record key, as text), metric name and labels. Parsed
 * once, when the series is admitted (rule matching needs the labels), and kept per slot, so an
 * alert never parses its key again. The core never parses text: the engine hands it in.
 */
export interface SeriesIdentity {
  /** The canonical series id, `name{label="value",...}`: exactly the UTF-8 of the record key. */
  readonly series: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}
