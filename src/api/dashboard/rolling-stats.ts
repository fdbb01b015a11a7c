/**
 * Rolling-window aggregation of classified records for the dashboard: per-second slots in a ring
 * (so memory is fixed however fast records arrive) and bounded latency samples for percentiles.
 */
import type {
  DashboardSnapshot,
  DashboardStats,
  FeedRecord,
  Percentiles,
  PipelineFacts,
  PipelineFactsSource,
} from './types.js'

export interface RollingStatsOptions {
  /** Pipeline facts merged into every snapshot (Kafka state, lag, DLQ, model). */
  readonly facts?: PipelineFactsSource
  /** Seconds of history kept for the category chart (default 120). */
  readonly historySeconds?: number
  /** Seconds per bar of the category chart (default 2). */
  readonly bucketSeconds?: number
  /** Seconds over which throughput, percentiles and window accuracy are computed (default 60). */
  readonly windowSeconds?: number
  /** Latency samples kept per window; beyond it the oldest are dropped (default 20 000). */
  readonly maxSamples?: number
  readonly now?: () => number
}

interface Slot {
  second: number
  count: number
  labelled: number
  correct: number
  perLabel: number[]
}

/** Latency samples as parallel arrays in a ring: no allocation per record. */
class SampleRing {
  readonly #at: Float64Array
  readonly #value: Float64Array
  #next = 0
  #size = 0

  constructor(capacity: number) {
    this.#at = new Float64Array(capacity)
    this.#value = new Float64Array(capacity)
  }

