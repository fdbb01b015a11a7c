/**
 * A steady pacer: record n is due at start + n / rate. A stall (slow source, Kafka hiccup) is not
 * made up for with a burst afterwards, because the schedule restarts from "now" when behind.
 */
export interface Pacer {
  /** Reserves the next slot and returns how many milliseconds to wait for it (0 when due). */
  reserve(): number
}

export function createPacer(
  ratePerSecond: number | undefined,
  now: () => number = () => performance.now(),
): Pacer {
  if (ratePerSecond === undefined || ratePerSecond <= 0 || !Number.isFinite(ratePerSecond)) {
    return { reserve: () => 0 }
  }
  const interval = 1000 / ratePerSecond
  let next = Number.NEGATIVE_INFINITY
  return {
    reserve() {
      const current = now()
      const due = Math.max(next, current)
      next = due + interval
      return due - current
    },
  }
}
