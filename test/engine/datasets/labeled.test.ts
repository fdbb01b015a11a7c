import { describe, expect, it } from 'vitest'
import {
  filterClasses,
  isNumericLabelName,
  numericLabelName,
  selectCategories,
  sortedUnique,
  toLabeledDocuments,
} from '../../../src/engine/datasets/labeled.js'

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

describe('numeric labels', () => {
  it('orders numbers numerically, as numpy.unique does on an int array', () => {
    // numpy.unique([10, 2, 1, -3, 0, 100, 20]) == [-3, 0, 1, 2, 10, 20, 100]
    expect(sortedUnique(['10', '2', '1', '-3', '0', '100', '20', '2'], 'number')).toEqual([
      '-3',
      '0',
      '1',
      '2',
      '10',
      '20',
      '100',
    ])
    // The same names as strings: numpy.unique on a str array.
    expect(sortedUnique(['10', '2', '1', '100', '20'])).toEqual(['1', '10', '100', '2', '20'])
  })

  it('names a number by its shortest JSON form: 1 and 1.0 are one class', () => {
    expect(numericLabelName(JSON.parse('1.0') as number)).toBe('1')
    expect(numericLabelName(1)).toBe('1')
    expect(numericLabelName(-0)).toBe('0')
    expect(numericLabelName(2.5)).toMatchObject({ reason: expect.stringContaining('not an integer') })
    expect(numericLabelName(JSON.parse('1e2') as number)).toBe('100')
    expect(numericLabelName(2 ** 60)).toMatchObject({ reason: expect.stringContaining('too large') })
    expect(numericLabelName(Infinity)).toMatchObject({ reason: expect.stringContaining('not an integer') })
    expect(isNumericLabelName('2')).toBe(true)
    expect(isNumericLabelName('-10')).toBe(true)
    for (const name of ['2.0', '0.5', '02', '1e2', ' 2', '', '-0', 'NaN', 'Infinity', 'x']) {
      expect(isNumericLabelName(name)).toBe(false)
    }
  })

  it('keeps the numeric order through a category filter', () => {
    const all = toLabeledDocuments(['a', 'b', 'c', 'd'], ['10', '2', '1', '10'], undefined, 'number')
    expect(all).toMatchObject({ classes: ['1', '2', '10'], labelType: 'number' })
    expect([...all.targets]).toEqual([2, 1, 0, 2])
    const kept = filterClasses(all, selectCategories(all.classes, ['10', '2']))
    expect(kept).toMatchObject({ texts: ['a', 'b', 'd'], classes: ['2', '10'], labelType: 'number' })
    expect([...kept.targets]).toEqual([1, 0, 1])
  })

  it('leaves string documents without a label type', () => {
    expect(toLabeledDocuments(['a'], ['x'])).not.toHaveProperty('labelType')
  })
})
