/**
 * A record as it arrives from the metrics topic (or as replay makes one from a file row): the
 * shape of a kafkajs `KafkaMessage`, which satisfies it, without depending on kafkajs.
 */
export type HeaderValue = Buffer | string | readonly (Buffer | string)[] | undefined;

export interface SourceRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
  /** Decimal offset (Kafka offsets are 64-bit; kafkajs keeps them as strings); replay puts the line number here. */
  readonly offset: string;
}
