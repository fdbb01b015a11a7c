/**
 * What this process did with the feedback it was sent: items accepted per label, items refused per
 * error code. Labels come from senders, so the number counted one by one is capped: once the cap is
 * reached, items with further labels only add to `otherLabels`, and a flood of made-up labels
 * cannot grow memory without bound. Error codes form a fixed set.
 */
import type { ErrorCode } from '../errors.js'

export interface FeedbackStatsSnapshot {
  readonly accepted: number
  readonly refused: number
  /** Accepted items per label (numeric labels as their decimal string). */
  readonly labels: Readonly<Record<string, number>>
  /** Accepted items whose label came after the cap on distinct labels was reached. */
  readonly otherLabels: number
  readonly refusedByCode: Readonly<Partial<Record<ErrorCode, number>>>
}

export interface FeedbackStats {
  recordAccepted(labels: Iterable<string | number>): void
  recordRefused(code: ErrorCode, items?: number): void
  snapshot(): FeedbackStatsSnapshot
}

export interface FeedbackStatsOptions {
  /** Distinct labels counted one by one (default DEFAULT_MAX_TRACKED_LABELS). */
  readonly maxLabels?: number
}

export const DEFAULT_MAX_TRACKED_LABELS = 1000

export function createFeedbackStats(options: FeedbackStatsOptions = {}): FeedbackStats {
  const maxLabels = options.maxLabels ?? DEFAULT_MAX_TRACKED_LABELS
  // Maps, not objects: a label such as "__proto__" or "constructor" is just a key.
  const labels = new Map<string, number>()
  const refusedByCode = new Map<ErrorCode, number>()
  let accepted = 0
  let refused = 0
  let otherLabels = 0
  return {
    recordAccepted(items) {
      for (const label of items) {
        const name = String(label)
        accepted++
        const count = labels.get(name)
        if (count !== undefined) labels.set(name, count + 1)
        else if (labels.size < maxLabels) labels.set(name, 1)
        else otherLabels++
      }
    },
    recordRefused(code, items = 1) {
      refused += items
      refusedByCode.set(code, (refusedByCode.get(code) ?? 0) + items)
    },
    snapshot() {
      return {
        accepted,
        refused,
        labels: Object.fromEntries(labels),
        otherLabels,
        refusedByCode: Object.fromEntries(refusedByCode),
      }
    },
  }
}
