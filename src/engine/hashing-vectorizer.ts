/**
 * Text → one sparse tf-idf row without a vocabulary: scikit-learn's
 * `HashingVectorizer(alternate_sign=False, norm=None)` followed by TfidfTransformer.transform.
 *
 * A term's column is `abs(murmurhash3_32(utf8(term), seed=0)) % nFeatures`, as in scikit-learn's
 * `_hashing_fast.transform`; every occurrence adds 1 to its column, so different terms that share a
 * column are summed. The terms are CountVectorizer's (same tokens, bigrams joined by one space).
 */
import { analyze, TokenSpans, scanText } from './tokenizer.js'
import { murmurhash3 } from './murmurhash3.js'
import { TfidfRow, type RowParams } from './tfidf-row.js'

/** UTF-8 scratch bytes up to this size are kept between texts. */
const KEPT_BYTES = 1 << 16

/**
 * The column of a term whose hash is `hash` (a signed 32-bit integer). scikit-learn special-cases
 * −2^31, whose `abs` overflows in C, so that the result equals `2^31 % nFeatures`; in JavaScript
 * `Math.abs(-2 ** 31)` is exactly 2^31, so one expression covers it.
 */
export function hashedColumn(hash: number, nFeatures: number): number {
  return Math.abs(hash) % nFeatures
}

export class HashingVectorizer extends TfidfRow {
  readonly nFeatures: number
  private readonly ngramRange: RowParams['ngramRange']
  private readonly spans = new TokenSpans()
  // The text's tokens in UTF-8, each followed by one space: token k is bytes[byteStarts[k],
  // byteEnds[k]) and the bigram of tokens k and k + 1 is bytes[byteStarts[k], byteEnds[k + 1]),
  // so bigrams are hashed in place, without copying.
  private bytes = new Uint8Array(1024)
  private byteStarts = new Int32Array(64)
  private byteEnds = new Int32Array(64)
  /** The last text, kept only to name its columns if an explanation is asked for. */
  private text = ''
  private names: Map<number, string> | undefined

  constructor(nFeatures: number, idf: Float64Array, params: RowParams) {
    super(idf, params)
    this.nFeatures = nFeatures
    this.ngramRange = params.ngramRange
  }

  /** Fills `ids`/`values` for `text`; returns the number of distinct columns. */
  transform(text: string): number {
    const spans = this.spans
    const lowered = scanText(text, spans)
    const tokens = spans.count
    this.text = text
    this.names = undefined
    // Every token has a column: a hashing model knows them all.
    this.tokenCount = tokens
    this.knownTokenCount = tokens
    this.encodeTokens(lowered)
    const bytes = this.bytes
    const byteStarts = this.byteStarts
    const byteEnds = this.byteEnds
    const nFeatures = this.nFeatures
    const hits = this.hitBuffer(2 * tokens)
    let found = 0
    if (this.unigrams) {
      for (let k = 0; k < tokens; k++) {
        hits[found++] = hashedColumn(murmurhash3(bytes, byteStarts[k], byteEnds[k]), nFeatures)
      }
    }
    if (this.bigrams) {
      for (let k = 0; k + 1 < tokens; k++) {
        hits[found++] = hashedColumn(murmurhash3(bytes, byteStarts[k], byteEnds[k + 1]), nFeatures)
      }
    }
    return this.weigh(found)
  }

  /**
   * The terms of the last text that fall in column `id`, joined by " | " when several do (bigrams
   * hold one space, so the two cannot be confused), else `#id`. Terms of the training texts that
   * share the column are not known: the model keeps no vocabulary.
   */
  termName(id: number): string {
    this.names ??= hashedTermNames(this.text, this.ngramRange, this.nFeatures)
    return this.names.get(id) ?? `#${id}`
  }

  /** UTF-8 of the spans' tokens into `bytes`, each followed by a space (see the field comment). */
  private encodeTokens(lowered: string): void {
    const spans = this.spans
    const tokens = spans.count
    const starts = spans.starts
    const ends = spans.ends
    // Three bytes at most per UTF-16 unit (a surrogate pair, two units, is four bytes), plus spaces.
    const needed = 3 * lowered.length + tokens
    if (needed > this.bytes.length || (this.bytes.length > KEPT_BYTES && needed <= KEPT_BYTES)) {
      this.bytes = new Uint8Array(Math.max(1024, needed))
    }
    // The token offsets follow the spans' own buffers, which grow and shrink with the texts.
    if (this.byteStarts.length !== starts.length) {
      this.byteStarts = new Int32Array(starts.length)
      this.byteEnds = new Int32Array(starts.length)
    }
    const bytes = this.bytes
    const byteStarts = this.byteStarts
    const byteEnds = this.byteEnds
    let n = 0
    for (let k = 0; k < tokens; k++) {
      byteStarts[k] = n
      const end = ends[k]
      for (let i = starts[k]; i < end; i++) {
        const unit = lowered.charCodeAt(i)
        // ASCII, nearly every unit of a tweet, is one byte and one predictable branch.
        if (unit < 0x80) {
          bytes[n++] = unit
        } else if (unit < 0x800) {
          bytes[n++] = 0xc0 | (unit >> 6)
          bytes[n++] = 0x80 | (unit & 0x3f)
        } else if (unit >= 0xd800 && unit <= 0xdbff) {
          // Tokens hold only whole surrogate pairs (the tokenizer splits at a lone surrogate).
          const codePoint = ((unit - 0xd800) << 10) + (lowered.charCodeAt(++i) - 0xdc00) + 0x10000
          bytes[n++] = 0xf0 | (codePoint >> 18)
          bytes[n++] = 0x80 | ((codePoint >> 12) & 0x3f)
          bytes[n++] = 0x80 | ((codePoint >> 6) & 0x3f)
          bytes[n++] = 0x80 | (codePoint & 0x3f)
        } else {
          bytes[n++] = 0xe0 | (unit >> 12)
          bytes[n++] = 0x80 | ((unit >> 6) & 0x3f)
          bytes[n++] = 0x80 | (unit & 0x3f)
        }
      }
      byteEnds[k] = n
      bytes[n++] = 0x20
    }
  }
}

/** Column → the terms of `text` hashed there (explanations only: allocates freely). */
export function hashedTermNames(
  text: string,
  ngramRange: RowParams['ngramRange'],
  nFeatures: number,
): Map<number, string> {
  const encoder = new TextEncoder()
  const names = new Map<number, string[]>()
  for (const term of analyze(text, ngramRange)) {
    const bytes = encoder.encode(term)
    const column = hashedColumn(murmurhash3(bytes, 0, bytes.length), nFeatures)
    const terms = names.get(column)
    if (terms === undefined) names.set(column, [term])
    else if (!terms.includes(term)) terms.push(term)
  }
  return new Map([...names].map(([column, terms]) => [column, terms.join(' | ')]))
}
