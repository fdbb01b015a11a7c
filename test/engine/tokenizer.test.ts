import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyze, tokenize } from '../../src/engine/index.js'
import { mulberry32 } from '../../src/engine/datasets/split.js'
import { TokenSpans, compareCodePoints } from '../../src/engine/tokenizer.js'

// Expected tokens come from scikit-learn's own analyzer (CountVectorizer().build_analyzer()),
// written by scripts/python/gen_engine_fixtures.py; versions are recorded in the fixture.
interface TokenCase {
  readonly text: string
  readonly lower: string
  readonly tokens: string[]
  readonly bigrams: string[]
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/tokenize.json', import.meta.url), 'utf8')) as {
  cases: TokenCase[]
}

describe('tokenize', () => {
  it.each(fixture.cases.map((c) => [JSON.stringify(c.text), c] as const))(
    'matches scikit-learn for %s',
    (_name, c) => {
      expect(tokenize(c.text)).toEqual(c.tokens)
      expect(analyze(c.text, [1, 2])).toEqual(c.bigrams)
    },
  )

  it('keeps Unicode letters, digits and underscores and drops one-character runs', () => {
    expect(tokenize('Ünïcode_ok x 7 42 ÉTÉ')).toEqual(['ünïcode_ok', '42', 'été'])
  })

  it('splits Devanagari at vowel signs (combining marks are not \\w in Python)', () => {
    // "नमस्ते" = न म स ् त े: the virama (U+094D) and the vowel sign (U+0947) are Mn.
    expect(tokenize('नमस्ते')).toEqual(['नमस'])
  })

  it('counts code points, not UTF-16 units: one astral letter is not a token', () => {
    expect(tokenize('𝐁 𝐁𝐁')).toEqual(['𝐁𝐁'])
  })

  it('lowercases a final sigma the way Python does', () => {
    expect(tokenize('ΟΔΟΣ ΣΣ')).toEqual(['οδος', 'σς'])
  })

  it('splits URLs, mentions and hashtags on punctuation', () => {
    expect(tokenize('RT @Jane_Doe: #AI is 2x https://t.co/Xy9')).toEqual([
      'rt',
      'jane_doe',
      'ai',
      'is',
      '2x',
      'https',
      'co',
      'xy9',
    ])
  })

  it('treats emoji as separators', () => {
    expect(tokenize('good😀morning 👍🏽ok')).toEqual(['good', 'morning', 'ok'])
  })

  it('handles lone surrogates as separators', () => {
    expect(tokenize('ab\ud800cd\udc00ef')).toEqual(['ab', 'cd', 'ef'])
  })
})

describe('TokenSpans', () => {
  const spansOf = (text: string) => {
    const spans = new TokenSpans()
    const count = spans.scan(text)
    return Array.from({ length: count }, (_, i) => [spans.starts[i], spans.ends[i], spans.hashes[i]])
  }

  it('finds the same spans and hashes whether a text takes the plain path or the general one', () => {
    // A supplementary-plane letter anywhere sends a text to the general scan; here it sits after a
    // separator, so the spans before it must be exactly those of the text without it. Emoji and
    // lone surrogates are separators, which the plain path handles too.
    const random = mulberry32(7)
    const pieces = ['a', 'bc', 'déf', 'x_9', '42', 'é', ' ', '  ', '.', '-', "'", '\t', '😀', '\ud800']
    for (let n = 0; n < 2000; n++) {
      let text = ''
      const length = Math.floor(random() * 12)
      for (let i = 0; i < length; i++) text += pieces[Math.floor(random() * pieces.length)]
      expect(spansOf(text + ' \u{1d401}'), JSON.stringify(text)).toEqual(spansOf(text))
    }
  })

  it('reuses its buffers across texts of any size', () => {
    const spans = new TokenSpans()
    expect(spans.scan('ab '.repeat(100_000))).toBe(100_000)
    expect(spans.scan('one two')).toBe(2)
    expect([spans.starts[1], spans.ends[1]]).toEqual([4, 7])
    expect(spans.scan('ab'.repeat(50_000) + ' cd')).toBe(2)
    expect([spans.starts[1], spans.ends[1]]).toEqual([100_001, 100_003])
  })
})

describe('analyze', () => {
  it('puts unigrams first, then bigrams joined by one space', () => {
    expect(analyze('New York  is big', [1, 2])).toEqual([
      'new',
      'york',
      'is',
      'big',
      'new york',
      'york is',
      'is big',
    ])
  })
})

describe('compareCodePoints', () => {
  it('orders like Python str comparison, not like UTF-16 units', () => {
    const terms = ['ｚ', '😀', 'a', '\uffff', 'ab', 'é', '𝐁', '\ue000']
    const sorted = [...terms].sort(compareCodePoints)
    // U+E000 and U+FF5A (ｚ) and U+FFFF come before the astral 😀 (U+1F600) and 𝐁 (U+1D401).
    expect(sorted).toEqual(['a', 'ab', 'é', '\ue000', 'ｚ', '\uffff', '𝐁', '😀'])
    expect([...terms].sort()).not.toEqual(sorted)
  })

  it('puts a prefix first', () => {
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0)
    expect(compareCodePoints('abc', 'abc')).toBe(0)
  })
})
