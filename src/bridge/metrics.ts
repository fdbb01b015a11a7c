/**
 * The bridge's Prometheus metrics, registered into a registry the caller owns (the API's `/metrics`
 * registry, or the standalone bridge's own). Creating them twice on one registry reuses the first set,
 * so a bridge restarted inside one process keeps counting.
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import type { Registry } from 'prom-client'

export interface BridgeMetrics {
  readonly consumed: Counter<'topic'>
  readonly produced: Counter<'topic'>
  readonly deadLettered: Counter<'code'>
  readonly lag: Gauge<'topic' | 'partition'>
  readonly stalled: Gauge<'topic' | 'partition'>
  readonly batchSeconds: Histogram<'outcome'>
  readonly transactionsAborted: Counter
}

export function createBridgeMetrics(registry: Registry): BridgeMetrics {
  const reuse = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make()
  const registers = [registry]
  return {
    consumed: reuse(
      'topicstream_bridge_records_consumed_total',
      () =>
        new Counter({
          name: 'topicstream_bridge_records_consumed_total',
          help: 'Input records read by the Kafka bridge',
          labelNames: ['topic'] as const,
          registers,
        }),
    ),
    produced: reuse(
      'topicstream_bridge_results_produced_total',
      () =>
        new Counter({
          name: 'topicstream_bridge_results_produced_total',
          help: 'Classification results acknowledged by Kafka',
          labelNames: ['topic'] as const,
          registers,
        }),
    ),
    deadLettered: reuse(
      'topicstream_bridge_dead_letters_total',
      () =>
        new Counter({
          name: 'topicstream_bridge_dead_letters_total',
          help: 'Input records sent to the dead-letter topic, by error code',
          labelNames: ['code'] as const,
          registers,
        }),
    ),
    lag: reuse(
      'topicstream_bridge_consumer_lag',
      () =>
        new Gauge({
          name: 'topicstream_bridge_consumer_lag',
          help: 'Records between the committed offset and the high watermark, per input partition this bridge owns',
          labelNames: ['topic', 'partition'] as const,
          registers,
        }),
    ),
    stalled: reuse(
      'topicstream_bridge_partition_stalled',
      () =>
        new Gauge({
          name: 'topicstream_bridge_partition_stalled',
          help: 'Whether an owned input partition is stalled (1): Kafka does not accept its batch and retrying has not helped',
          labelNames: ['topic', 'partition'] as const,
          registers,
        }),
    ),
    batchSeconds: reuse(
      'topicstream_bridge_batch_duration_seconds',
      () =>
        new Histogram({
          name: 'topicstream_bridge_batch_duration_seconds',
          help: 'Time to classify one fetched batch and have its results acknowledged',
          labelNames: ['outcome'] as const,
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    ),
    transactionsAborted: reuse(
      'topicstream_bridge_transactions_aborted_total',
      () =>
        new Counter({
          name: 'topicstream_bridge_transactions_aborted_total',
          help: 'Exactly-once transactions aborted (their batch is re-read and re-processed)',
          registers,
        }),
    ),
  }
}

/** The labels of an input partition's gauges (lag, stalled). */
export function partitionLabels(topic: string, partition: number): { topic: string; partition: string } {
  return { topic, partition: String(partition) }
}
