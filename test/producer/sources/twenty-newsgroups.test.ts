import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { pack } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTwentyNewsgroupsSource,
  tweetSizedPost,
} from '../../../src/producer/sources/twenty-newsgroups.js'
import type { SourceItem, TweetRecord } from '../../../src/producer/sources/types.js'

function post(subject: string, body: string): string {
  return `From: someone@example.com\nSubject: ${subject}\nOrganization: Example\nLines: 3\n\n${body}\n`
}

const TEST_POSTS: Record<string, string[]> = {
  'sci.med': [
    post('Re: Re: migraine and diet', 'Does diet affect migraine?\n> quoted text\nThanks.'),
    post('vitamin C', 'Is it useful?'),
  ],
  'rec.autos': [post('clutch chatter', 'In article <1@x> joe writes:\n> old\nMy clutch chatters.\n-- \nsig')],
}

let dir: string
let archive: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topicstream-20news-'))
  archive = join(dir, '20news-bydate.tar.gz')
  const tar = pack()
  const writing = pipeline(tar, createGzip(), createWriteStream(archive))
  let n = 100
  for (const split of ['20news-bydate-train', '20news-bydate-test']) {
    for (const [group, posts] of Object.entries(TEST_POSTS)) {
      for (const text of posts) tar.entry({ name: `${split}/${group}/${n++}` }, text)
    }
  }
  tar.finalize()
  await writing
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function collect(limit: number, loop = false): Promise<TweetRecord[]> {
  const source = await createTwentyNewsgroupsSource({ path: archive, loop })
  const controller = new AbortController()
  const items: SourceItem[] = []
  for await (const item of source.read(controller.signal)) {
    items.push(item)
    if (items.length >= limit) controller.abort()
  }
  return items as TweetRecord[]
}

describe('tweetSizedPost', () => {
  it('keeps the subject and the own body lines, without quotes, attributions or signatures', () => {
    expect(
      tweetSizedPost(post('Re: Re: migraine and diet', 'Does diet affect migraine?\n> quoted\nThanks.')),
    ).toBe('migraine and diet Does diet affect migraine? Thanks.')
    expect(
      tweetSizedPost(post('clutch', 'In article <1@x> joe writes:\nMy clutch chatters.\n-- \nsig')),
    ).toBe('clutch My clutch chatters. sig')
  })

  it('cuts long posts to at most 280 characters at a word boundary', () => {
    const text = tweetSizedPost(post('long', 'word '.repeat(200)))
    expect([...text].length).toBeLessThanOrEqual(280)
    expect(text.endsWith('word…')).toBe(true)
  })
})

describe('20news-test source', () => {
  it('streams every test post once, labelled with its newsgroup, in a seeded order', async () => {
    const tweets = await collect(Infinity)
    expect(tweets).toHaveLength(3)
    expect(tweets.map((tweet) => `${tweet.label}: ${tweet.text}`).sort()).toEqual([
      'rec.autos: clutch chatter My clutch chatters. sig',
      'sci.med: migraine and diet Does diet affect migraine? Thanks.',
      'sci.med: vitamin C Is it useful?',
    ])
    expect(new Set(tweets.map((tweet) => tweet.id)).size).toBe(3)
    expect(tweets.every((tweet) => tweet.source === '20news-test')).toBe(true)
    expect((await collect(Infinity)).map((tweet) => tweet.id)).toEqual(tweets.map((tweet) => tweet.id))
  })

  it('starts over when looping, with the pass number on the ids of later passes', async () => {
    const tweets = await collect(7, true)
    expect(tweets).toHaveLength(7)
    const first = tweets.slice(0, 3)
    expect(first.every((tweet) => /^20news-test-\d+$/.test(tweet.id))).toBe(true)
    expect(tweets.slice(3, 6).map((tweet) => tweet.id)).toEqual(first.map((tweet) => `${tweet.id}~2`))
    expect(tweets.slice(3, 6).map((tweet) => tweet.text)).toEqual(first.map((tweet) => tweet.text))
    expect(tweets[6]?.id).toBe(`${first[0]?.id}~3`)
  })
})
