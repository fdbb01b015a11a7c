import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tokenize } from '../../src/engine/index.js'
import { lowerLikePython } from '../../src/engine/tokenizer.js'
import { WORD_RANGES } from '../../src/engine/unicode-word-ranges.js'

// Python's str.lower() for every code point it changes (scripts/python/gen_engine_fixtures.py).
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/python-lower.json', import.meta.url), 'utf8'),
) as {
  versions: { python: string; unicode: string }
  lower: Record<string, number[]>
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
