import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { decodeLine } from '../../src/cli/stdin-lines.js'
import { readLineBatches } from '../../src/line-reader.js'
import type { InputLine } from '../../src/line-reader.js'

async function lines(chunks: readonly (string | Buffer)[], max = 1024): Promise<InputLine[]> {
  const out: InputLine[] = []
  const input = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)))
  for await (const batch of readLineBatches(input, max)) out.push(...batch)
  return out
}

const text = (line: InputLine) => line.bytes?.toString('utf8')

describe('readLineBatches', () => {
  it('joins lines split across chunks and drops \\r\\n', async () => {
    const result = await lines(['ab', 'c\r\nde', 'f\n\ngh', 'i'])
    expect(result.map(text)).toEqual(['abc', 'def', '', 'ghi'])
    expect(result.map((l) => l.number)).toEqual([1, 2, 3, 4])
  })

  it('does not invent a line after a final newline', async () => {
    expect((await lines(['a\n', 'b\n'])).map(text)).toEqual(['a', 'b'])
    expect(await lines([])).toEqual([])
  })

  it('reports a line over the limit by size only, even across chunks', async () => {
    const result = await lines(['ok\n12345', '67890', '12\nnext\n'], 10)
    expect(result.map((l) => [l.number, text(l), l.size])).toEqual([
      [1, 'ok', 2],
      [2, undefined, 12],
      [3, 'next', 4],
    ])
    expect(decodeLine(result[1] as InputLine)).toMatchObject({ code: 'ERR_TEXT_TOO_LARGE' })
  })

  it('keeps a multi-byte character split between chunks intact', async () => {
    const euro = Buffer.from('€')
    const result = await lines([
      Buffer.concat([Buffer.from('x'), euro.subarray(0, 1)]),
      euro.subarray(1),
      '\n',
    ])
    expect(decodeLine(result[0] as InputLine)).toBe('x€')
  })

  it('rejects invalid UTF-8 and keeps a BOM like Python does', () => {
    const bad = { number: 4, bytes: Buffer.from([0xe2, 0x82]), size: 2 }
    expect(decodeLine(bad)).toMatchObject({ code: 'ERR_TEXT_NOT_UTF8', message: 'line 4 is not valid UTF-8' })
    const bom = { number: 1, bytes: Buffer.from('\uFEFFa'), size: 4 }
    expect(decodeLine(bom)).toBe('\uFEFFa')
  })
})
