/**
 * Vocabulary lookup straight from a span of the text, without cutting a substring per token.
 *
 * An open-addressing table (linear probing, load ≤ 0.5) keyed by 32-bit FNV-1a over UTF-16 units
 * (computed by the tokenizer while it scans). Each slot is one 16-byte record
 * `[hash, term id, offset, length]`, so a probe touches one cache line, and a hit is verified against
 * the term's units in one shared `Uint16Array`. Measured with benchmarks/engine-micro.mjs on the
 * 20-class model and the Sanders tweets, scan + lookup + tf-idf row with this table does 1.2–1.7×
 * the tweets/s of scan + lookup alone with `Map.get(text.slice(start, end))`, which allocates a
 * string per token and hashes it again; one record per slot beat separate slot/hash arrays by ~1.8×
 * (one cache miss).
 */

export const FNV_OFFSET = 0x811c9dc5
export const FNV_PRIME = 0x01000193

const RECORD = 4
const EMPTY = -1

/** The arrays a `TermIndex` is made of; model files store them as they are. */
export interface TermIndexParts {
  /** The units of every term, back to back; term `t` is `units[offsets[t] .. offsets[t + 1])`. */
  readonly units: Uint16Array
  readonly offsets: Int32Array
  /** `[hash, term, offset, length]` per slot; term −1 marks an empty slot. Power-of-two slots. */
  readonly records: Int32Array
}

export class TermIndex {
  readonly size: number
  private readonly units: Uint16Array
  private readonly offsets: Int32Array
  private readonly records: Int32Array
  private readonly mask: number

  private constructor(parts: TermIndexParts) {
    this.size = parts.offsets.length - 1
    this.units = parts.units
    this.offsets = parts.offsets
    this.records = parts.records
    this.mask = parts.records.length / RECORD - 1
  }

  /** Builds the table for a vocabulary (at training time). */
  static build(terms: readonly string[]): TermIndex {
    const size = terms.length
    let total = 0
    for (let t = 0; t < size; t++) total += terms[t].length
    let capacity = 16
    while (capacity < size * 2) capacity *= 2
    const mask = capacity - 1
    const units = new Uint16Array(total)
    const offsets = new Int32Array(size + 1)
    const records = new Int32Array(capacity * RECORD)
    for (let slot = 0; slot < capacity; slot++) records[slot * RECORD + 1] = EMPTY
    let offset = 0
    for (let t = 0; t < size; t++) {
      const term = terms[t]
      offsets[t] = offset
      let hash = FNV_OFFSET
      for (let i = 0; i < term.length; i++) {
        const unit = term.charCodeAt(i)
        units[offset + i] = unit
        hash = Math.imul(hash ^ unit, FNV_PRIME)
      }
      let slot = hash & mask
      while (records[slot * RECORD + 1] !== EMPTY) slot = (slot + 1) & mask
      const at = slot * RECORD
      records[at] = hash
      records[at + 1] = t
      records[at + 2] = offset
      records[at + 3] = term.length
      offset += term.length
    }
    offsets[size] = offset
    return new TermIndex({ units, offsets, records })
  }

  /**
   * Adopts stored arrays (from a model file) after checking they are consistent, so a damaged or
   * hostile file cannot cause out-of-range reads or an endless probe. Returns why not, or the index.
   */
  static fromParts(parts: TermIndexParts): TermIndex | string {
    const { units, offsets, records } = parts
    const size = offsets.length - 1
    const capacity = records.length / RECORD
    if (size < 0 || offsets[0] !== 0 || offsets[size] !== units.length)
      return 'term offsets do not cover the terms'
    for (let t = 0; t < size; t++) {
      if (offsets[t + 1] <= offsets[t]) return `term ${t} is empty or out of order`
    }
    if (!Number.isInteger(capacity) || capacity < size * 2 || (capacity & (capacity - 1)) !== 0) {
      return 'the term table has the wrong size'
    }
    let filled = 0
    for (let at = 0; at < records.length; at += RECORD) {
      const term = records[at + 1]
      if (term === EMPTY) continue
      if (
        term < 0 ||
        term >= size ||
        records[at + 2] !== offsets[term] ||
        records[at + 3] !== offsets[term + 1] - offsets[term]
      ) {
        return 'the term table does not match the terms'
      }
      filled++
    }
    if (filled !== size) return 'the term table does not hold every term once'
    return new TermIndex(parts)
  }

  get parts(): TermIndexParts {
    return { units: this.units, offsets: this.offsets, records: this.records }
  }

  /** Term `id` as a string. */
  term(id: number): string {
    return String.fromCharCode(...this.units.subarray(this.offsets[id], this.offsets[id + 1]))
  }

  /** All terms, in id order (decoded in one pass). */
  terms(): string[] {
    const text = new TextDecoder('utf-16le').decode(this.units)
    const terms = new Array<string>(this.size)
    for (let t = 0; t < this.size; t++) terms[t] = text.slice(this.offsets[t], this.offsets[t + 1])
    return terms
  }

  /** The id of `text[start, end)` whose FNV-1a hash is `hash`, or -1. */
  lookupSpan(text: string, start: number, end: number, hash: number): number {
    const records = this.records
    const units = this.units
    const length = end - start
    let slot = hash & this.mask
    for (;;) {
      const at = slot * RECORD
      const term = records[at + 1]
      if (term === EMPTY) return -1
      if (records[at] === hash && records[at + 3] === length) {
        const offset = records[at + 2]
        let i = 0
        while (i < length && units[offset + i] === text.charCodeAt(start + i)) i++
        if (i === length) return term
      }
      slot = (slot + 1) & this.mask
    }
  }

  /** The id of the bigram `text[a0, a1) + ' ' + text[b0, b1)` with hash `hash`, or -1. */
  lookupPair(text: string, a0: number, a1: number, b0: number, b1: number, hash: number): number {
    const records = this.records
    const units = this.units
    const first = a1 - a0
    const second = b1 - b0
    let slot = hash & this.mask
    for (;;) {
      const at = slot * RECORD
      const term = records[at + 1]
      if (term === EMPTY) return -1
      if (records[at] === hash && records[at + 3] === first + 1 + second) {
        const offset = records[at + 2]
        if (units[offset + first] === 0x20) {
          let i = 0
          while (i < first && units[offset + i] === text.charCodeAt(a0 + i)) i++
          let j = 0
          const rest = offset + first + 1
          if (i === first) while (j < second && units[rest + j] === text.charCodeAt(b0 + j)) j++
          if (i === first && j === second) return term
        }
      }
      slot = (slot + 1) & this.mask
    }
  }
}
