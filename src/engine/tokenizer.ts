/**
 * scikit-learn's CountVectorizer default analyzer: `doc.lower()`, then every match of
 * `(?u)\b\w\w+\b`, i.e. each maximal run of two or more code points that Python's `re` calls `\w`.
 *
 * JavaScript's `\w` and `\b` are ASCII-only, and Node's ICU ships a newer Unicode than the Python
 * scikit-learn runs on, so word characters come from a table generated from Python itself
 * (`unicode-word-ranges.ts`) and the text is scanned code unit by code unit, without a regex.
 */
import { FNV_OFFSET, FNV_PRIME } from './term-index.js'
import { CASED_RANGES, CASE_IGNORABLE_RANGES } from './unicode-case-ranges.js'
import { WORD_RANGES } from './unicode-word-ranges.js'

/**
 * Letters whose lowercase in Node's ICU (Unicode 17 in Node 20.20) differs from Python 3.11's
 * (Unicode 14) AND is a Python word character. Python leaves them as they are (unassigned in
 * Unicode 14, so not `\w`: they split tokens); ICU maps U+A7CB → U+0264, U+A7D2 → U+A7D3,
 * U+A7D4 → U+A7D5 and U+A7DC → U+019B, which would glue tokens together. Every other ICU-only
 * lowercasing yields a character Python does not count as `\w` either, so it splits tokens the same
 * way. test/engine/lowercase.test.ts checks all code points and fails if a Node upgrade adds some.
 * The capital sigma is handled apart (see `isFinalSigma`).
 */
const ICU_ONLY_LOWER = /[\uA7CB\uA7D2\uA7D4\uA7DC]/
const ICU_ONLY_LOWER_SPLIT = /([\uA7CB\uA7D2\uA7D4\uA7DC])/
/** A text `toLowerCase()` may lowercase unlike Python: with one of those letters or a capital sigma. */
const NOT_LIKE_PYTHON = /[\u03A3\uA7CB\uA7D2\uA7D4\uA7DC]/
/** What ICU lowercases those letters to, and σ and ς, which a capital sigma becomes. */
const SUSPECT_LOWERED = [0x0264, 0xa7d3, 0xa7d5, 0x019b, 0x03c3, 0x03c2]

/** Kinds of BMP code units; 0 is a unit that is not a word character. */
const WORD = 1
/**
 * A word character ICU's lowercasing may have produced unlike Python: from a letter Python does not
 * know, or σ or ς from a capital sigma.
 */
const SUSPECT_WORD = 2
/** The first half of a surrogate pair: whether it starts a word depends on the code point. */
const HIGH_SURROGATE = 3

/** The kind of every BMP code unit: 0, `WORD`, `SUSPECT_WORD` or `HIGH_SURROGATE`. */
export const BMP_WORD: Uint8Array = buildBmpTable()

function buildBmpTable(): Uint8Array {
  const table = new Uint8Array(0x10000)
  for (let i = 0; i < WORD_RANGES.length; i += 2) {
    const first = WORD_RANGES[i]
    if (first > 0xffff) break
    const last = Math.min(WORD_RANGES[i + 1], 0xffff)
    table.fill(WORD, first, last + 1)
  }
  for (const unit of SUSPECT_LOWERED) if (table[unit] === WORD) table[unit] = SUSPECT_WORD
  table.fill(HIGH_SURROGATE, 0xd800, 0xdc00)
  return table
}

const ASTRAL_START = firstAstralRange()

function firstAstralRange(): number {
  let i = 0
  while (i < WORD_RANGES.length && WORD_RANGES[i + 1] <= 0xffff) i += 2
  return i
}

/** Whether `text[i]` and `text[i + 1]` are a surrogate pair encoding a Python word character. */
function startsAstralWord(text: string, i: number): boolean {
  const high = text.charCodeAt(i)
  const low = text.charCodeAt(i + 1)
  return (
    high >= 0xd800 &&
    high <= 0xdbff &&
    low >= 0xdc00 &&
    low <= 0xdfff &&
    isAstralWord(((high - 0xd800) << 10) + (low - 0xdc00) + 0x10000)
  )
}

