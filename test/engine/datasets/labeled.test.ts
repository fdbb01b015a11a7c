import { describe, expect, it } from 'vitest'
import { sortedUnique } from '../../../src/engine/datasets/labeled.js'

describe('sortedUnique', () => {
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
})
