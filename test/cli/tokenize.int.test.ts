import { describe, expect, it } from 'vitest'
import { jsonLines, runCli } from './helpers.js'

describe('topicstream tokenize', () => {
  it("prints CountVectorizer's tokens, one JSON array per line", async () => {
    const input = "Hello World! l'été_2 @Apple #iPhone4S a 1\n\nCafé ΟΔΟΣ\r\nlast line without newline"
    const result = await runCli(['tokenize'], { input })
    expect(result.code).toBe(0)
    expect(
      result.stdout
        .split('\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      ['hello', 'world', 'été_2', 'apple', 'iphone4s'],
      [],
      ['café', 'οδος'],
      ['last', 'line', 'without', 'newline'],
    ])
  })

  it('adds word pairs with --ngram 1,2', async () => {
    const result = await runCli(['tokenize', '--ngram', '1,2'], { input: 'big red fox\n' })
    expect(JSON.parse(result.stdout)).toEqual(['big', 'red', 'fox', 'big red', 'red fox'])
  })

  it('answers a line that is not UTF-8 with an error in its place', async () => {
    const input = Buffer.concat([
      Buffer.from('one two\n'),
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from('three four\n'),
    ])
    const result = await runCli(['tokenize'], { input })
    expect(result.code).toBe(0)
    expect(jsonLines(result.stdout)).toEqual([
      ['one', 'two'],
      { error: { code: 'ERR_TEXT_NOT_UTF8', message: 'line 2 is not valid UTF-8' } },
      ['three', 'four'],
    ])
  })
})