/** Whether a supplementary-plane code point is a Python word character (binary search). */
export function isAstralWord(codePoint: number): boolean {
  let lo = ASTRAL_START >> 1
  let hi = (WORD_RANGES.length >> 1) - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (codePoint < WORD_RANGES[2 * mid]) hi = mid - 1
    else if (codePoint > WORD_RANGES[2 * mid + 1]) lo = mid + 1
    else return true
  }
  return false
}

const CAPITAL_SIGMA = '\u03a3'

/**
 * Python's `str.lower()` wherever it matters for tokens: the four letters of ICU_ONLY_LOWER and the
 * capital sigma follow Python. Other characters that ICU lowercases and Python does not (letters
 * new since Python's Unicode) are not word characters either way, so they split tokens alike.
 */
export function lowerLikePython(text: string): string {
  let sigma = text.indexOf(CAPITAL_SIGMA)
  if (sigma < 0) return lowerWithoutSigma(text)
  // Only Σ lowercases by context, so the pieces between sigmas are lowercased on their own.
  let lowered = ''
  let from = 0
  while (sigma >= 0) {
    lowered += lowerWithoutSigma(text.slice(from, sigma)) + (isFinalSigma(text, sigma) ? '\u03c2' : '\u03c3')
    from = sigma + 1
    sigma = text.indexOf(CAPITAL_SIGMA, from)
  }
  return lowered + lowerWithoutSigma(text.slice(from))
}

/** `lowerLikePython` for a text without a capital sigma. */
function lowerWithoutSigma(text: string): string {
  if (!ICU_ONLY_LOWER.test(text)) return text.toLowerCase()
  // The odd letters are kept as they are, as Python does; lowercasing the pieces separately is
  // exact because no piece holds a character whose lowercase depends on its neighbours.
  return text
    .split(ICU_ONLY_LOWER_SPLIT)
    .map((piece) => (ICU_ONLY_LOWER.test(piece) ? piece : piece.toLowerCase()))
    .join('')
}

/**
 * Whether the capital sigma at `text[index]` lowercases to a final sigma (ς) in Python, as CPython's
 * `handle_capital_sigma` decides: skipping case-ignorable characters, the previous character is
 * cased and the next one, if any, is not. Cased and case-ignorable are Python's own properties
 * (unicode-case-ranges.ts); ICU's newer ones differ on letters added since and on a few others
 * (U+0295 ʕ is cased in Python, U+1171E is case-ignorable there).
 */
function isFinalSigma(text: string, index: number): boolean {
  let i = index
  let before = CASE_OTHER
  while (i > 0) {
    i -= 1
    let codePoint = text.charCodeAt(i)
    if (codePoint >= 0xdc00 && codePoint <= 0xdfff && i > 0) {
      const high = text.charCodeAt(i - 1)
      if (high >= 0xd800 && high <= 0xdbff) {
        codePoint = ((high - 0xd800) << 10) + (codePoint - 0xdc00) + 0x10000
        i--
      }
    }
    before = caseKind(codePoint)
    if (before !== CASE_IGNORABLE) break
  }
  if (before !== CASED) return false
  for (let j = index + 1; j < text.length; j++) {
    const codePoint = text.codePointAt(j) as number
    if (codePoint > 0xffff) j++
    const after = caseKind(codePoint)
    if (after !== CASE_IGNORABLE) return after !== CASED
  }
  return true
}

/** Kinds of code points for the final sigma: neither cased nor case-ignorable, … */
const CASE_OTHER = 0
/** … cased (and not case-ignorable), … */
const CASED = 1
/** … case-ignorable (whether cased or not: the rule skips them). */
const CASE_IGNORABLE = 2

function caseKind(codePoint: number): number {
  if (inRanges(CASE_IGNORABLE_RANGES, codePoint)) return CASE_IGNORABLE
  return inRanges(CASED_RANGES, codePoint) ? CASED : CASE_OTHER
}

