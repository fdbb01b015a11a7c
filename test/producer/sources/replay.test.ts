import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createReplaySource } from '../../../src/producer/sources/replay.js'
import { isRejected } from '../../../src/producer/sources/types.js'
import type { SourceItem, TweetRecord, TweetSource } from '../../../src/producer/sources/types.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topicstream-replay-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function collect(source: TweetSource, limit = Infinity): Promise<SourceItem[]> {
  const items: SourceItem[] = []
  const controller = new AbortController()
  for await (const item of source.read(controller.signal)) {
    items.push(item)
    if (items.length >= limit) controller.abort()
  }
  return items
}

const SANDERS = [
  '"Topic","Sentiment","TweetId","TweetDate","TweetText"',
  '"apple","positive","126415614616154112","Tue Oct 18 21:53:25 +0000 2011","Now all @Apple has to do is get swype, ""really"""',
  '"google","neutral","126415614616154113","Tue Oct 18 22:00:00 +0000 2011","two',
  'lines"',
  '"microsoft","negative","126415614616154114","not a date","bad date"',
  '"twitter","neutral","126415614616154115","Tue Oct 18 22:01:00 +0000 2011",""',
  '"twitter","neutral","126415614616154116"',
  '"apple","irrelevant","126415614616154117","Wed Oct 19 08:00:00 +0000 2011","last one"',
].join('\n')

describe('replay source, CSV', () => {
  it('reads the Sanders layout and reports each bad row with its line', async () => {
    const path = join(dir, 'sanders.csv')
    await writeFile(path, `${SANDERS}\n`)
    const items = await collect(await createReplaySource({ path }))
    const tweets = items.filter((item): item is TweetRecord => !isRejected(item))
    const rejected = items.filter(isRejected).map((item) => item.rejected)

    expect(tweets).toEqual([
      {
        id: '126415614616154112',
        text: 'Now all @Apple has to do is get swype, "really"',
        created_at: '2011-10-18T21:53:25.000Z',
        author_id: null,
        lang: null,
        source: 'replay',
        label: 'apple',
      },
      expect.objectContaining({ id: '126415614616154113', text: 'two\nlines', label: 'google' }),
      expect.objectContaining({ id: '126415614616154117', text: 'last one', label: 'apple' }),
    ])
    expect(rejected).toHaveLength(3)
    expect(rejected.every((error) => error.code === 'ERR_SOURCE_INVALID')).toBe(true)
    expect(rejected.map((error) => error.message).join('\n')).toMatch(/unreadable date "not a date"/)
    expect(rejected.map((error) => error.message).join('\n')).toMatch(/has no text/)
    expect(rejected.map((error) => error.message).join('\n')).toMatch(/not valid CSV/)
  })

  it('loops over the file until stopped', async () => {
    const path = join(dir, 'small.csv')
    await writeFile(path, 'id,text,label\n1,first,a\n2,second,b\n')
    const items = await collect(await createReplaySource({ path, loop: true }), 5)
    expect(items.map((item) => (isRejected(item) ? 'rejected' : item.text))).toEqual([
      'first',
      'second',
      'first',
      'second',
      'first',
    ])
  })

  it('stops looping over a file without one good row', async () => {
    const path = join(dir, 'all-bad.csv')
    await writeFile(path, 'id,text\n1,\n2,\n')
    const items = await collect(await createReplaySource({ path, loop: true }))
    expect(items).toHaveLength(2)
    expect(items.every(isRejected)).toBe(true)
  })
})

describe('replay source, JSON Lines', () => {
  it('accepts bare and X API v2 wrapped tweets and rejects the rest', async () => {
    const path = join(dir, 'tweets.jsonl')
    await writeFile(
      path,
      [
        JSON.stringify({
          id: '10',
          text: 'plain',
          lang: 'en',
          author_id: '99',
          created_at: '2024-01-02T03:04:05Z',
        }),
        JSON.stringify({ data: { id: '11', text: 'wrapped', lang: 'fr' }, matching_rules: [] }),
        '',
        '{"id": "12", "text": ',
        '[1, 2]',
        JSON.stringify({ id: '13' }),
        JSON.stringify({ text: 'no id', label: 'sci.med' }),
      ].join('\n'),
    )
    const items = await collect(await createReplaySource({ path }))
    expect(items).toHaveLength(6)
    expect(items[0]).toEqual({
      id: '10',
      text: 'plain',
      created_at: '2024-01-02T03:04:05.000Z',
      author_id: '99',
      lang: 'en',
      source: 'replay',
    })
    expect(items[1]).toMatchObject({ id: '11', text: 'wrapped', lang: 'fr' })
    expect(items.slice(2, 5).map((item) => isRejected(item) && item.rejected.message)).toEqual([
      `${path} line 4 is not valid JSON`,
      `${path} line 5 is not a JSON object`,
      `${path} line 6 has no text`,
    ])
    const last = items[5] as TweetRecord
    expect(last).toMatchObject({ text: 'no id', label: 'sci.med' })
    expect(last.id).toMatch(/^\d+$/)
  })

  it('fails up front for a missing file', async () => {
    await expect(createReplaySource({ path: join(dir, 'missing.jsonl') })).rejects.toMatchObject({
      code: 'ERR_SOURCE_INVALID',
    })
  })
})

const outcome = (item: SourceItem): string =>
  isRejected(item) ? `rejected: ${item.rejected.message}` : `${item.id}: ${item.text}`

