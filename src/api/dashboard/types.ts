/**
 * What the dashboard shows, independent of where it comes from: the plugin only knows a feed of
 * classified records and a source of pipeline facts, so it can be driven by Kafka, a test, or
 * anything else that produces results.
 */

/** One classified record, as the dashboard's live feed shows it. */
export interface FeedRecord {
  /** Key or id of the source record, when it has one. */
  readonly id?: string
  readonly text: string
  /** The label; for an abstention, the class the model would not commit to. */
  readonly label: string
  readonly confidence: number
  /** The model gave no label: its confidence was under the server's --min-confidence. */
  readonly abstained?: boolean
  /** The known category of the text (replays of labelled corpora). */
  readonly trueLabel?: string
  /** When the source record was produced (ms since the epoch). */
  readonly producedAt?: number
  /** When the result was written (ms since the epoch). */
  readonly classifiedAt: number
  readonly model?: string
  readonly modelVersion?: string
}

export type FeedListener = (record: FeedRecord) => void

/** A source of classified records. `subscribe` returns the function that unsubscribes. */
export interface RecordFeed {
  subscribe(listener: FeedListener): () => void
}

/**
 * The dashboard's own Kafka consumer: `connecting` until its first group join, `up` from a join
 * until it dies, `reconnecting` while it is restarted after a failure (with the attempt and the
 * last error), `down` when Kafka is known to be unreachable.
 */
export type KafkaState = 'up' | 'down' | 'connecting' | 'reconnecting' | 'unknown'

/** Facts about the pipeline that do not travel with each record. */
export interface PipelineFacts {
  readonly kafka: KafkaState
  /** Human-readable reason when Kafka is not `up`. */
  readonly kafkaMessage?: string
  /** While `reconnecting`: the attempt under way or next (2 after the first failure). */
  readonly kafkaAttempt?: number
  /** Results the bridge in this process has written, when one runs here. */
  readonly bridgeResultsProduced?: number
  /** Records the classifying consumer group has yet to read (null when unknown). */
  readonly consumerLag: number | null
  /** Records currently in the dead-letter topic (null when unknown). */
  readonly dlqCount: number | null
  readonly topics?: { readonly input: string; readonly output: string; readonly dlq: string }
  readonly model?: { readonly name: string; readonly version: string; readonly classes?: readonly string[] }
}

export interface PipelineFactsSource {
  facts(): PipelineFacts
}

export interface Percentiles {
  readonly p50: number
  readonly p99: number
  readonly count: number
}

/** What the browser receives every second. */
export interface DashboardSnapshot {
  readonly at: number
  readonly uptimeSeconds: number
  readonly kafka: KafkaState
  readonly kafkaMessage?: string
  readonly kafkaAttempt?: number
  /** Results the bridge in this process has written (absent when no bridge runs here). */
  readonly bridgeResultsProduced?: number
  /** Seconds since the last record arrived; null before the first one. */
  readonly idleSeconds: number | null
  readonly model?: { readonly name: string; readonly version: string }
  readonly topics?: PipelineFacts['topics']
  readonly totals: { readonly records: number; readonly labelled: number; readonly correct: number }
  /** Records per second over the last few seconds. */
  readonly throughput: number
  /** Records per second, one value per second, oldest first. */
  readonly throughputSeries: readonly number[]
  readonly classifyLatencyMs: Percentiles | null
  readonly endToEndLatencyMs: Percentiles | null
  readonly consumerLag: number | null
  readonly dlqCount: number | null
  /** Share of correct labels among labelled records in the window, and since start. */
  readonly accuracy: { readonly window: number | null; readonly overall: number | null }
  readonly categories: {
    /** Stable order: the model's classes when known, else order of first appearance. */
    readonly labels: readonly string[]
    readonly bucketSeconds: number
    /** `series[b][i]`: records labelled `labels[i]` in bucket `b` (oldest first). */
    readonly series: readonly (readonly number[])[]
    /** Records per label since start. */
    readonly totals: readonly number[]
  }
}

export interface DashboardStats {
  /** Feeds a record into the rolling windows. */
  record(record: FeedRecord): void
  /** Time the engine spent on one record, measured where the classifier runs. */
  classifyLatency(milliseconds: number): void
  snapshot(now?: number): DashboardSnapshot
}
