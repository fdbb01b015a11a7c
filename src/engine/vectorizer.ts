/**
 * Text → one sparse tf-idf row with a fixed vocabulary (CountVectorizer.transform followed by
 * TfidfTransformer.transform), into reusable scratch buffers: this is the per-request hot path.
 */
import { FNV_PRIME, type TermIndex } from './term-index.js'
import { TfidfRow, type RowParams } from './tfidf-row.js'
import { TokenSpans, scanText } from './tokenizer.js'

export class SparseVectorizer extends TfidfRow {
  private readonly index: TermIndex
  private readonly spans = new TokenSpans()

  constructor(index: TermIndex, idf: Float64Array, params: RowParams) {
    super(idf, params)
    this.index = index
  }

  /** Fills `ids`/`values` for `text`; returns the number of distinct vocabulary terms. */
  transform(text: string): number {
    const spans = this.spans
    const lowered = scanText(text, spans)
    const tokens = spans.count
    const starts = spans.starts
    const ends = spans.ends
    const hashes = spans.hashes
    const index = this.index
    // At most one hit per unigram and per bigram.
    const hits = this.hitBuffer(2 * tokens)
    let found = 0
    if (this.unigrams) {
      for (let k = 0; k < tokens; k++) {
        const term = index.lookupSpan(lowered, starts[k], ends[k], hashes[k])
        if (term >= 0) hits[found++] = term
      }
    }
    this.tokenCount = tokens
    // Without unigrams in the vocabulary, coverage is not measured: every token counts as known.
    this.knownTokenCount = this.unigrams ? found : tokens
    if (this.bigrams) {
      // A bigram's hash continues the first token's hash over " " and the second token's units.
      for (let k = 0; k + 1 < tokens; k++) {
        const b0 = starts[k + 1]
        const b1 = ends[k + 1]
        let hash = Math.imul(hashes[k] ^ 0x20, FNV_PRIME)
        for (let i = b0; i < b1; i++) hash = Math.imul(hash ^ lowered.charCodeAt(i), FNV_PRIME)
        const term = index.lookupPair(lowered, starts[k], ends[k], b0, b1, hash)
        if (term >= 0) hits[found++] = term
      }
    }
    return this.weigh(found)
  }

  termName(id: number): string {
    return this.index.term(id)
  }
}
