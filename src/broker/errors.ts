/**
 * Why a local broker could not be started or used. Each reason has one fix, and the message
 * says it; `detail` carries the evidence (the tail of mvn's output or of the broker's log).
 */
export type BrokerFailure =
  | 'java-missing' // no usable `java` (or JAVA_HOME) on this machine
  | 'mvn-missing' // `mvn` is not installed, so Kafka cannot be assembled
  | 'mvn-failed' // Maven ran but could not resolve Kafka (usually: Maven Central unreachable)
  | 'pom-missing' // src/broker/pom.xml was not found next to the code
  | 'format-failed' // kafka.tools.StorageTool could not format the KRaft directory
  | 'port-taken' // the chosen loopback port was taken before Kafka bound it
  | 'exited-early' // the broker process exited before it became ready
  | 'not-ready'; // the broker kept running but never answered Kafka requests in time

export class BrokerStartError extends Error {
  override readonly name = 'BrokerStartError';
  readonly reason: BrokerFailure;
  /** Evidence for the reason, already included at the end of `message`. */
  readonly detail: string;

  constructor(reason: BrokerFailure, message: string, detail = '', options?: { cause?: unknown }) {
    super(detail === '' ? message : `${message}\n${indent(detail)}`, options);
    this.reason = reason;
    this.detail = detail;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');
}