describe('replay source, line rules', () => {
  const bytes = (...parts: (string | number[])[]): Buffer =>
    Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))))

  it('JSON Lines: rejects a line that is not valid UTF-8 and reads the next one', async () => {
    const path = join(dir, 'bad-bytes.jsonl')
    await writeFile(
      path,
      bytes(
        '\uFEFF{"id": "1", "text": "first"}\n{"id": "2", "text": "caf',
        [0xe9],
        '"}\n{"id": "3", "text": "third"}\n',
      ),
    )
    expect((await collect(await createReplaySource({ path }))).map(outcome)).toEqual([
      '1: first',
      `rejected: ${path} line 2 is not valid UTF-8`,
      '3: third',
    ])
  })

  it('JSON Lines: rejects a line over the limit and reads the next one', async () => {
    const path = join(dir, 'long-line.jsonl')
    const long = JSON.stringify({ id: '2', text: 'x'.repeat(200_000) })
    await writeFile(path, `{"id": "1", "text": "first"}\n${long}\n{"id": "3", "text": "third"}`)
    const items = await collect(await createReplaySource({ path, maxLineBytes: 100_000 }))
    expect(items.map(outcome)).toEqual([
      '1: first',
      `rejected: ${path} line 2 is ${long.length} bytes, more than the 100000-byte line limit`,
      '3: third',
    ])
    expect((items[1] as { rejected: { code: string } }).rejected.code).toBe('ERR_SOURCE_INVALID')
  })

  it('CSV: rejects a row that is not valid UTF-8 or over the limit, and reads the rows after it', async () => {
    const path = join(dir, 'bad-rows.csv')
    await writeFile(
      path,
      bytes(
        '\uFEFFid,text,created_at\r\n',
        '1,first,\r\n',
        '2,caf',
        [0xe9],
        ',\r\n',
        `3,"${'x'.repeat(300)}",\r\n`,
        '4,bad date,yesterday-ish\r\n',
        '5,"two\r\nlines",\r\n',
        '6,last,\r\n',
      ),
    )
    const items = await collect(await createReplaySource({ path, maxLineBytes: 100 }))
    expect(items.map(outcome)).toEqual([
      '1: first',
      `rejected: ${path} line 3 is not valid UTF-8`,
      `rejected: ${path} line 4 is 306 bytes, more than the 100-byte line limit`,
      `rejected: ${path} line 5 has an unreadable date "yesterday-ish"`,
      '5: two\r\nlines',
      '6: last',
    ])
  })

  it('CSV: a quoted record spanning a rejected line is reported, not sent without that line', async () => {
    const path = join(dir, 'spanning.csv')
    await writeFile(path, bytes('id,text\n1,"starts here\n', [0xff], '\nends here"\n2,next\n'))
    const messages = (await collect(await createReplaySource({ path }))).map(outcome)
    expect(messages[0]).toMatch(new RegExp(`^rejected: ${path} line 2 is not valid CSV: Quote Not Closed`))
    expect(messages[1]).toBe(`rejected: ${path} line 3 is not valid UTF-8`)
    // What followed the rejected line inside the quotes is no record either.
    expect(messages.slice(2, -1).every((message) => message.startsWith('rejected:'))).toBe(true)
    expect(messages.at(-1)).toBe('2: next')
  })

  it('CSV: a record growing past the limit over many lines ends the replay with the reason', async () => {
    const path = join(dir, 'unclosed.csv')
    await writeFile(path, `id,text\n1,ok\n2,"never closed\n${'more text\n'.repeat(50)}3,lost\n`)
    const items: SourceItem[] = []
    const reading = (async () => {
      const source = await createReplaySource({ path, maxLineBytes: 100 })
      for await (const item of source.read(new AbortController().signal)) items.push(item)
    })()
    await expect(reading).rejects.toMatchObject({
      code: 'ERR_SOURCE_INVALID',
      message: expect.stringMatching(/line \d+ is inside a CSV record longer than the 100-byte limit/),
    })
    expect(items.map(outcome)).toEqual(['1: ok'])
  })

  it('CSV: a header row that cannot be read fails the replay', async () => {
    const path = join(dir, 'bad-header.csv')
    await writeFile(path, bytes('id,t', [0xff], 'xt\n1,first\n'))
    await expect(collect(await createReplaySource({ path }))).rejects.toMatchObject({
      code: 'ERR_SOURCE_INVALID',
      message: `${path} line 1 (the header row) is not valid UTF-8; the file cannot be read`,
    })
  })
})

describe('replay source, looping', () => {
  it('keeps the ids of the file on the first pass and sends ID~N on pass N', async () => {
    for (const [name, content] of [
      ['ids.csv', 'id,text\n1,first\n2,second\n'],
      ['ids.jsonl', '{"id":"1","text":"first"}\n{"id":"2","text":"second"}\n'],
    ] as const) {
      const path = join(dir, name)
      await writeFile(path, content)
      const items = await collect(await createReplaySource({ path, loop: true }), 5)
      expect(items.map(outcome)).toEqual(['1: first', '2: second', '1~2: first', '2~2: second', '1~3: first'])
    }
  })

  it('gives rows without an id distinct ids on every pass too', async () => {
    const path = join(dir, 'no-ids.jsonl')
    await writeFile(path, '{"text":"a"}\n{"text":"b"}\n')
    const ids = (await collect(await createReplaySource({ path, loop: true }), 6)).map(
      (item) => (item as TweetRecord).id,
    )
    expect(new Set(ids).size).toBe(6)
    expect(ids.slice(2, 4).every((id) => id.endsWith('~2'))).toBe(true)
  })
})
