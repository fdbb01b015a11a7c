import { describe, expect, it } from 'vitest'
import { decodeStrictUtf8 } from '../src/utf8.js'

describe('decodeStrictUtf8', () => {
  it('decodes valid UTF-8 and refuses invalid bytes instead of replacing them', () => {
    expect(decodeStrictUtf8(Buffer.from('x€'))).toBe('x€')
    expect(decodeStrictUtf8(Buffer.from([0x61, 0xff, 0x62]))).toBeUndefined()
    // A truncated sequence at the end is invalid too.
    expect(decodeStrictUtf8(Buffer.from([0xe2, 0x82]))).toBeUndefined()
  })

  it('keeps a leading BOM like Python by default, and drops it on request', () => {
    const bom = Buffer.from('\uFEFF{"text":"a"}')
    expect(decodeStrictUtf8(bom)).toBe('\uFEFF{"text":"a"}')
    expect(decodeStrictUtf8(bom, { bom: 'drop' })).toBe('{"text":"a"}')
  })
})
