import { describe, expect, it } from 'vitest'
import { evaluatePredictions } from '../../../src/engine/datasets/evaluation.js'

// Expected figures printed by scikit-learn 1.9 (accuracy_score, f1_score, confusion_matrix,
// precision_recall_fscore_support with zero_division=0) for the same vectors.
describe('evaluatePredictions', () => {
  const truth = [0, 0, 1, 1, 2, 2, 2, 0, 1, 2]
  const predicted = [0, 1, 1, 1, 2, 0, 2, 0, 2, 2]

  it('matches scikit-learn on a three-class example', () => {
    const result = evaluatePredictions(truth, predicted, ['a', 'b', 'c'])
    expect(result.documents).toBe(10)
    expect(result.accuracy).toBe(0.7)
    expect(result.macroF1).toBeCloseTo(0.6944444444444443, 15)
    expect(result.weightedF1).toBeCloseTo(0.7, 15)
    expect(result.confusion).toEqual([
      [2, 1, 0],
      [0, 2, 1],
      [1, 0, 3],
    ])
    expect(result.perClass.map((c) => [c.label, c.precision, c.recall, c.f1, c.support])).toEqual([
      ['a', 2 / 3, 2 / 3, 2 / 3, 3],
      ['b', 2 / 3, 2 / 3, 2 / 3, 3],
      ['c', 0.75, 0.75, 0.75, 4],
    ])
  })

  it('scores a class that is never true nor predicted as 0 (zero_division=0)', () => {
    const result = evaluatePredictions(truth, predicted, ['a', 'b', 'c', 'd'])
    expect(result.perClass[3]).toEqual({ label: 'd', precision: 0, recall: 0, f1: 0, support: 0 })
    expect(result.macroF1).toBeCloseTo(0.5208333333333333, 15)
  })

  it('rejects vectors of different lengths', () => {
    expect(() => evaluatePredictions([0, 1], [0], ['a', 'b'])).toThrow(/2 true labels but 1 predictions/)
  })
})
