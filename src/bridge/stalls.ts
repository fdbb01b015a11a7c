/**
 * Retries and stalls of input partitions. A batch Kafka does not accept is retried with back-off
 * while the failure is retriable and the retry budget lasts. What a failed attempt already got
 * acknowledged is remembered per partition and not sent again, so retries never repeat output. A
 * failure retrying cannot fix, or a retry budget spent, stalls the partition: it stays paused, is
 * reported (state, a gauge, one error line) and is tried again every `stallRetryMs` until its batch
 * goes through.
 */
import type { TopicstreamError } from '../errors.js'
import type { KafkaLogger } from '../kafka/client.js'
import type { BridgeConfig } from './config.js'
import type { DeliveryProgress } from './delivery.js'
import { partitionLabels } from './metrics.js'
import type { BridgeMetrics } from './metrics.js'

/** Per partition: what the failed attempts of the batch in hand left behind. */
export interface PartitionRetry {
  /** Input offsets whose result or dead letter Kafka acknowledged in a failed attempt (at-least-once). */
  readonly acknowledged: Set<string>
  /** Input offsets whose dead letter is written as a reference (the full one was refused). */
  readonly references: Set<string>
  /** Dead letters one per request, so that a refusal names the dead letter. */
  deadLettersOnePerRequest: boolean
  /** Failed attempts counted against the retry budget. */
  attempts: number
  readonly since: number
}

interface Stall {
  readonly topic: string
  readonly partition: number
  /** When it stalled (ISO 8601). */
  readonly since: string
  /** The last failure. */
  cause: { readonly code: string; readonly message: string }
  timer?: NodeJS.Timeout | undefined
  resume?: () => void
}

/** A failed attempt at a partition's batch, as far as it got. */
export interface FailedAttempt {
  readonly topic: string
  readonly partition: number
  readonly failure: TopicstreamError
  /** The retry state the attempt started with (`retry(partition)` before it), if any. */
  readonly retry: PartitionRetry | undefined
  readonly progress: DeliveryProgress
  /** Input offsets of the attempt's results, in the order they were sent. */
  readonly resultOffsets: readonly string[]
  /** Input offsets of the attempt's dead letters, in the order they were sent. */
  readonly deadOffsets: readonly string[]
  /** Input offsets of the attempt's reviews (abstained results), in the order they were sent. */
  readonly reviewOffsets: readonly string[]
}

export interface Stalls {
  /** The retry state of the partition's batch in hand, if an attempt at it failed. */
  retry(partition: number): PartitionRetry | undefined
  /**
   * Records a failed attempt: what it got acknowledged, and whether the dead-letter topic refused a
   * dead letter (`refused`: the batch is tried again at once, with that dead letter found or written
   * as a reference). Any other failure counts against the retry budget.
   */
  failed(attempt: FailedAttempt): { readonly retry: PartitionRetry; readonly refused: boolean }
  /**
   * Schedules the next attempt of a paused partition: at once after a refusal, with back-off within
   * the retry budget, else every `stallRetryMs` with the partition stalled. `resume` un-pauses it.
   */
  retryLater(
    attempt: Pick<FailedAttempt, 'topic' | 'partition' | 'failure'>,
    state: { readonly retry: PartitionRetry; readonly refused: boolean },
    firstOffset: string | undefined,
    resume: () => void,
  ): void
  /** The partition's batch went through: its retries are over, and a stall ends. */
  delivered(topic: string, partition: number): void
  /** The partitions this instance owns now: the gauge is 0 for those that are not stalled. */
  assigned(partitions: readonly number[]): void
  /** A partition this instance no longer owns: forgotten, resumed, and its gauge removed. */
  revoked(partition: number): void
  /** The bridge stopped: every partition forgotten and resumed, the gauges removed. */
  reset(): void
  /** The stalled partitions, in partition order. */
  list(): Array<Pick<Stall, 'topic' | 'partition' | 'since' | 'cause'>>
}

export interface StallOptions {
  readonly config: Pick<
    BridgeConfig,
    'inputTopic' | 'exactlyOnce' | 'maxDeliveryAttempts' | 'deliveryRetryBudgetMs' | 'stallRetryMs'
  >
  readonly metrics: BridgeMetrics
  readonly log?: KafkaLogger | undefined
  /** Called when a stalled partition is about to be tried again. */
  readonly beforeStallRetry: () => void
}

