/**
 * What a short text is written in: the script of most of its letters, and its language.
 *
 * The script comes from a table lookup per UTF-16 code unit. The language comes from eld (Efficient
 * Language Detector) with its smallest n-gram database: on tweets it was as accurate as the larger
 * ones and much more accurate than franc-min and tinyld, and faster than both, yet one call costs
 * about ten classifications, so callers run it on a sample of texts (see `stream-stats.ts`).
 */
import { eld } from 'eld/extrasmall'

/**
 * Coarse scripts, by index. `none` is a text without letters (emoji, digits, punctuation); `cjk` is
 * Han, Hiragana, Katakana and Hangul; `other` is every other script's letters (Devanagari, Thai,
 * Armenian, ...).
 */
export const SCRIPTS = ['none', 'latin', 'cyrillic', 'greek', 'arabic', 'hebrew', 'cjk', 'other'] as const
export type Script = (typeof SCRIPTS)[number]

export const SCRIPT_NONE = SCRIPTS.indexOf('none')
export const SCRIPT_LATIN = SCRIPTS.indexOf('latin')
const SCRIPT_CJK = SCRIPTS.indexOf('cjk')

/** The key for a text whose language is not determined (too few letters, or no guess). */
export const UNDETERMINED = 'und'

/** The ISO 639-1 codes `identifyLanguage` can return, then `und`. */
export const LANGUAGES: readonly string[] = Object.freeze([
  ...Object.values(eld.info().Languages),
  UNDETERMINED,
])

/** Only the start of a long text is read, as eld itself reads only its first 1,000 code units. */
export const MAX_TEXT_UNITS = 1000

/**
 * A text with fewer UTF-8 bytes of letters than this, once URLs, mentions and hashtags are removed
 * (eight Latin letters, three Han characters), leaves too little to go on: it counts as `und`
 * rather than as a guess. A higher bar mostly turns right guesses on short tweets into `und`.
 */
export const MIN_LETTER_BYTES = 8

/** The script of every BMP code unit that is a letter; 0 for the rest, and for low surrogates. */
const SCRIPT_OF_UNIT: Uint8Array = buildScriptTable()

function buildScriptTable(): Uint8Array {
  const table = new Uint8Array(0x10000)
  // Every BMP code point but the surrogates, as one string, for the regular expressions to read.
  const units = new Uint16Array(0x10000 - 0x800)
  for (let unit = 0, i = 0; unit < 0x10000; unit++) if (unit < 0xd800 || unit > 0xdfff) units[i++] = unit
  const bmp = new TextDecoder('utf-16le').decode(units)
  // Node's own Unicode data: the table only needs to be coarse, not to agree with anything else.
  const mark = (pattern: RegExp, script: number): void => {
    for (const [run] of bmp.matchAll(pattern)) {
      for (let i = 0; i < run.length; i++) table[run.charCodeAt(i)] = script
    }
  }
  mark(/\p{L}+/gu, SCRIPTS.indexOf('other'))
  mark(/(?:(?=\p{L})\p{sc=Latin})+/gu, SCRIPT_LATIN)
  mark(/(?:(?=\p{L})\p{sc=Cyrillic})+/gu, SCRIPTS.indexOf('cyrillic'))
  mark(/(?:(?=\p{L})\p{sc=Greek})+/gu, SCRIPTS.indexOf('greek'))
  mark(/(?:(?=\p{L})\p{sc=Arabic})+/gu, SCRIPTS.indexOf('arabic'))
  mark(/(?:(?=\p{L})\p{sc=Hebrew})+/gu, SCRIPTS.indexOf('hebrew'))
  mark(/(?:(?=\p{L})[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}])+/gu, SCRIPT_CJK)
  // Supplementary-plane letters, counted once by their high surrogate: U+20000–U+3FFFF are Han
  // extensions; U+1D400–U+1D7FF are the styled "bold", "script" and "double-struck" letters that
  // tweets use as fonts, nearly all of them Latin.
  table.fill(SCRIPT_CJK, 0xd840, 0xd8c0)
  table[0xd835] = SCRIPT_LATIN
  return table
}

/** Letters of each script in the text being scanned; one buffer, since scanning is synchronous. */
const letters = new Uint32Array(SCRIPTS.length)

/**
 * The index in `SCRIPTS` of the script most of the text's letters are in (the first in `SCRIPTS` on
 * a tie), `SCRIPT_NONE` when it has none. Reads at most `MAX_TEXT_UNITS` code units.
 */
export function dominantScript(text: string): number {
  letters.fill(0)
  const end = Math.min(text.length, MAX_TEXT_UNITS)
  for (let i = 0; i < end; i++) letters[SCRIPT_OF_UNIT[text.charCodeAt(i)]]++
  // letters[SCRIPT_NONE] counts the code units that are no letter: it takes no part in the vote.
  let best = SCRIPT_NONE
  let most = 0
  for (let script = SCRIPT_LATIN; script < SCRIPTS.length; script++) {
    if (letters[script] > most) {
      best = script
      most = letters[script]
    }
  }
  return best
}

/**
 * UTF-8 bytes per letter of each script, in the order of `SCRIPTS`: the units eld's n-grams are made
 * of. A Han character or a Devanagari letter carries as much as two or three Latin ones.
 */
const UTF8_BYTES = new Uint8Array([0, 1, 2, 2, 2, 2, 3, 3])

/** UTF-8 bytes of the text's letters (Latin letters outside ASCII count one byte, like the others). */
function letterBytes(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) bytes += UTF8_BYTES[SCRIPT_OF_UNIT[text.charCodeAt(i)]]
  return bytes
}

/**
 * What says nothing about a tweet's language and would pull every guess toward English: URLs,
 * @mentions, #hashtags (mostly brand and topic names), HTML entities and the retweet marker.
 */
const NOISE = /(?:https?:\/\/|www\.)\S+|[@#][\p{L}\p{N}_]+|&[a-z]+;|\bRT\b/gu

/** The text's language as an ISO 639-1 code (one of `LANGUAGES`), or `und`. Deterministic. */
export function identifyLanguage(text: string): string {
  const cleaned = text.slice(0, MAX_TEXT_UNITS).replace(NOISE, ' ')
  if (letterBytes(cleaned) < MIN_LETTER_BYTES) return UNDETERMINED
  return eld.detect(cleaned).language || UNDETERMINED
}
