/**
 * The X API source against a local server that speaks the filtered-stream protocol: rules
 * endpoints, and a chunked stream with \r\n keep-alives, a malformed line and a disconnect.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createTwitterSource, ruleForKeyword } from '../../../src/producer/sources/twitter.js'
import { isRejected } from '../../../src/producer/sources/types.js'
import type { SourceItem, TweetRecord } from '../../../src/producer/sources/types.js'

const TOKEN = 'test-bearer-token-1234'

interface Rule {
  id: string
  value: string
  tag?: string
}

interface MockX {
  url: string
  rules: Rule[]
  deletedIds: string[]
  connections: number
  close(): Promise<void>
}

function tweet(id: string): string {
  return JSON.stringify({
    data: { id, text: `tweet ${id}`, created_at: '2024-05-01T10:00:00.000Z', author_id: 'a1', lang: 'en' },
    matching_rules: [{ id: 'r', tag: 'topicstream:Apple' }],
  })
}

async function startMockX(): Promise<MockX> {
  const state = { rules: [] as Rule[], deletedIds: [] as string[], connections: 0, nextId: 100 }
  const open = new Set<ServerResponse>()
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }),
      )
      return
    }
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname === '/2/tweets/search/stream/rules' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify(state.rules.length ? { data: state.rules, meta: {} } : { meta: { result_count: 0 } }),
      )
      return
    }
    if (url.pathname === '/2/tweets/search/stream/rules' && req.method === 'POST') {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => {
        const request = JSON.parse(body) as {
          add?: Array<{ value: string; tag?: string }>
          delete?: { ids: string[] }
        }
        for (const rule of request.add ?? []) state.rules.push({ id: String(state.nextId++), ...rule })
        const ids = request.delete?.ids ?? []
        state.deletedIds.push(...ids)
        state.rules = state.rules.filter((rule) => !ids.includes(rule.id))
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ meta: { summary: {} } }))
      })
      return
    }
    if (url.pathname === '/2/tweets/search/stream' && req.method === 'GET') {
      state.connections++
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
      open.add(res)
      res.on('close', () => open.delete(res))
      if (state.connections === 1) {
        res.write('\r\n')
        res.write(`${tweet('1')}\r\n`)
        res.write('this is not json\r\n')
        res.write(`${tweet('2')}\r\n`)
        // A mid-stream disconnect, as X does on operational restarts.
        setTimeout(() => res.socket?.destroy(), 50)
      } else {
        res.write('\r\n')
        // Split across chunks on purpose: the client must reassemble lines.
        const third = `${tweet('3')}\r\n`
        res.write(third.slice(0, 20))
        setTimeout(() => {
          res.write(third.slice(20))
          res.write(`${tweet('4')}\r\n`)
          res.write('\r\n')
        }, 20)
      }
      return
    }
    res.writeHead(404)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/2/`,
    get rules() {
      return state.rules
    },
    set rules(rules: Rule[]) {
      state.rules = rules
    },
    get deletedIds() {
      return state.deletedIds
    },
    get connections() {
      return state.connections
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy()
        server.close(() => resolve())
      }),
  }
}

let mock: MockX | undefined
afterEach(async () => {
  await mock?.close()
  mock = undefined
})

describe('twitter source', () => {
  it('synchronises the rules, streams tweets across a disconnect and reports malformed lines', async () => {
    mock = await startMockX()
    mock.rules = [
      { id: '1', value: 'stale -is:retweet', tag: 'topicstream:stale' },
      { id: '2', value: ruleForKeyword('Apple').value, tag: ruleForKeyword('Apple').tag },
      { id: '3', value: 'from:someone', tag: 'another-app-rule' },
    ]
    const notices: string[] = []
    const source = createTwitterSource({
      bearerToken: TOKEN,
      keywords: ['Apple', 'Harley Davidson'],
      apiUrl: mock.url,
      backoffMs: 10,
      onNotice: (message) => notices.push(message),
    })
    const controller = new AbortController()
    const items: SourceItem[] = []
    for await (const item of source.read(controller.signal)) {
      items.push(item)
      if (items.filter((entry) => !isRejected(entry)).length === 4) controller.abort()
    }

    expect(mock.deletedIds).toEqual(['1'])
    expect(mock.rules.map((rule) => rule.value).sort()).toEqual([
      '"Harley Davidson" -is:retweet',
      'Apple -is:retweet',
      'from:someone',
    ])
    expect(mock.rules.find((rule) => rule.value.startsWith('"Harley'))?.tag).toBe(
      'topicstream:Harley Davidson',
    )

    const tweets = items.filter((item): item is TweetRecord => !isRejected(item))
    expect(tweets.map((item) => item.id)).toEqual(['1', '2', '3', '4'])
    expect(tweets[0]).toEqual({
      id: '1',
      text: 'tweet 1',
      created_at: '2024-05-01T10:00:00.000Z',
      author_id: 'a1',
      lang: 'en',
      source: 'twitter',
    })
    const rejected = items.filter(isRejected)
    expect(rejected).toHaveLength(1)
    expect(rejected[0]?.rejected.code).toBe('ERR_SOURCE_INVALID')
    expect(mock.connections).toBe(2)
    expect(notices.join('\n')).toMatch(/reconnected/)
  })

  it('fails with ERR_TWITTER_AUTH on a rejected token, without revealing it', async () => {
    mock = await startMockX()
    const source = createTwitterSource({ bearerToken: 'wrong-secret-token', apiUrl: mock.url })
    let caught: unknown
    try {
      for await (const item of source.read(new AbortController().signal)) void item
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'ERR_TWITTER_AUTH', details: { status: 401 } })
    expect(JSON.stringify(caught)).not.toContain('wrong-secret-token')
    expect(String((caught as Error).message)).not.toContain('wrong-secret-token')
    expect((caught as Error).cause).toBeUndefined()
  })
})
