import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readLineBatches, readLines } from '../src/line-reader.js'
import type { InputLine } from '../src/line-reader.js'

const CHUNKS = ['ab', 'c\r\nde', 'f\n\ngh', 'i', '\n1234567890123', '45\nend']

async function collect(lines: AsyncIterable<InputLine>): Promise<[number, string | undefined, number][]> {
  const out: [number, string | undefined, number][] = []
  for await (const line of lines) out.push([line.number, line.bytes?.toString('utf8'), line.size])
  return out
}

const texts = (result: IteratorResult<InputLine[]>): (string | undefined)[] | undefined =>
  result.done === true ? undefined : result.value.map((line) => line.bytes?.toString())

const EXPECTED = [
  [1, 'abc', 4],
  [2, 'def', 3],
  [3, '', 0],
  [4, 'ghi', 3],
  [5, undefined, 15],
  [6, 'end', 3],
]

describe('readLines', () => {
  it('gives the same lines with and without an abort signal', async () => {
    const source = () => Readable.from(CHUNKS.map((chunk) => Buffer.from(chunk)))
    expect(await collect(readLines(source(), 10))).toEqual(EXPECTED)
    expect(await collect(readLines(source(), 10, new AbortController().signal))).toEqual(EXPECTED)
  })

  it('passes on an error of the input, with or without a signal', async () => {
    for (const signal of [undefined, new AbortController().signal]) {
      const input = new PassThrough()
      input.write('one\n')
      const reading = collect(readLines(input, 100, signal))
      setImmediate(() => input.destroy(new Error('disk on fire')))
      await expect(reading).rejects.toThrow('disk on fire')
    }
  })
})

describe('readLineBatches with a signal', () => {
  it('ends when aborted while waiting, drops the unfinished line and leaves the input paused, not destroyed', async () => {
    const input = new PassThrough()
    input.write('one\ntw')
    const controller = new AbortController()
    const iterator = readLineBatches(input, 100, controller.signal)[Symbol.asyncIterator]()
    const first = await iterator.next()
    expect(texts(first)).toEqual(['one'])
    // Nothing more arrives: the reader waits until the abort.
    const waiting = iterator.next()
    controller.abort()
    expect(await waiting).toEqual({ done: true, value: undefined })
    expect(input.destroyed).toBe(false)
    expect(input.isPaused()).toBe(true)
    // What comes later is still there for the input's owner.
    input.end('o\n')
    const rest: string[] = []
    for await (const chunk of input) rest.push(String(chunk))
    expect(rest.join('')).toBe('o\n')
  })

  it('stops taking data while the reader is busy, and takes it again when asked', async () => {
    const input = new PassThrough({ highWaterMark: 8 })
    const controller = new AbortController()
    const iterator = readLineBatches(input, 100, controller.signal)[Symbol.asyncIterator]()
    const pending = iterator.next()
    input.write('0123456789\n')
    input.write('abcdefghij\n')
    expect(texts(await pending)).toEqual(['0123456789'])
    // A chunk over the input's high-water mark is queued: the input waits until it is taken.
    expect(input.isPaused()).toBe(true)
    expect(texts(await iterator.next())).toEqual(['abcdefghij'])
    input.end('last')
    expect(texts(await iterator.next())).toEqual(['last'])
    expect((await iterator.next()).done).toBe(true)
  })
})
