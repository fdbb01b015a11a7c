import { describe, expect, it } from 'vitest'
import { compareCodePoints, sortedUnique } from '../../../src/engine/datasets/labeled.js'

describe('compareCodePoints', () => {
  it("sorts like Python's sorted(): astral characters after U+FFFD, '10' before '9'", () => {
    // Python: sorted(['\uFFFD', '\U0001F600', 'b', 'B', '9', '10', 'é']) == ['10', '9', 'B', 'b', 'é', '\ufffd', '😀']
    expect(sortedUnique(['\uFFFD', '😀', 'b', 'B', '9', '10', 'é', 'b'])).toEqual([
      '10',
      '9',
      'B',
      'b',
      'é',
      '\uFFFD',
      '😀',
    ])
    expect(['😀', '\uFFFD'].sort()).toEqual(['😀', '\uFFFD']) // what JavaScript would do instead
  })

  it('orders a prefix first', () => {
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0)
    expect(compareCodePoints('abc', 'abc')).toBe(0)
  })
})
