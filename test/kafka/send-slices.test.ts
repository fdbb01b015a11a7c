import { describe, expect, test } from 'vitest'
import { sliceBySize } from '../../src/kafka/send-slices.js'

describe('send slices', () => {
  test('large sends are sliced under the request limit, in order', () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(200_000) }))
    const slices = sliceBySize(records)
    expect(slices.length).toBeGreaterThan(1)
    expect(slices.flat()).toEqual(records)
    for (const slice of slices) expect(slice.length).toBeLessThanOrEqual(2)
  })
})