  push(at: number, value: number): void {
    this.#at[this.#next] = at
    this.#value[this.#next] = value
    this.#next = (this.#next + 1) % this.#at.length
    if (this.#size < this.#at.length) this.#size++
  }

  percentiles(since: number): Percentiles | null {
    const values: number[] = []
    for (let i = 0; i < this.#size; i++) {
      if ((this.#at[i] ?? 0) >= since) values.push(this.#value[i] ?? 0)
    }
    if (values.length === 0) return null
    values.sort((a, b) => a - b)
    return { p50: rank(values, 0.5), p99: rank(values, 0.99), count: values.length }
  }
}

/** Nearest-rank percentile of sorted values. */
function rank(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index] ?? 0
}

export function createRollingStats(options: RollingStatsOptions = {}): DashboardStats {
  const now = options.now ?? Date.now
  const historySeconds = options.historySeconds ?? 120
  const bucketSeconds = options.bucketSeconds ?? 2
  const windowSeconds = options.windowSeconds ?? 60
  const maxSamples = options.maxSamples ?? 20_000
  const startedAt = now()

  const slots: Slot[] = Array.from({ length: historySeconds }, () => ({
    second: -1,
    count: 0,
    labelled: 0,
    correct: 0,
    perLabel: [],
  }))
  const labels: string[] = []
  const labelIndex = new Map<string, number>()
  const totalsPerLabel: number[] = []
  const classifyMs = new SampleRing(maxSamples)
  const endToEndMs = new SampleRing(maxSamples)
  let records = 0
  let labelled = 0
  let correct = 0
  let lastRecordAt: number | null = null
  let model: { name: string; version: string } | undefined

  function indexOf(label: string): number {
    let index = labelIndex.get(label)
    if (index === undefined) {
      index = labels.length
      labels.push(label)
      labelIndex.set(label, index)
      totalsPerLabel.push(0)
    }
    return index
  }

  // The model's classes, once known, fix the order (and so the colours) of the categories; counts
  // gathered before are moved to the new positions. Runs once per change of class list, not per record.
  let adopted: readonly string[] | undefined
  let classSet: ReadonlySet<string> | undefined
  function adoptClasses(classes: readonly string[] | undefined): void {
    if (classes === undefined || classes === adopted) return
    adopted = classes
    classSet = new Set(classes)
    const order = [...classes, ...labels.filter((label) => !classes.includes(label))]
    if (order.length === labels.length && order.every((label, i) => labels[i] === label)) return
    const moveTo = labels.map((label) => order.indexOf(label))
    const remap = (counts: number[]): number[] => {
      const next = new Array<number>(order.length).fill(0)
      counts.forEach((count, i) => (next[moveTo[i] as number] = count))
      return next
    }
    for (const slot of slots) slot.perLabel = remap(slot.perLabel)
    const totals = remap(totalsPerLabel)
    totalsPerLabel.splice(0, totalsPerLabel.length, ...totals)
    labels.splice(0, labels.length, ...order)
    labelIndex.clear()
    order.forEach((label, i) => labelIndex.set(label, i))
  }

  function slotFor(second: number): Slot {
    const slot = slots[second % historySeconds] as Slot
    if (slot.second !== second) {
      slot.second = second
      slot.count = 0
      slot.labelled = 0
      slot.correct = 0
      slot.perLabel.fill(0)
    }
    return slot
  }

  function record(entry: FeedRecord): void {
    const at = now()
    if (adopted === undefined && options.facts) adoptClasses(options.facts.facts().model?.classes)
    const slot = slotFor(Math.floor(at / 1000))
    const index = indexOf(entry.label)
    while (slot.perLabel.length <= index) slot.perLabel.push(0)
    slot.perLabel[index] = (slot.perLabel[index] ?? 0) + 1
    totalsPerLabel[index] = (totalsPerLabel[index] ?? 0) + 1
    slot.count++
    records++
    // A known label the model cannot predict (another corpus's topics) says nothing about accuracy.
    if (entry.trueLabel !== undefined && (classSet === undefined || classSet.has(entry.trueLabel))) {
      slot.labelled++
      labelled++
      if (entry.trueLabel === entry.label) {
        slot.correct++
        correct++
      }
    }
    if (entry.producedAt !== undefined) {
      const latency = entry.classifiedAt - entry.producedAt
      if (Number.isFinite(latency) && latency >= 0) endToEndMs.push(at, latency)
    }
    if (entry.model !== undefined) model = { name: entry.model, version: entry.modelVersion ?? '' }
    lastRecordAt = at
  }

  function snapshot(at: number = now()): DashboardSnapshot {
    const facts: PipelineFacts | undefined = options.facts?.facts()
    adoptClasses(facts?.model?.classes)
    const second = Math.floor(at / 1000)
    const live = (s: number): Slot | undefined => {
      const slot = slots[((s % historySeconds) + historySeconds) % historySeconds]
      return slot !== undefined && slot.second === s ? slot : undefined
    }

    // Per-second throughput for the window; the current second is still filling, so it is left out.
    const throughputSeries: number[] = []
    let windowLabelled = 0
    let windowCorrect = 0
    for (let s = second - windowSeconds; s < second; s++) {
      const slot = live(s)
      throughputSeries.push(slot?.count ?? 0)
      windowLabelled += slot?.labelled ?? 0
      windowCorrect += slot?.correct ?? 0
    }
    const recent = throughputSeries.slice(-5)
    const throughput = recent.reduce((sum, n) => sum + n, 0) / recent.length

    const series: number[][] = []
    const lastBucket = Math.floor(second / bucketSeconds)
    const firstBucket = lastBucket - Math.floor(historySeconds / bucketSeconds) + 1
    for (let b = firstBucket; b <= lastBucket; b++) {
      const counts = new Array<number>(labels.length).fill(0)
      for (let s = b * bucketSeconds; s < (b + 1) * bucketSeconds; s++) {
        const slot = live(s)
        if (slot === undefined) continue
        for (let i = 0; i < slot.perLabel.length; i++) counts[i] = (counts[i] ?? 0) + (slot.perLabel[i] ?? 0)
      }
      series.push(counts)
    }

    const since = at - windowSeconds * 1000
    const modelFact = facts?.model ? { name: facts.model.name, version: facts.model.version } : undefined
    return {
      at,
      uptimeSeconds: Math.round((at - startedAt) / 1000),
      kafka: facts?.kafka ?? 'unknown',
      ...(facts?.kafkaMessage ? { kafkaMessage: facts.kafkaMessage } : {}),
      ...(facts?.kafkaAttempt === undefined ? {} : { kafkaAttempt: facts.kafkaAttempt }),
      ...(facts?.bridgeResultsProduced === undefined
        ? {}
        : { bridgeResultsProduced: facts.bridgeResultsProduced }),
      idleSeconds: lastRecordAt === null ? null : Math.max(0, Math.round((at - lastRecordAt) / 1000)),
      ...(modelFact || model ? { model: modelFact ?? model } : {}),
      ...(facts?.topics ? { topics: facts.topics } : {}),
      totals: { records, labelled, correct },
      throughput,
      throughputSeries,
      classifyLatencyMs: classifyMs.percentiles(since),
      endToEndLatencyMs: endToEndMs.percentiles(since),
      consumerLag: facts?.consumerLag ?? null,
      dlqCount: facts?.dlqCount ?? null,
      accuracy: {
        window: windowLabelled === 0 ? null : windowCorrect / windowLabelled,
        overall: labelled === 0 ? null : correct / labelled,
      },
      categories: { labels: [...labels], bucketSeconds, series, totals: [...totalsPerLabel] },
    }
  }

  function classifyLatency(milliseconds: number): void {
    if (Number.isFinite(milliseconds)) classifyMs.push(now(), milliseconds)
  }

  return { record, classifyLatency, snapshot }
}
