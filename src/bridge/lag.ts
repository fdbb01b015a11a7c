/**
 * Consumer lag of the owned input partitions, as a gauge: set from each delivered batch's high
 * watermark, and polled every `lagIntervalMs` from the group's committed offsets and the partitions'
 * high watermarks, so that a partition that does not move (stalled, or without new records) shows
 * its lag too.
 */
import type { KafkaAdmin, KafkaLogger } from '../kafka/client.js'
import type { BridgeConfig } from './config.js'
import { partitionLabels } from './metrics.js'
import type { BridgeMetrics } from './metrics.js'

export interface LagOptions {
  readonly config: Pick<BridgeConfig, 'inputTopic' | 'groupId' | 'lagIntervalMs'>
  readonly metrics: BridgeMetrics
  readonly log?: KafkaLogger | undefined
  /** Read at each poll: the admin client of the moment, if connected. */
  readonly admin: () => KafkaAdmin | undefined
  /** Read at each poll: the input partitions this instance owns. */
  readonly assigned: () => readonly number[]
  /** Read at each poll: true once the bridge is stopping (nothing is polled then). */
  readonly stopping: () => boolean
}

export interface LagPoller {
  /** A batch went through up to `lastOffset`; the lag is what remains below `highWatermark`. */
  delivered(partition: number, lastOffset: string, highWatermark: string): void
  /** A partition this instance no longer owns: its gauge is removed. */
  revoked(partition: number): void
  /** The bridge stopped: every partition forgotten, the gauges removed. */
  reset(): void
  /** Polls every `lagIntervalMs` (the timer does not keep the process alive). */
  start(): void
  stop(): void
}

export function createLagPoller({ config, metrics, log, admin, assigned, stopping }: LagOptions): LagPoller {
  /** Next input offset to process, per partition, as far as this instance has delivered. */
  const delivered = new Map<number, bigint>()
  const labels = (partition: number) => partitionLabels(config.inputTopic, partition)
  let timer: NodeJS.Timeout | undefined

  /**
   * Lag of each owned partition: the high watermark minus the group's committed offset (or what this
   * instance delivered since, if further), so a stalled partition shows its lag growing.
   */
  const poll = async (): Promise<void> => {
    const from = admin()
    const partitions = assigned()
    if (from === undefined || partitions.length === 0 || stopping()) return
    try {
      const [ends, committed] = await Promise.all([
        from.topicOffsets(config.inputTopic),
        from.groupOffsets(config.groupId, config.inputTopic),
      ])
      for (const partition of assigned()) {
        const end = ends.find((entry) => entry.partition === partition)
        if (end === undefined) continue
        const offset = committed.find((entry) => entry.partition === partition)?.offset
        let position = offset === undefined || BigInt(offset) < 0n ? BigInt(end.low) : BigInt(offset)
        const local = delivered.get(partition)
        if (local !== undefined && local > position) position = local
        const lag = BigInt(end.high) - position
        metrics.lag.set(labels(partition), Number(lag > 0n ? lag : 0n))
      }
    } catch (error) {
      log?.debug({ err: error }, 'Consumer lag not read; trying again at the next interval')
    }
  }

  return {
    delivered(partition, lastOffset, highWatermark) {
      delivered.set(partition, BigInt(lastOffset) + 1n)
      const lag = Number(BigInt(highWatermark) - BigInt(lastOffset) - 1n)
      metrics.lag.set(labels(partition), Math.max(0, lag))
    },
    revoked(partition) {
      metrics.lag.remove(labels(partition))
      delivered.delete(partition)
    },
    reset() {
      delivered.clear()
      metrics.lag.reset()
    },
    start() {
      timer = setInterval(() => void poll(), config.lagIntervalMs)
      timer.unref()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = undefined
    },
  }
}
