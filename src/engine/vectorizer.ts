/**
 * Text → one sparse tf-idf row with a fixed vocabulary (CountVectorizer.transform followed by
 * TfidfTransformer.transform), into reusable scratch buffers: this is the per-request hot path.
 */
import type { TrainingParams } from './types.js'
import { FNV_PRIME, type TermIndex } from './term-index.js'
import { TokenSpans, scanText } from './tokenizer.js'

type VectorizerParams = Pick<TrainingParams, 'ngramRange' | 'useIdf' | 'sublinearTf' | 'norm'>

export class SparseVectorizer {
  /** Term ids present in the last text, ascending (scipy's CSR order, so sums match). */
  ids: Int32Array
  /** Their tf-idf values, normalised as configured. */
  values: Float64Array
  /** How many entries of `ids`/`values` the last `transform` filled. */
  count = 0

  private readonly index: TermIndex
  private readonly idf: Float64Array
  private readonly bigrams: boolean
  private readonly unigrams: boolean
  private readonly useIdf: boolean
  private readonly sublinearTf: boolean
  private readonly l2: boolean
  private readonly spans = new TokenSpans()
  // `[stamp, count]` per term, side by side (one cache line per term). A count is valid only when
  // its stamp equals the current generation, so nothing V-sized is cleared between texts.
  private readonly tally: Int32Array
  private generation = 0

  constructor(index: TermIndex, idf: Float64Array, params: VectorizerParams) {
    this.index = index
    this.idf = idf
    this.unigrams = params.ngramRange[0] === 1
    this.bigrams = params.ngramRange[1] === 2
    this.useIdf = params.useIdf
    this.sublinearTf = params.sublinearTf
    this.l2 = params.norm === 'l2'
    this.tally = new Int32Array(index.size * 2)
    this.ids = new Int32Array(64)
    this.values = new Float64Array(64)
  }

  /** Fills `ids`/`values` for `text`; returns the number of distinct vocabulary terms. */
  transform(text: string): number {
    if (this.generation === 0x7fffffff) {
      this.tally.fill(0)
      this.generation = 0
    }
    const generation = ++this.generation
    this.count = 0
    const spans = this.spans
    const lowered = scanText(text, spans)
    const tokens = spans.count
    const starts = spans.starts
    const ends = spans.ends
    const hashes = spans.hashes
    const index = this.index
    if (this.unigrams) {
      for (let k = 0; k < tokens; k++) {
        const term = index.lookupSpan(lowered, starts[k] as number, ends[k] as number, hashes[k] as number)
        if (term >= 0) this.add(term, generation)
      }
    }
    if (this.bigrams) {
      // A bigram's hash continues the first token's hash over " " and the second token's units.
      for (let k = 0; k + 1 < tokens; k++) {
        const b0 = starts[k + 1] as number
        const b1 = ends[k + 1] as number
        let hash = Math.imul((hashes[k] as number) ^ 0x20, FNV_PRIME)
        for (let i = b0; i < b1; i++) hash = Math.imul(hash ^ lowered.charCodeAt(i), FNV_PRIME)
        const term = index.lookupPair(lowered, starts[k] as number, ends[k] as number, b0, b1, hash)
        if (term >= 0) this.add(term, generation)
      }
    }
    this.weigh()
    return this.count
  }

  /** Raw term count of id `term` in the last text (0 when absent). */
  termFrequency(term: number): number {
    return this.tally[2 * term] === this.generation ? (this.tally[2 * term + 1] as number) : 0
  }

  private add(term: number, generation: number): void {
    const tally = this.tally
    if (tally[2 * term] === generation) {
      tally[2 * term + 1]++
      return
    }
    tally[2 * term] = generation
    tally[2 * term + 1] = 1
    if (this.count === this.ids.length) this.growRow()
    this.ids[this.count++] = term
  }

  private weigh(): void {
    const n = this.count
    const ids = this.ids
    if (n > 1) {
      // Short rows (tweets) are the common case: insertion sort beats TypedArray#sort there.
      if (n <= 32) {
        for (let i = 1; i < n; i++) {
          const id = ids[i] as number
          let j = i - 1
          while (j >= 0 && (ids[j] as number) > id) {
            ids[j + 1] = ids[j] as number
            j--
          }
          ids[j + 1] = id
        }
      } else ids.subarray(0, n).sort()
    }
    const values = this.values
    let squares = 0
    for (let k = 0; k < n; k++) {
      const term = ids[k] as number
      let value = this.tally[2 * term + 1] as number
      if (this.sublinearTf) value = Math.log(value) + 1
      if (this.useIdf) value *= this.idf[term] as number
      values[k] = value
      squares += value * value
    }
    if (this.l2 && squares !== 0) {
      const norm = Math.sqrt(squares)
      for (let k = 0; k < n; k++) values[k] = (values[k] as number) / norm
    }
  }

  private growRow(): void {
    const ids = new Int32Array(this.ids.length * 2)
    const values = new Float64Array(this.ids.length * 2)
    ids.set(this.ids)
    this.ids = ids
    this.values = values
  }
}
