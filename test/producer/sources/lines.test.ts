import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLinesSource } from '../../../src/producer/sources/lines.js'
import { MAX_SOURCE_LINE_BYTES } from '../../../src/producer/sources/source-lines.js'
import { isRejected } from '../../../src/producer/sources/types.js'
import type { SourceItem } from '../../../src/producer/sources/types.js'
import { DEFAULT_MAX_TEXT_BYTES } from '../../../src/limits.js'

describe('stdin source', () => {
  it('takes plain text and JSON lines, skips blank lines and rejects bad JSON', async () => {
    const input = new PassThrough()
    input.end('first tweet\n\n  {"text": "second", "id": "2", "label": "x"}\r\n{oops\nlast\n')
    const items: SourceItem[] = []
    for await (const item of createLinesSource({ input }).read(new AbortController().signal)) items.push(item)

    expect(items).toHaveLength(4)
    expect(items[0]).toMatchObject({ text: 'first tweet', source: 'stdin', author_id: null, lang: null })
    expect(items[1]).toMatchObject({ id: '2', text: 'second', label: 'x', source: 'stdin' })
    expect(isRejected(items[2] as SourceItem) && (items[2] as { rejected: Error }).rejected.message).toBe(
      'stdin line 4 is not valid JSON',
    )
    expect(items[3]).toMatchObject({ text: 'last' })
    const ids = items.filter((item) => !isRejected(item)).map((item) => (item as { id: string }).id)
    expect(new Set(ids).size).toBe(3)
  })

  it('ends when aborted while waiting for input', async () => {
    const input = new PassThrough()
    input.write('one\n')
    const controller = new AbortController()
    const items: SourceItem[] = []
    for await (const item of createLinesSource({ input }).read(controller.signal)) {
      items.push(item)
      controller.abort()
    }
    expect(items).toHaveLength(1)
  })
})

async function read(input: Readable, options: { maxLineBytes?: number } = {}): Promise<SourceItem[]> {
  const items: SourceItem[] = []
  for await (const item of createLinesSource({ input, ...options }).read(new AbortController().signal)) {
    items.push(item)
  }
  return items
}

const describeItem = (item: SourceItem): string =>
  isRejected(item) ? `rejected: ${item.rejected.message}` : `tweet: ${item.text}`

describe('stdin source, line rules', () => {
  it('rejects a line that is not valid UTF-8 with its line number and reads the next one', async () => {
    const input = Readable.from([
      Buffer.from('first\n'),
      Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
      Buffer.concat([Buffer.from('{"text": "bad '), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]),
      Buffer.from('après\n'),
    ])
    const items = await read(input)
    expect(items.map(describeItem)).toEqual([
      'tweet: first',
      'rejected: stdin line 2 is not valid UTF-8',
      'rejected: stdin line 3 is not valid UTF-8',
      'tweet: après',
    ])
    expect((items[1] as { rejected: { code: string } }).rejected.code).toBe('ERR_SOURCE_INVALID')
  })

  it('rejects a line over the limit without buffering it and reads the next one', async () => {
    const input = Readable.from(['short\n', 'x'.repeat(10), 'y'.repeat(10), `${'z'.repeat(10)}\nnext\n`])
    expect((await read(input, { maxLineBytes: 16 })).map(describeItem)).toEqual([
      'tweet: short',
      'rejected: stdin line 2 is 30 bytes, more than the 16-byte line limit',
      'tweet: next',
    ])
  })

  it('applies the default line limit of 1 MiB, a JSON line of a long tweet included', async () => {
    expect(MAX_SOURCE_LINE_BYTES).toBe(1024 * 1024)
    const longText = 'é'.repeat(DEFAULT_MAX_TEXT_BYTES / 2)
    // Written the way Python's json.dumps does by default: every é as \u00e9, three times its size.
    const json = JSON.stringify({ id: 'j', text: longText, lang: 'fr' }).replaceAll('é', '\\u00e9')
    expect(json.length).toBeGreaterThan(3 * DEFAULT_MAX_TEXT_BYTES)
    const huge = Buffer.alloc(MAX_SOURCE_LINE_BYTES + 1, 'a')
    const chunks = [Buffer.from(`${json}\n`)]
    for (let start = 0; start < huge.length; start += 64 * 1024)
      chunks.push(huge.subarray(start, start + 64 * 1024))
    chunks.push(Buffer.from('\nafter\n'))
    const items = await read(Readable.from(chunks))
    expect(items.map((item) => (isRejected(item) ? item.rejected.message : item.id))).toEqual([
      'j',
      `stdin line 2 is ${MAX_SOURCE_LINE_BYTES + 1} bytes, more than the ${MAX_SOURCE_LINE_BYTES}-byte line limit`,
      expect.any(String),
    ])
    expect(items[0]).toMatchObject({ text: longText })
    expect(items[2]).toMatchObject({ text: 'after' })
  })

  it('accepts a JSON line after a byte order mark', async () => {
    const items = await read(Readable.from([Buffer.from('\uFEFF{"id": "b", "text": "with BOM"}\n')]))
    expect(items).toEqual([expect.objectContaining({ id: 'b', text: 'with BOM' })])
  })

  it('ends when aborted while waiting for the next line, leaving the input open', async () => {
    const input = new PassThrough()
    input.write('one\n')
    const controller = new AbortController()
    const iterator = createLinesSource({ input }).read(controller.signal)[Symbol.asyncIterator]()
    expect(await iterator.next()).toMatchObject({ value: { text: 'one' } })
    const waiting = iterator.next()
    controller.abort()
    expect(await waiting).toEqual({ done: true, value: undefined })
    expect(input.destroyed).toBe(false)
  })
})
