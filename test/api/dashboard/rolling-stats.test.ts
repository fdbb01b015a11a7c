import { describe, expect, it } from 'vitest'
import { createRollingStats } from '../../../src/api/dashboard/rolling-stats.js'
import type { FeedRecord, PipelineFacts } from '../../../src/api/dashboard/types.js'

function clock(start: number): { now: () => number; advance: (ms: number) => void } {
  let at = start
  return { now: () => at, advance: (ms) => (at += ms) }
}

const T0 = 1_700_000_000_000

function record(label: string, extra: Partial<FeedRecord> = {}): FeedRecord {
  return { text: `about ${label}`, label, confidence: 0.9, classifiedAt: T0, ...extra }
}

describe('createRollingStats', () => {
  it('counts records per category into time buckets, in the model’s class order', () => {
    const time = clock(T0)
    const facts: PipelineFacts = {
      kafka: 'up',
      consumerLag: 3,
      dlqCount: 1,
      model: { name: '20news', version: 'abc', classes: ['sci.med', 'sci.space'] },
    }
    const stats = createRollingStats({
      now: time.now,
      bucketSeconds: 5,
      historySeconds: 60,
      facts: { facts: () => facts },
    })
    stats.record(record('sci.space'))
    stats.record(record('sci.space'))
    time.advance(6000)
    stats.record(record('sci.med'))
    time.advance(1000)

    const snapshot = stats.snapshot()
    expect(snapshot.categories.labels).toEqual(['sci.med', 'sci.space'])
    expect(snapshot.categories.totals).toEqual([1, 2])
    const nonEmpty = snapshot.categories.series.filter((bucket) => bucket.some((n) => n > 0))
    expect(nonEmpty).toEqual([
      [0, 2],
      [1, 0],
    ])
    expect(snapshot.categories.series.length).toBe(12)
    expect(snapshot.totals.records).toBe(3)
    expect(snapshot.consumerLag).toBe(3)
    expect(snapshot.dlqCount).toBe(1)
    expect(snapshot.model).toEqual({ name: '20news', version: 'abc' })
    expect(snapshot.kafka).toBe('up')
    expect(snapshot.idleSeconds).toBe(1)
  })

  it('computes accuracy from records with known labels only', () => {
    const time = clock(T0)
    const stats = createRollingStats({ now: time.now })
    stats.record(record('a', { trueLabel: 'a' }))
    stats.record(record('a', { trueLabel: 'b' }))
    stats.record(record('b', { trueLabel: 'b' }))
    stats.record(record('b'))
    time.advance(1000)
    const snapshot = stats.snapshot()
    expect(snapshot.totals).toEqual({ records: 4, labelled: 3, correct: 2 })
    expect(snapshot.accuracy.overall).toBeCloseTo(2 / 3)
    expect(snapshot.accuracy.window).toBeCloseTo(2 / 3)
    time.advance(120_000)
    expect(stats.snapshot().accuracy.window).toBeNull()
    expect(stats.snapshot().accuracy.overall).toBeCloseTo(2 / 3)
  })

  it('leaves known labels the model cannot predict out of the accuracy', () => {
    const facts: PipelineFacts = {
      kafka: 'up',
      consumerLag: null,
      dlqCount: null,
      model: { name: 'm', version: '1', classes: ['a', 'b'] },
    }
    const stats = createRollingStats({ facts: { facts: () => facts } })
    stats.record(record('a', { trueLabel: 'a' }))
    stats.record(record('a', { trueLabel: 'apple' }))
    const snapshot = stats.snapshot()
    expect(snapshot.totals).toEqual({ records: 2, labelled: 1, correct: 1 })
    expect(snapshot.accuracy.overall).toBe(1)
  })

  it('reports nearest-rank p50/p99 of end-to-end and classification latencies in the window', () => {
    const time = clock(T0)
    const stats = createRollingStats({ now: time.now, windowSeconds: 60 })
    for (let i = 1; i <= 100; i++) {
      stats.record(record('a', { producedAt: T0 - i, classifiedAt: T0 }))
      stats.classifyLatency(i / 100)
    }
    const snapshot = stats.snapshot()
    expect(snapshot.endToEndLatencyMs).toEqual({ p50: 50, p99: 99, count: 100 })
    expect(snapshot.classifyLatencyMs?.p50).toBeCloseTo(0.5)
    expect(snapshot.classifyLatencyMs?.p99).toBeCloseTo(0.99)
    time.advance(61_000)
    expect(stats.snapshot().endToEndLatencyMs).toBeNull()
  })

  it('keeps a fixed number of latency samples however many records arrive', () => {
    const time = clock(T0)
    const stats = createRollingStats({ now: time.now, maxSamples: 10 })
    for (let i = 0; i < 1000; i++) stats.record(record('a', { producedAt: T0 - i }))
    // Only the newest ten samples (990..999 ms) remain. Nearest rank: p50 is the ceil(0.5 × 10) = 5th
    // smallest, p99 the ceil(0.99 × 10) = 10th.
    expect(stats.snapshot().endToEndLatencyMs).toEqual({ p50: 994, p99: 999, count: 10 })
  })

  it('derives throughput from whole seconds and says when the stream is idle', () => {
    const time = clock(T0)
    const stats = createRollingStats({ now: time.now })
    expect(stats.snapshot().idleSeconds).toBeNull()
    expect(stats.snapshot().kafka).toBe('unknown')
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < 10; i++) stats.record(record('a'))
      time.advance(1000)
    }
    const snapshot = stats.snapshot()
    expect(snapshot.throughput).toBe(10)
    expect(snapshot.throughputSeries.slice(-5)).toEqual([10, 10, 10, 10, 10])
    time.advance(30_000)
    expect(stats.snapshot().throughput).toBe(0)
    expect(stats.snapshot().idleSeconds).toBe(31)
  })
})
