import { describe, expect, it } from 'vitest'
import { splitTrainTest } from '../../../src/engine/datasets/split.js'
import { toLabeledDocuments } from '../../../src/engine/datasets/labeled.js'

const texts = Array.from({ length: 100 }, (_, i) => `doc ${i}`)
const labels = texts.map((_, i) => (i % 4 === 0 ? 'rare' : 'common'))
const documents = toLabeledDocuments(texts, labels)

describe('splitTrainTest', () => {
  it('holds out the asked share of every class, keeping document order', () => {
    const { train, test } = splitTrainTest(documents, { testSize: 0.2, seed: 7 })
    expect(test.texts).toHaveLength(20)
    expect(train.texts).toHaveLength(80)
    const count = (d: typeof test, k: number) => [...d.targets].filter((t) => t === k).length
    expect(count(test, documents.classes.indexOf('rare'))).toBe(5)
    expect(count(test, documents.classes.indexOf('common'))).toBe(15)
    const index = (text: string) => Number(text.split(' ')[1])
    expect(test.texts.map(index)).toEqual([...test.texts.map(index)].sort((a, b) => a - b))
    expect(new Set([...train.texts, ...test.texts]).size).toBe(100)
  })

  it('is deterministic for a seed and differs between seeds', () => {
    const a = splitTrainTest(documents, { testSize: 0.3, seed: 1 })
    const b = splitTrainTest(documents, { testSize: 0.3, seed: 1 })
    const c = splitTrainTest(documents, { testSize: 0.3, seed: 2 })
    expect(a.test.texts).toEqual(b.test.texts)
    expect(a.test.texts).not.toEqual(c.test.texts)
  })

  it('keeps at least one training document per class', () => {
    const tiny = toLabeledDocuments(['x', 'y', 'z'], ['a', 'b', 'b'])
    const { train } = splitTrainTest(tiny, { testSize: 0.9 })
    expect(new Set(train.targets)).toEqual(new Set([0, 1]))
  })

  it('keeps the label type, so numeric labels stay in numeric order after a split', () => {
    const documents = {
      texts: Array.from({ length: 20 }, (_, i) => `doc ${i}`),
      targets: Int32Array.from({ length: 20 }, (_, i) => i % 2),
      classes: ['2', '10'],
      labelType: 'number' as const,
    }
    const { train, test } = splitTrainTest(documents, { testSize: 0.25, seed: 1 })
    expect(train.labelType).toBe('number')
    expect(test.labelType).toBe('number')
  })

  it('rejects a test size outside (0, 1)', () => {
    expect(() => splitTrainTest(documents, { testSize: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })
})
