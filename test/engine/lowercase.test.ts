import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tokenize } from '../../src/engine/index.js'
import { lowerLikePython } from '../../src/engine/tokenizer.js'
import { CASE_PYTHON_VERSION, CASE_UNICODE_VERSION } from '../../src/engine/unicode-case-ranges.js'
import { WORD_RANGES } from '../../src/engine/unicode-word-ranges.js'

// Python's str.lower() for every code point it changes (scripts/python/gen_engine_fixtures.py).
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/python-lower.json', import.meta.url), 'utf8'),
) as {
  versions: { python: string; unicode: string }
  lower: Record<string, number[]>
  /** Per context, the code points c with which Python lowercases the sigma to ς, as [first, last] pairs. */
  finalSigma: Record<'cΣ' | 'Σc' | 'AcΣ' | 'AΣc', number[]>
}

function isPythonWord(codePoint: number): boolean {
  for (let i = 0; i < WORD_RANGES.length; i += 2) {
    if (codePoint >= (WORD_RANGES[i] as number) && codePoint <= (WORD_RANGES[i + 1] as number)) return true
  }
  return false
}

describe('lowercasing versus Python str.lower()', () => {
  const differences: number[] = []
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    const python = String.fromCodePoint(...(fixture.lower[cp.toString(16)] ?? [cp]))
    if (String.fromCodePoint(cp).toLowerCase() !== python) differences.push(cp)
  }

  it('differs only on letters Python does not know, which it leaves alone', () => {
    // Node's ICU has a newer Unicode than Python; every difference must be a code point that Python
    // neither lowercases nor counts as a word character.
    expect(differences.length).toBeLessThan(200)
    for (const cp of differences) {
      expect(fixture.lower[cp.toString(16)], `U+${cp.toString(16)}`).toBeUndefined()
      expect(isPythonWord(cp), `U+${cp.toString(16)}`).toBe(false)
    }
  })

  it('tokenizes every differing code point as Python does (a separator)', () => {
    for (const cp of differences) {
      const ch = String.fromCodePoint(cp)
      expect(tokenize(`ab${ch}cd`), `U+${cp.toString(16)}`).toEqual(['ab', 'cd'])
    }
  })

  it('agrees with Python on every code point Python lowercases', () => {
    for (const [hex, mapped] of Object.entries(fixture.lower)) {
      expect(lowerLikePython(String.fromCodePoint(parseInt(hex, 16)))).toBe(String.fromCodePoint(...mapped))
    }
  })

  it('keeps U+A7CB, U+A7D2, U+A7D4 and U+A7DC as separators although ICU maps them to word characters', () => {
    expect('\ua7cb'.toLowerCase()).toBe('\u0264')
    expect(lowerLikePython('xꟋyΣ')).toBe('xꟋyς')
    expect(tokenize('xyꟋzw ꟜΣΣ a\ua7d2b\ua7d4c ꟓꟓ')).toEqual(['xy', 'zw', 'σς', 'ꟓꟓ'])
  })
})

describe('a capital sigma versus Python str.lower()', () => {
  /** Marks, for every code point, whether it is in the flattened inclusive pairs. */
  function expand(ranges: number[]): Uint8Array {
    const flags = new Uint8Array(0x110000)
    for (let i = 0; i < ranges.length; i += 2) flags.fill(1, ranges[i], (ranges[i + 1] as number) + 1)
    return flags
  }

  it('uses the case properties of the Python the fixtures come from', () => {
    expect(CASE_UNICODE_VERSION).toBe(fixture.versions.unicode)
    expect(CASE_PYTHON_VERSION).toBe(fixture.versions.python)
  })

  it('becomes ς or σ as in Python before and after every code point', () => {
    // The four contexts c + Σ, Σ + c, A + c + Σ and AΣ + c decide, for each c, whether Python
    // counts it as cased, as case-ignorable or as neither.
    const contexts = {
      cΣ: (c: string, sigma: string) => [c + 'Σ', lowerLikePython(c) + sigma],
      Σc: (c: string, sigma: string) => ['Σ' + c, sigma + lowerLikePython(c)],
      AcΣ: (c: string, sigma: string) => ['A' + c + 'Σ', 'a' + lowerLikePython(c) + sigma],
      AΣc: (c: string, sigma: string) => ['AΣ' + c, 'a' + sigma + lowerLikePython(c)],
    } as const
    for (const [name, build] of Object.entries(contexts)) {
      const final = expand(fixture.finalSigma[name as keyof typeof contexts])
      const wrong: string[] = []
      for (let cp = 0; cp <= 0x10ffff; cp++) {
        // A second sigma has its own context; those texts are checked below.
        if (cp === 0x3a3) continue
        const [text, expected] = build(String.fromCodePoint(cp), final[cp] ? 'ς' : 'σ')
        if (lowerLikePython(text) !== expected) wrong.push(`U+${cp.toString(16)}`)
      }
      expect(wrong, name).toEqual([])
    }
    expect(['ΣΣ', 'AΣΣ', 'ΣΣΣ', 'AΣΣΣ'].map(lowerLikePython)).toEqual(['σς', 'aσς', 'σσς', 'aσσς'])
  })

  it('differs from ICU on U+0295, U+1171E and letters new since Python’s Unicode', () => {
    // ICU's newer properties: ʕ is no longer cased, U+1171E no longer case-ignorable and U+10D50
    // (unassigned in Python's Unicode) is a cased capital.
    expect('ʕΣ'.toLowerCase()).toBe('ʕσ')
    expect(lowerLikePython('ʕΣ')).toBe('ʕς')
    expect(tokenize('ʕΣ')).toEqual(['ʕς'])

    expect('ΑΣʕ'.toLowerCase()).toBe('αςʕ')
    expect(lowerLikePython('ΑΣʕ')).toBe('ασʕ')
    expect(tokenize('ΑΣʕ')).toEqual(['ασʕ'])

    expect(tokenize('ΟΔΟΣ\u{10d50}')).toEqual(['οδος'])
    expect(lowerLikePython('ΟΔΟΣ\u{10d50}').slice(0, 4)).toBe('οδος')
    expect('ΟΔΟΣ\u{10d50}'.toLowerCase().slice(0, 4)).toBe('οδοσ')

    expect(lowerLikePython('A\u{1171e}Σ')).toBe('a\u{1171e}ς')
    expect(lowerLikePython('ΑΣ\u{1171e}Β')).toBe('ασ\u{1171e}β')
  })

  it('skips case-ignorable characters, surrogate pairs included, on both sides', () => {
    expect(lowerLikePython("ΑΣ'Σ ΑΣ.Β Σ\u0301Α Α\u0301Σ\u0301 ΑΣ👍🏽")).toBe(
      "ασ'ς ασ.β σ\u0301α α\u0301ς\u0301 ας👍🏽",
    )
    expect(lowerLikePython('\u{1d400}\u{1f3fb}Σ\u{1f3fb}\u{1d400} \u{1d400}\u{1f3fb}Σ\u{1f3fb}')).toBe(
      '\u{1d400}\u{1f3fb}σ\u{1f3fb}\u{1d400} \u{1d400}\u{1f3fb}ς\u{1f3fb}',
    )
    expect(lowerLikePython('\u0301Σ \ud800Σ \udc00Σ ΑΣ\ud800')).toBe('\u0301σ \ud800σ \udc00σ ας\ud800')
    expect(tokenize('ΟΔΟΣ ΣΊΣΥΦΟΣ ΣΣΣ ꟋΣΣ İΣ')).toEqual(['οδος', 'σίσυφος', 'σσς', 'σς'])
  })
})
