import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createReplaySource } from '../../../src/bridge/sources/replay.js'
import { isRejected } from '../../../src/bridge/sources/types.js'
import type { SourceItem, TweetRecord, TweetSource } from '../../../src/bridge/sources/types.js'

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
