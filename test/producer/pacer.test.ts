import { describe, expect, it } from 'vitest'
import { createPacer } from '../../src/producer/pacer.js'

describe('pacer', () => {
  it('spaces records evenly at the given rate', () => {
    const now = 1000
    const pacer = createPacer(4, () => now)
    const waits = [pacer.reserve(), pacer.reserve(), pacer.reserve()]
    expect(waits).toEqual([0, 250, 500])
  })

  it('does not burst to catch up after a stall', () => {
    let now = 0
    const pacer = createPacer(10, () => now)
    expect(pacer.reserve()).toBe(0)
    now = 5000
    expect(pacer.reserve()).toBe(0)
    expect(pacer.reserve()).toBe(100)
  })

  it('never waits without a rate', () => {
    const pacer = createPacer(0)
    expect([pacer.reserve(), pacer.reserve()]).toEqual([0, 0])
  })
})
