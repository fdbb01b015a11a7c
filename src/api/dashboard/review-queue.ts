/**
 * The review queue: among the last records seen, those the model was least sure of (uncertainty
 * sampling), so that people label first the texts a label teaches the most. Abstentions come
 * first, then the lowest top-class confidence; among equals, the newest.
 */

export interface Reviewable {
  /** The top class's probability. */
  readonly confidence: number
  /** The model gave no label (its confidence was under --min-confidence). */
  readonly abstained?: boolean
}

export interface ReviewQueue<T extends Reviewable> {
  add(record: T): void
  /** The `count` least sure records of the window, least sure first. */
  select(count: number): T[]
  /** Records added so far: tells a caller whether selecting again can give anything new. */
  readonly added: number
}

/** `window`: how many of the latest records the queue chooses from. */
export function createReviewQueue<T extends Reviewable>(window: number): ReviewQueue<T> {
  if (!Number.isInteger(window) || window < 1) throw new RangeError('window must be a positive integer')
  // A ring: the slot of record n is n % window, so the order of arrival is kept without shifting.
  const ring: T[] = []
  let added = 0
  return {
    add(record) {
      ring[added % window] = record
      added++
    },
    select(count) {
      if (count <= 0 || ring.length === 0) return []
      const oldest = added - ring.length
      const order = Array.from({ length: ring.length }, (_, i) => oldest + i)
      order.sort((a, b) => compare(ring[a % window] as T, ring[b % window] as T) || b - a)
      return order.slice(0, count).map((n) => ring[n % window] as T)
    },
    get added() {
      return added
    },
  }
}

/** Less sure first: an abstention before any label, then the lower confidence. */
export function compare(a: Reviewable, b: Reviewable): number {
  const abstained = Number(b.abstained === true) - Number(a.abstained === true)
  return abstained !== 0 ? abstained : a.confidence - b.confidence
}