export function createStalls({ config, metrics, log, beforeStallRetry }: StallOptions): Stalls {
  const retries = new Map<number, PartitionRetry>()
  const stalls = new Map<number, Stall>()
  const labels = (partition: number) => partitionLabels(config.inputTopic, partition)

  const clearStall = (partition: number): void => {
    const stall = stalls.get(partition)
    if (stall === undefined) return
    if (stall.timer) clearTimeout(stall.timer)
    stall.resume?.()
    stalls.delete(partition)
  }

  return {
    retry: (partition) => retries.get(partition),

    failed({ topic, partition, retry, progress, resultOffsets, deadOffsets, reviewOffsets }) {
      const state: PartitionRetry = retry ?? {
        acknowledged: new Set(),
        references: new Set(),
        deadLettersOnePerRequest: false,
        attempts: 0,
        since: Date.now(),
      }
      retries.set(partition, state)
      if (!config.exactlyOnce) {
        // Acknowledged is durable in this mode: remembered, so that the next attempt skips it.
        for (const offset of resultOffsets.slice(0, progress.results)) state.acknowledged.add(offset)
        for (const offset of deadOffsets.slice(0, progress.deadLetters)) state.acknowledged.add(offset)
        // An abstained record is done only once its review copy is acknowledged too.
        for (const offset of reviewOffsets.slice(progress.reviews)) state.acknowledged.delete(offset)
      }
      // The dead-letter topic refused a dead letter for itself (too large, or anything retrying will
      // not fix): find which (one per request), then write that one as a reference.
      let refused = false
      const deadFailure = progress.deadLetterFailure
      if (deadFailure !== undefined && !deadFailure.canRetry) {
        const offset = deadOffsets[progress.deadLetters]
        if (!state.deadLettersOnePerRequest) {
          state.deadLettersOnePerRequest = true
          refused = true
        } else if (offset !== undefined && !state.references.has(offset)) {
          state.references.add(offset)
          refused = true
          log?.warn(
            { err: deadFailure, topic, partition, offset },
            'The dead-letter topic refused a dead letter; writing a reference dead letter instead',
          )
        }
      }
      if (!refused) state.attempts++
      return { retry: state, refused }
    },

    retryLater({ topic, partition, failure }, { retry: state, refused }, firstOffset, resume) {
      const stalled = stalls.get(partition)
      const withinBudget =
        failure.canRetry &&
        state.attempts < config.maxDeliveryAttempts &&
        Date.now() - state.since < config.deliveryRetryBudgetMs
      let delayMs: number
      if (refused) {
        delayMs = 0
      } else if (stalled) {
        stalled.cause = { code: failure.code, message: failure.message }
        stalled.resume = resume
        delayMs = config.stallRetryMs
        log?.debug({ err: failure, topic, partition }, 'Stalled partition still not delivered')
      } else if (withinBudget) {
        log?.warn({ err: failure, topic, partition }, 'Batch not delivered; it will be read again')
        delayMs = Math.min(10_000, 1000 * 2 ** (state.attempts - 1))
      } else {
        const stall = {
          topic,
          partition,
          since: new Date().toISOString(),
          cause: { code: failure.code, message: failure.message },
          resume,
        }
        stalls.set(partition, stall)
        metrics.stalled.set(labels(partition), 1)
        log?.error(
          { err: failure, topic, partition, offset: firstOffset, attempts: state.attempts },
          `Bridge partition ${partition} of "${topic}" stalled: its batch is paused and tried again every ${config.stallRetryMs} ms`,
        )
        delayMs = config.stallRetryMs
      }
      const timer = setTimeout(() => {
        const current = stalls.get(partition)
        if (current) current.timer = undefined
        if (current) beforeStallRetry()
        resume()
      }, delayMs)
      timer.unref()
      const current = stalls.get(partition)
      if (current) current.timer = timer
    },

    delivered(topic, partition) {
      retries.delete(partition)
      const stall = stalls.get(partition)
      if (stall) {
        clearStall(partition)
        metrics.stalled.set(labels(partition), 0)
        log?.info({ topic, partition, since: stall.since }, 'Bridge partition flows again')
      }
    },

    assigned(partitions) {
      for (const partition of partitions) {
        if (!stalls.has(partition)) metrics.stalled.set(labels(partition), 0)
      }
    },

    revoked(partition) {
      metrics.stalled.remove(labels(partition))
      retries.delete(partition)
      clearStall(partition)
    },

    reset() {
      for (const partition of [...stalls.keys()]) clearStall(partition)
      retries.clear()
      metrics.stalled.reset()
    },

    list: () =>
      [...stalls.values()]
        .sort((a, b) => a.partition - b.partition)
        .map(({ topic, partition, since, cause }) => ({ topic, partition, since, cause })),
  }
}
