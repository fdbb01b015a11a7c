import { execFileSync } from 'node:child_process'
import { describe, expect, inject, it } from 'vitest'
import { analyze, tokenize } from '../../src/engine/index.js'
import { BMP_WORD, isAstralWord, lowerLikePython } from '../../src/engine/tokenizer.js'
import { PYTHON_VERSION, WORD_RANGES } from '../../src/engine/unicode-word-ranges.js'

// Compares the tokenizer with scikit-learn running live in the test venv, on random texts built
// from the characters where tokenizers usually disagree.
const python = inject('python')

const SCRIPT = String.raw`
import json, re, sys
from sklearn.feature_extraction.text import CountVectorizer
texts = json.load(sys.stdin)
uni = CountVectorizer().build_analyzer()
bi = CountVectorizer(ngram_range=(1, 2)).build_analyzer()
ranges, start = [], None
for cp in range(sys.maxunicode + 2):
    w = cp <= sys.maxunicode and re.match(r"\w", chr(cp)) is not None
    if w and start is None: start = cp
    elif not w and start is not None: ranges += [start, cp - 1]; start = None
json.dump({"version": sys.version.split()[0], "ranges": ranges,
           "lower": [t.lower() for t in texts],
           "kept": ["".join(sorted({c for c in t if c.lower() == c})) for t in texts], "uni": [uni(t) for t in texts], "bi": [bi(t) for t in texts]}, sys.stdout)
`

const POOL = [
  ...'abcXYZ019_ -.,:;!?@#$%&/\'"()[]{}\t\n',
  ...'éÉüÜßẞçÇñÑøØåÅ',
  '\u0301',
  '\u0308',
  '\u200b',
  '\u00a0',
  '\u2003',
  ...'ΣσςΑΩΌ',
  'İ',
  'I',
  'ı',
  ...'東京北京서울',
  ...'مرحبا١٢',
  ...'हिन्दीनमस्ते',
  ...'²³¼Ⅻⅻ①๑',
  '😀',
  '👍🏽',
  '❤️',
  '𝐁',
  '𝟙',
  '𐐀',
  '𐐨',
  '\ua7cb',
  '\ua7d2',
  '\ua7d3',
  '\ua7dc',
  'ɤ',
  'ǅ',
  'ﬁ',
  'ŉ',
]

// Around a capital sigma: letters Python counts as cased (ʕ, ᾼ, ⓐ), case-ignorable characters
// (U+1171E, the apostrophe, U+00AD, a skin tone, ʰ which is also cased) and characters that are
// neither, among them letters unassigned in Python's Unicode that ICU calls cased or case-ignorable
// (U+10D50, U+A7CB, U+1E030).
const SIGMA_POOL = [
  ...'ΣΣΣΣΑΒσςaZ',
  'ʕ',
  'ᾼ',
  'ⓐ',
  'ª',
  'ʰ',
  '\u{1171e}',
  "'",
  '.',
  ':',
  '^',
  '\u0301',
  '\u00ad',
  '\u200d',
  '\u{1f3fb}',
  ...'1_ -',
  '😀',
  '\u{10d50}',
  '\u{10d70}',
  '\ua7cb',
  '\u{1e030}',
  '\u0378',
  'İ',
]

/** Texts a model could meet in the wild, with a sigma next to letters whose case properties changed. */
const SIGMA_TEXTS = [
  'ʕΣ',
  'ΑΣʕ',
  'ΟΔΟΣ\u{10d50}',
  'ΟΔΟΣ\u{1171e}',
  'Α\u{1171e}Σ',
  'ΣΟΦΟΣʕ ʕΣΟΦΟΣ',
  "ΟΔΟΣ' ΟΔΟΣ'Α",
]

/** The text with each run of characters that are not Python word characters replaced by one space. */
function wordsOnly(text: string): string {
  let out = ''
  for (const c of text) {
    const codePoint = c.codePointAt(0) as number
    const word =
      codePoint > 0xffff ? isAstralWord(codePoint) : BMP_WORD[codePoint] === 1 || BMP_WORD[codePoint] === 2
    if (word) out += c
    else if (!out.endsWith(' ')) out += ' '
  }
  return out
}

function randomTexts(count: number, seed: number, pool: readonly string[] = POOL): string[] {
  let state = seed >>> 0
  const next = (): number => {
    // xorshift32: a fixed seed keeps failures reproducible.
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 0x100000000
  }
  return Array.from({ length: count }, () => {
    const length = Math.floor(next() * 24)
    let text = ''
    for (let i = 0; i < length; i++) text += pool[Math.floor(next() * pool.length)]
    return text
  })
}

describe.runIf(python)('tokenizer versus live scikit-learn', () => {
  const texts = [...randomTexts(3000, 20241126), ...SIGMA_TEXTS, ...randomTexts(3000, 314159, SIGMA_POOL)]
  const expected = JSON.parse(
    execFileSync(python, ['-c', SCRIPT], {
      input: JSON.stringify(texts),
      maxBuffer: 64 * 1024 * 1024,
    }).toString(),
  ) as { version: string; ranges: number[]; lower: string[]; kept: string[]; uni: string[][]; bi: string[][] }

  it('uses the word-character table of this Python', () => {
    // When this fails, regenerate src/engine/unicode-word-ranges.ts with this Python
    // (scripts/python/gen_word_ranges.py).
    expect(expected.ranges, `table from Python ${PYTHON_VERSION}, venv has ${expected.version}`).toEqual(
      WORD_RANGES,
    )
  })

  it('lowercases and tokenizes random tricky texts exactly like scikit-learn', () => {
    let approximate = 0
    texts.forEach((text, i) => {
      // Letters new since Python's Unicode that ICU lowercases and Python keeps (like U+10D50) are
      // not word characters either way; with one, the lowerings agree on the word characters only.
      if ([...expected.kept[i]].some((c) => lowerLikePython(c) !== c)) {
        approximate++
        expect(wordsOnly(lowerLikePython(text)), JSON.stringify(text)).toBe(wordsOnly(expected.lower[i]))
      } else expect(lowerLikePython(text), JSON.stringify(text)).toBe(expected.lower[i])
      expect(tokenize(text), JSON.stringify(text)).toEqual(expected.uni[i])
      expect(analyze(text, [1, 2]), JSON.stringify(text)).toEqual(expected.bi[i])
    })
    expect(approximate).toBeLessThan(texts.length / 5)
  })
})
