import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/runtime/logger.js'
import { type Part, inParallel, runParts, startParts } from '../../src/runtime/part.js'

function recorder(): { events: string[]; part(name: string, behaviour?: Partial<Part>): Part } {
  const events: string[] = []
  return {
    events,
    part: (name, behaviour = {}) => ({
      name,
      async start(signal) {
        events.push(`start ${name}`)
        await behaviour.start?.(signal)
      },
      async stop(deadline) {
        events.push(`stop ${name}`)
        await behaviour.stop?.(deadline)
      },
    }),
  }
}

function memoryLogger(): {
  logger: ReturnType<typeof createLogger>
  lines: () => Array<Record<string, unknown>>
} {
  const chunks: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString())
      done()
    },
  })
  return {
    logger: createLogger({ level: 'debug', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

describe('runParts', () => {
  it('starts parts in order, waits for the stop request, stops them in reverse', async () => {
    const { events, part } = recorder()
    const { logger } = memoryLogger()
    const controller = new AbortController()
    let started = false
    const run = runParts([part('a'), part('b'), part('c')], {
      logger,
      signal: controller.signal,
      stopTimeoutMs: 1000,
      onStarted: () => (started = true),
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(started).toBe(true)
    expect(events).toEqual(['start a', 'start b', 'start c'])
    controller.abort()
    await run
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a'])
  })

  it('a stop request during a start lets that start finish, starts nothing more and resolves', async () => {
    const { events, part } = recorder()
    const { logger } = memoryLogger()
    const controller = new AbortController()
    let onStarted = 0
    const slow = part('model', {
      start: async () => {
        controller.abort()
        await new Promise((resolve) => setTimeout(resolve, 20))
      },
    })
    await runParts([part('server'), slow, part('bridge')], {
      logger,
      signal: controller.signal,
      stopTimeoutMs: 1000,
      onStarted: () => onStarted++,
    })
    expect(events).toEqual(['start server', 'start model', 'stop model', 'stop server'])
    expect(onStarted).toBe(0)
  })

  it('a start cut short by the stop request is a clean stop, not a failure', async () => {
    const { events, part } = recorder()
    const { logger } = memoryLogger()
    const controller = new AbortController()
    const aborting = part('download', {
      start: async (signal) => {
        controller.abort()
        signal.throwIfAborted()
      },
    })
    await expect(
      runParts([part('a'), aborting], { logger, signal: controller.signal, stopTimeoutMs: 1000 }),
    ).resolves.toBeUndefined()
    expect(events).toEqual(['start a', 'start download', 'stop download', 'stop a'])
  })

  it('a failed start stops what started, the failed part included, and rejects with the failure', async () => {
    const { events, part } = recorder()
    const { logger } = memoryLogger()
    const failure = new Error('port in use')
    const run = runParts(
      [
        part('a'),
        part('b', {
          start: async () => {
            throw failure
          },
        }),
        part('c'),
      ],
      { logger, signal: new AbortController().signal, stopTimeoutMs: 1000 },
    )
    await expect(run).rejects.toBe(failure)
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a'])
  })

  it('gives each part its time limit, then moves on with a warning; a failing stop does not stop the rest', async () => {
    const { events, part } = recorder()
    const { logger, lines } = memoryLogger()
    const controller = new AbortController()
    const run = runParts(
      [
        part('a'),
        part('hangs', { stop: () => new Promise(() => {}) }),
        part('throws', {
          stop: async () => {
            throw new Error('boom')
          },
        }),
      ],
      { logger, signal: controller.signal, stopTimeoutMs: 30 },
    )
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    await run
    expect(events.slice(3)).toEqual(['stop throws', 'stop hangs', 'stop a'])
    const warnings = lines().filter((line) => line.level === 40)
    expect(warnings.map((line) => line.msg)).toEqual([
      'throws failed to stop cleanly',
      'hangs did not stop within 30 ms; moving on',
    ])
  })

  it('ends when `until` settles, as when a producer reaches the end of its source', async () => {
    const { events, part } = recorder()
    const { logger } = memoryLogger()
    await runParts([part('producer')], {
      logger,
      signal: new AbortController().signal,
      stopTimeoutMs: 1000,
      until: Promise.resolve(),
    })
    expect(events).toEqual(['start producer', 'stop producer'])
  })
})

describe('inParallel', () => {
  it('starts its parts side by side and stops them all, also when one fails to start', async () => {
    const { events, part } = recorder()
    let release: () => void = () => {}
    const broker = part('broker', { start: () => new Promise<void>((resolve) => (release = resolve)) })
    const model = part('model', {
      start: async () => {
        // The broker is still starting: both run at once.
        expect(events).toEqual(['start broker', 'start model'])
        release()
        throw new Error('no model')
      },
    })
    const both = inParallel('broker and model', [broker, model])
    await expect(both.start(new AbortController().signal)).rejects.toThrow('no model')
    await both.stop(Date.now() + 1000)
    expect(events.slice(2).sort()).toEqual(['stop broker', 'stop model'])
  })
})

describe('startParts', () => {
  it('resolves once every part started, with a function that stops them in reverse', async () => {
    const { events, part } = recorder()
    const { logger } = memoryLogger()
    const stop = await startParts([part('a'), part('b')], { logger, stopTimeoutMs: 1000 })
    expect(events).toEqual(['start a', 'start b'])
    await stop()
    expect(events).toEqual(['start a', 'start b', 'stop b', 'stop a'])
  })
})
