import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLinesSource } from '../../../src/bridge/sources/lines.js'
import { isRejected } from '../../../src/bridge/sources/types.js'
import type { SourceItem } from '../../../src/bridge/sources/types.js'

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
