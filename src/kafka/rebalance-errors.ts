/** Kafka errors that mean "this member no longer owns what it tried to commit" (the group moved on). */
const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR']);

/** A rebalance error, also when kafkajs's retrier wrapped it (KafkaJSNonRetriableError keeps it as `cause`). */
export function isRebalanceError(e: unknown): boolean {
  for (let err = e as { type?: string; name?: string; cause?: unknown } | undefined, depth = 0; err != null && depth < 5; depth++) {
    if (REBALANCE_ERRORS.has(err.type ?? '') || err.name === 'KafkaJSRebalanceInProgress') return true;
    err = err.cause as typeof err;
  }
  return false;
}
