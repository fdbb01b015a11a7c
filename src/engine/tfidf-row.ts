/**
 * One text's sparse tf-idf row in reusable scratch buffers: the part TfidfTransformer.transform does,
 * shared by the vectorizers. A vectorizer collects the column of every term occurrence in the text
 * (its "hits"); sorted, their runs are the term counts, which become tf-idf values here.
 */
import type { TrainingParams } from './types.js'

export type RowParams = Pick<TrainingParams, 'ngramRange' | 'useIdf' | 'sublinearTf' | 'norm'>

const MIN_CAPACITY = 64
/** Row buffers up to this size are kept between texts; larger ones only while a text needs them. */
const KEPT_CAPACITY = 1 << 14

export abstract class TfidfRow {
  /** Columns present in the last text, ascending (scipy's CSR order, so sums match). */
  ids: Int32Array
  /** Their tf-idf values, normalised as configured. */
  values: Float64Array
  /** How many entries of `ids`/`values` the last `transform` filled. */
  count = 0
  /** Tokens in the last text, and how many of them the model knows (set by each `transform`). */
  tokenCount = 0
  knownTokenCount = 0

  protected readonly unigrams: boolean
  protected readonly bigrams: boolean
  private readonly idf: Float64Array
  private readonly useIdf: boolean
  private readonly sublinearTf: boolean
  private readonly l2: boolean
  // Every column hit of the text, repeats included. Unlike a column-sized count table (1 MB per
  // 20 Newsgroups model, 9 MB with bigrams) it grows with the text, and measured as fast on tweets.
  private hits = new Int32Array(MIN_CAPACITY)

  constructor(idf: Float64Array, params: RowParams) {
    this.idf = idf
    this.unigrams = params.ngramRange[0] === 1
    this.bigrams = params.ngramRange[1] === 2
    this.useIdf = params.useIdf
    this.sublinearTf = params.sublinearTf
    this.l2 = params.norm === 'l2'
    this.ids = new Int32Array(MIN_CAPACITY)
    this.values = new Float64Array(MIN_CAPACITY)
  }

  /** Fills `ids`/`values` for `text`; returns the number of distinct columns. */
  abstract transform(text: string): number

  /** The name of column `id` of the last text, for explanations. */
  abstract termName(id: number): string

  /**
   * The hits buffer, with room for `needed` hits. Buffers grown for a huge text are given back at
   * the next ordinary one.
   */
  protected hitBuffer(needed: number): Int32Array {
    const capacity = this.hits.length
    if (needed > capacity || (capacity > KEPT_CAPACITY && needed <= KEPT_CAPACITY)) {
      let size = MIN_CAPACITY
      while (size < needed) size *= 2
      this.hits = new Int32Array(size)
      this.ids = new Int32Array(size)
      this.values = new Float64Array(size)
    }
    return this.hits
  }

  /** Turns the first `found` hits into distinct ids and their tf-idf values; returns how many. */
  protected weigh(found: number): number {
    const hits = this.hits
    sortIds(hits, found)
    const ids = this.ids
    const values = this.values
    const idf = this.idf
    const sublinearTf = this.sublinearTf
    const useIdf = this.useIdf
    let n = 0
    let squares = 0
    for (let k = 0; k < found;) {
      const term = hits[k]
      let run = k + 1
      while (run < found && hits[run] === term) run++
      let value = run - k
      k = run
      if (sublinearTf) value = Math.log(value) + 1
      if (useIdf) value *= idf[term]
      ids[n] = term
      values[n++] = value
      squares += value * value
    }
    if (this.l2 && squares !== 0) {
      const norm = Math.sqrt(squares)
      for (let k = 0; k < n; k++) values[k] = values[k] / norm
    }
    this.count = n
    return n
  }
}

/** Ascending, in place. Short runs (tweets) are the common case: insertion sort beats TypedArray#sort there. */
function sortIds(ids: Int32Array, n: number): void {
  if (n > 32) {
    ids.subarray(0, n).sort()
    return
  }
  for (let i = 1; i < n; i++) {
    const id = ids[i]
    let j = i - 1
    while (j >= 0 && ids[j] > id) {
      ids[j + 1] = ids[j]
      j--
    }
    ids[j + 1] = id
  }
}
