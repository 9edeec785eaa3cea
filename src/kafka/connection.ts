/**
 * How kafkajs clients reach the cluster: TLS and SASL from the configuration, PEM files read at
 * connect time (so a rotated certificate is picked up on restart). Every client sigmawatch makes
 * (worker, producer, admin) takes these options.
 */
import { readFileSync } from 'node:fs';
import type { KafkaConfig as KafkajsConfig, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/index.js';

export function kafkaConnection(k: Pick<KafkaConfig, 'ssl' | 'sasl'>): Pick<KafkajsConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkajsConfig, 'ssl' | 'sasl'> = {};
  if (k.ssl === true) out.ssl = true;
  else if (k.ssl !== false) {
    out.ssl = {
      rejectUnauthorized: k.ssl.rejectUnauthorized,
      ...(k.ssl.ca === undefined ? {} : { ca: [readFileSync(k.ssl.ca, 'utf8')] }),
      ...(k.ssl.cert === undefined ? {} : { cert: readFileSync(k.ssl.cert, 'utf8') }),
      ...(k.ssl.key === undefined ? {} : { key: readFileSync(k.ssl.key, 'utf8') }),
    };
  }
  if (k.sasl !== null) out.sasl = { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password } as SASLOptions;
  return out;
}
