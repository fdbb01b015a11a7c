import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../src/engine/datasets/split.js'
import { expNonPositive } from '../../src/engine/exp.js'

/** How many representable doubles lie between two non-negative doubles. */
function ulpsApart(a: number, b: number): number {
  const bits = new BigInt64Array(new Float64Array([a, b]).buffer)
  const difference = (bits[0] as bigint) - (bits[1] as bigint)
  return Number(difference < 0n ? -difference : difference)
}

describe('expNonPositive', () => {
  it('agrees with Math.exp to 2 units in the last place over the whole range', () => {
    const random = mulberry32(11)
    let worst = 0
    for (let i = 0; i < 200_000; i++) {
      // Half near 0 (where classifier probabilities live), half over the whole range down to underflow.
      const x = -random() * (i % 2 === 0 ? 40 : 745)
      worst = Math.max(worst, ulpsApart(expNonPositive(x), Math.exp(x)))
    }
    expect(worst).toBeLessThanOrEqual(2)
  })

  it('is exact where Math.exp is', () => {
    expect(expNonPositive(0)).toBe(1)
    expect(expNonPositive(-0)).toBe(1)
    expect(expNonPositive(-Math.LN2)).toBe(0.5)
    expect(expNonPositive(-Infinity)).toBe(0)
  })

  it('underflows to zero and through the subnormals like Math.exp', () => {
    for (const x of [-708, -709.5, -720, -740, -744.4, -745.1, -745.13]) {
      expect(ulpsApart(expNonPositive(x), Math.exp(x)), String(x)).toBeLessThanOrEqual(2)
    }
    expect(expNonPositive(-745.2)).toBe(0)
    expect(expNonPositive(-1e6)).toBe(0)
  })

  it('passes NaN through and hands positive arguments to Math.exp', () => {
    expect(expNonPositive(Number.NaN)).toBeNaN()
    expect(expNonPositive(1)).toBe(Math.exp(1))
    expect(expNonPositive(800)).toBe(Infinity)
  })
})
