import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/runtime/logger.js'
import { FORCED_EXIT_CODE, type StopSignals, listenForStopSignals } from '../../src/runtime/signals.js'

const silent = createLogger({
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
})

describe('listenForStopSignals', () => {
  let signals: StopSignals | undefined
  afterEach(() => signals?.dispose())

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'the first %s aborts the stop signal; the process lives on',
    (name) => {
      const exits: number[] = []
      signals = listenForStopSignals({ logger: silent, exit: (code) => exits.push(code) })
      expect(signals.signal.aborted).toBe(false)
      process.emit(name, name)
      expect(signals.signal.aborted).toBe(true)
      expect(signals.signal.reason).toBe(name)
      expect(exits).toEqual([])
    },
  )

  it('a second signal runs the forced-exit hooks, then exits with 130', () => {
    const calls: string[] = []
    signals = listenForStopSignals({ logger: silent, exit: (code) => calls.push(`exit ${code}`) })
    signals.onForcedExit(() => calls.push('stop the broker'))
    signals.onForcedExit(() => {
      throw new Error('a failing hook must not keep the process alive')
    })
    process.emit('SIGINT', 'SIGINT')
    expect(calls).toEqual([])
    process.emit('SIGTERM', 'SIGTERM')
    expect(calls).toEqual(['stop the broker', `exit ${FORCED_EXIT_CODE}`])
    expect(FORCED_EXIT_CODE).toBe(130)
  })

  it('dispose() stops listening', () => {
    const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]
    signals = listenForStopSignals({ logger: silent, exit: () => {} })
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual([
      (before[0] ?? 0) + 1,
      (before[1] ?? 0) + 1,
    ])
    signals.dispose()
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(before)
  })
})
