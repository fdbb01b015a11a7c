/**
 * Accuracy over the last N outcomes: a ring of booleans and a running count, O(1) per outcome.
 */
export class RollingAccuracy {
  readonly #hits: Uint8Array
  #next = 0
  #size = 0
  #correct = 0

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
    }
    this.#hits = new Uint8Array(capacity)
  }

  record(correct: boolean): void {
    if (this.#size === this.capacity) this.#correct -= this.#hits[this.#next]
    else this.#size++
    const hit = correct ? 1 : 0
    this.#hits[this.#next] = hit
    this.#correct += hit
    this.#next = (this.#next + 1) % this.capacity
  }

  /** Outcomes in the window (at most `capacity`). */
  get items(): number {
    return this.#size
  }

  /** Share correct, or null before the first outcome. */
  get accuracy(): number | null {
    return this.#size === 0 ? null : this.#correct / this.#size
  }

  reset(): void {
    this.#next = 0
    this.#size = 0
    this.#correct = 0
  }
}