/** Whether `codePoint` lies in one of the flattened inclusive `[first, last]` pairs (binary search). */
function inRanges(ranges: readonly number[], codePoint: number): boolean {
  let lo = 0
  let hi = (ranges.length >> 1) - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (codePoint < ranges[2 * mid]) hi = mid - 1
    else if (codePoint > ranges[2 * mid + 1]) lo = mid + 1
    else return true
  }
  return false
}

/** Span buffers up to this many tokens are kept between texts; larger ones only while a text needs them. */
const KEPT_TOKENS = 1 << 14

/**
 * Token boundaries in an already lowercased text, as UTF-16 offsets `[starts[i], ends[i])`.
 * One instance is reused across calls; its buffers grow as needed.
 */
export class TokenSpans {
  starts = new Int32Array(64)
  ends = new Int32Array(64)
  /** 32-bit FNV-1a of each token's UTF-16 units (what `TermIndex` is keyed by), found in the same pass. */
  hashes = new Int32Array(64)
  count = 0
  /** Set when the text holds a character that may come from an ICU-only lowercasing. */
  suspect = false

  /** Finds the tokens of `lowered`; returns how many. */
  scan(lowered: string): number {
    const length = lowered.length
    // A token takes at least two units and a separator, so this is room for every token, plus the
    // spare slot the branch-free scan stores into unconditionally.
    const room = Math.floor((length + 1) / 3) + 1
    const capacity = this.starts.length
    // Buffers grown for a huge text are given back at the next ordinary one.
    if (room > capacity || (capacity > KEPT_TOKENS && room <= KEPT_TOKENS)) this.resize(room)
    // A text the branch-free scan gives up on is scanned again, whole, by the general one: those
    // characters are rare, so the common case carries no state for resuming.
    let count = this.scanPlain(lowered)
    this.suspect = false
    if (count < 0) count = this.scanAny(lowered)
    this.count = count
    return count
  }

  /**
   * The common case, texts whose word characters are all in the BMP, without a branch on word
   * boundaries: every unit stores a candidate span at `count` and arithmetic masks decide whether it
   * is kept. Tweets switch between words and separators every few units, so branches there are
   * mispredicted: on the Sanders tweets this scan takes 0.42 µs a tweet where `scanAny` takes 0.71.
   * Returns −1 at the first suspect or supplementary-plane word character.
   */
  private scanPlain(lowered: string): number {
    const table = BMP_WORD
    const length = lowered.length
    const starts = this.starts
    const ends = this.ends
    const hashes = this.hashes
    const offset = FNV_OFFSET | 0
    const prime = FNV_PRIME
    let count = 0
    let inWord = 0
    let start = 0
    let units = 0
    let hash = 0
    for (let i = 0; i < length; i++) {
      const unit = lowered.charCodeAt(i)
      let kind = table[unit]
      if (kind > WORD) {
        // Emoji and other supplementary-plane separators stay on this path: the high surrogate
        // counts as a separator and so does the low one after it (whose kind is 0).
        if (kind === SUSPECT_WORD || startsAstralWord(lowered, i)) return -1
        kind = 0
      }
      // The span that ends here, if one does, kept when it has two units or more.
      starts[count] = start
      ends[count] = i
      hashes[count] = hash
      count += inWord & (kind ^ 1) & ((1 - units) >>> 31)
      // All ones when a word starts at this unit; the hash is junk outside words and never kept.
      // Only one of `hash & ~begins` and `offset & begins` is non-zero, so `^` joins them, and the
      // part that does not depend on `hash` is computed beside the chain of hash updates.
      const begins = -(kind & (inWord ^ 1))
      start = (start & ~begins) | (i & begins)
      hash = Math.imul((hash & ~begins) ^ ((offset & begins) ^ unit), prime)
      units = (units & ~begins) + kind
      inWord = kind
    }
    starts[count] = start
    ends[count] = length
    hashes[count] = hash
    return count + (inWord & ((1 - units) >>> 31))
  }

