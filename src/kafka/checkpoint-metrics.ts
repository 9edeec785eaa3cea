/**
 * Metrics of checkpoints and restores, registered in the worker's registry beside the ones of
 * observe/metrics.ts. Labels are closed vocabularies (restore results, write results) and
 * partitions, never series.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How a partition's restore ended (`sigmawatch_restores_total{result}`). */
export const RESTORE_RESULTS = [
  /** Restored from a checkpoint. */
  'restored',
  /** The changelog holds no checkpoint of the partition: it learns from its data. */
  'none',
  /** A checkpoint was refused (the others are its reasons); no older one could be used either. */
  'truncated',
  'corrupt',
  'version',
  'rules',
  'incompatible',
  /** The manifest names chunks the changelog no longer holds. */
  'incomplete',
  /** The checkpoint reflects input beyond the group's committed offset (offsets were reset). */
  'ahead',
  /** Written for another consumer group. */
  'other_group',
  /** The changelog could not be read within checkpoint.restore_timeout. */
  'unavailable',
] as const;
export type RestoreResult = (typeof RESTORE_RESULTS)[number];

/** Restores take from milliseconds (an empty changelog) to minutes (a large state, a slow broker). */
const RESTORE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** The batch hold-up of a checkpoint: copying the slabs, about 1 ms per 10 MB. */
const PAUSE_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export interface CheckpointMetrics {
  /** `sigmawatch_restoring_partitions`: partitions paused while their state is restored. */
  readonly restoring: Gauge;
  /** `sigmawatch_restore_duration_seconds`: assignment to resume, per restored (or given up) partition. */
  readonly restoreDuration: Histogram;
  /** `sigmawatch_restores_total{result}`: restores by how they ended. */
  readonly restores: Counter<'result'>;
  /** `sigmawatch_replayed_records_total`: records between a checkpoint and the committed offset, replayed without output. */
  readonly replayed: Counter;
  /** `sigmawatch_checkpoints_total{result}`: checkpoint writes, written or failed. */
  readonly checkpoints: Counter<'result'>;
  /** `sigmawatch_checkpoint_bytes{partition}`: size of the partition's last checkpoint. */
  readonly checkpointBytes: Gauge<'partition'>;
  /** `sigmawatch_checkpoint_pause_seconds`: time a batch waits while its partition's state is copied. */
  readonly checkpointPause: Histogram;
  /** `sigmawatch_checkpoint_write_seconds`: copy to acknowledged manifest, in the background. */
  readonly checkpointWrite: Histogram;
}

const byRegistry = new WeakMap<Registry, CheckpointMetrics>();

/** The checkpoint metrics of `registry`, registered on first use. */
export function checkpointMetrics(registry: Registry): CheckpointMetrics {
  let m = byRegistry.get(registry);
  if (m === undefined) byRegistry.set(registry, (m = createCheckpointMetrics(registry)));
  return m;
}

function createCheckpointMetrics(registry: Registry): CheckpointMetrics {
  const registers = [registry];
  const restores = new Counter({
    name: 'sigmawatch_restores_total',
    help: 'Partition restores on assignment, by result (restored, none, or why no checkpoint could be used).',
    labelNames: ['result'] as const,
    registers,
  });
  for (const result of RESTORE_RESULTS) restores.inc({ result }, 0);
  const checkpoints = new Counter({
    name: 'sigmawatch_checkpoints_total',
    help: 'Checkpoint writes to the changelog, by result (written, failed).',
    labelNames: ['result'] as const,
    registers,
  });
  for (const result of ['written', 'failed']) checkpoints.inc({ result }, 0);
  return {
    restoring: new Gauge({
      name: 'sigmawatch_restoring_partitions',
      help: 'Assigned partitions paused while their state is restored from the changelog.',
      registers,
    }),
    restoreDuration: new Histogram({
      name: 'sigmawatch_restore_duration_seconds',
      help: 'Time from assignment to resuming a partition: reading the changelog and loading its checkpoint.',
      buckets: RESTORE_BUCKETS,
      registers,
    }),
    restores,
    replayed: new Counter({
      name: 'sigmawatch_replayed_records_total',
      help: 'Records between a restored checkpoint and the committed offset, replayed with alerts suppressed.',
      registers,
    }),
    checkpoints,
    checkpointBytes: new Gauge({
      name: 'sigmawatch_checkpoint_bytes',
      help: "Size of the partition's last checkpoint, in bytes.",
      labelNames: ['partition'] as const,
      registers,
    }),
    checkpointPause: new Histogram({
      name: 'sigmawatch_checkpoint_pause_seconds',
      help: "Time a batch is held while its partition's state is copied for a checkpoint.",
      buckets: PAUSE_BUCKETS,
      registers,
    }),
    checkpointWrite: new Histogram({
      name: 'sigmawatch_checkpoint_write_seconds',
      help: 'Time to checksum and write a checkpoint to the changelog (in the background).',
      buckets: RESTORE_BUCKETS,
      registers,
    }),
  };
}
