/**
 * The local real-broker harness: Apache Kafka 3.9 assembled from Maven Central and started on a
 * free loopback port (see "The real broker" in DESIGN.md). Used by the tests, the demo, the
 * benchmarks and `sigmawatch broker`; skipped when KAFKA_BROKERS names an existing cluster.
 */
export { startLocalBroker, type LocalBroker, type LocalBrokerOptions } from './local-broker.js';
export {
  brokerStatus,
  readBrokerState,
  startBackgroundBroker,
  stopBackgroundBroker,
  type BrokerState,
  type BrokerStatus,
} from './background.js';
export { resolveBrokers, parseBrokerList, KAFKA_BROKERS_ENV, type ResolvedBrokers } from './resolve.js';
export { ensureKafkaLib } from './artifacts.js';
export { findJava, kafkaJavaArgs, runKafkaMain, spawnKafkaMain, type KafkaJavaOptions } from './java.js';
export { kafkaHome, kafkaLibDir, KAFKA_HOME_ENV } from './paths.js';
export { probeKafka } from './readiness.js';
export { BrokerStartError, type BrokerFailure } from './errors.js';
export { LOCAL_SASL_USER, LOCAL_SASL_PASSWORD } from './server-config.js';
