import { describe, expect, test } from 'vitest'
import { parseModelSpec } from '../../src/pipeline/model-specs.js'

describe('parseModelSpec', () => {
  test('accepts NAME=FILE, and FILE named after the file', () => {
    expect(parseModelSpec('news=models/a.tsmodel')).toEqual({ name: 'news', path: 'models/a.tsmodel' })
    expect(parseModelSpec('models/tweets.tsmodel')).toEqual({ name: 'tweets', path: 'models/tweets.tsmodel' })
    expect(parseModelSpec('a=b=c.tsmodel')).toEqual({ name: 'a', path: 'b=c.tsmodel' })
  })

  test('names the flag when the name or the file is missing', () => {
    for (const spec of ['news=', '=models/a.tsmodel']) {
      expect(() => parseModelSpec(spec)).toThrow(`--model expects NAME=FILE, got "${spec}"`)
    }
  })
})