  /** Any text: surrogate pairs resolved to code points, suspect characters flagged. */
  private scanAny(lowered: string): number {
    // Locals instead of fields and one table read per BMP unit: measured ~1.6× faster than field
    // updates per unit.
    const table = BMP_WORD
    const length = lowered.length
    let count = 0
    let start = -1
    let codePoints = 0
    let hash = 0
    let suspect = false
    const starts = this.starts
    const ends = this.ends
    const hashes = this.hashes
    for (let i = 0; i < length; i++) {
      const unit = lowered.charCodeAt(i)
      const kind = table[unit]
      if (kind === WORD || kind === SUSPECT_WORD) {
        if (start < 0) {
          start = i
          codePoints = 0
          hash = FNV_OFFSET
        }
        codePoints++
        hash = Math.imul(hash ^ unit, FNV_PRIME)
        if (kind === SUSPECT_WORD) suspect = true
        continue
      }
      if (kind === HIGH_SURROGATE && startsAstralWord(lowered, i)) {
        if (start < 0) {
          start = i
          codePoints = 0
          hash = FNV_OFFSET
        }
        codePoints++
        hash = Math.imul(Math.imul(hash ^ unit, FNV_PRIME) ^ lowered.charCodeAt(i + 1), FNV_PRIME)
        i++
        continue
      }
      if (start >= 0) {
        if (codePoints >= 2) {
          starts[count] = start
          ends[count] = i
          hashes[count] = hash
          count++
        }
        start = -1
      }
    }
    if (start >= 0 && codePoints >= 2) {
      starts[count] = start
      ends[count] = length
      hashes[count] = hash
      count++
    }
    this.suspect = suspect
    return count
  }

  private resize(size: number): void {
    const capacity = Math.max(64, size)
    this.starts = new Int32Array(capacity)
    this.ends = new Int32Array(capacity)
    this.hashes = new Int32Array(capacity)
  }
}

/** The lowercased text and its token spans, exactly as Python would split it. */
export function scanText(text: string, spans: TokenSpans): string {
  let lowered = text.toLowerCase()
  spans.scan(lowered)
  // Only a text whose lowercase holds a suspect character (σ and ς among them) is looked at again:
  // the common case pays nothing for the rare letters and for the context of a capital sigma.
  if (spans.suspect && NOT_LIKE_PYTHON.test(text)) {
    lowered = lowerLikePython(text)
    spans.scan(lowered)
  }
  return lowered
}

/** CountVectorizer's default analyzer with `ngram_range=(1, 1)`: the lowercased tokens. */
export function tokenize(text: string): string[] {
  const spans = new TokenSpans()
  const lowered = scanText(text, spans)
  const tokens = new Array<string>(spans.count)
  for (let i = 0; i < spans.count; i++) tokens[i] = lowered.slice(spans.starts[i], spans.ends[i])
  return tokens
}

/**
 * The analyzer with an n-gram range, like scikit-learn's `_word_ngrams`: all unigrams first, then
 * bigrams joined with one space.
 */
export function analyze(text: string, ngramRange: readonly [number, number] = [1, 1]): string[] {
  return wordNgrams(tokenize(text), ngramRange)
}

export function wordNgrams(tokens: string[], [minN, maxN]: readonly [number, number]): string[] {
  if (minN === 1 && maxN === 1) return tokens
  const out: string[] = []
  for (let n = minN; n <= maxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++)
      out.push(n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' '))
  }
  return out
}

/**
 * Orders strings by code point, as Python compares `str` (and as scikit-learn sorts the
 * vocabulary). JavaScript's default order compares UTF-16 units, which puts supplementary-plane
 * characters (surrogates, 0xD800–0xDFFF) before U+E000–U+FFFF; shifting the units fixes that.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointOrderKey(x) - codePointOrderKey(y)
  }
  return a.length - b.length
}

function codePointOrderKey(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000
  if (unit >= 0xe000) return unit - 0x800
  return unit
}
