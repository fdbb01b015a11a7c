/**
 * The load tests' server harness starts `topicstream serve` and finds where it listens from the
 * server's log, which goes to stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { saveModel } from '../../src/engine/index.js'
import { trainTinyModel } from '../api/helpers.js'
// @ts-expect-error: a plain JavaScript module of the load tests, without types
import { startServer } from '../../load-tests/server.mjs'

interface StartedServer {
  readonly rest: string
  readonly grpc: string
  stop(): Promise<void>
}

const work = await mkdtemp(join(tmpdir(), 'topicstream-load-server-'))
afterAll(() => rm(work, { recursive: true, force: true }))

test('resolves with the REST and gRPC addresses once the server is up, and stops it', async () => {
  const model = join(work, 'tiny.tsmodel')
  await saveModel(trainTinyModel(), model)
  const server = (await startServer(model)) as StartedServer
  try {
    expect(server.rest).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.grpc).toMatch(/^127\.0\.0\.1:\d+$/)
    expect((await fetch(`${server.rest}/healthz`)).status).toBe(200)
    const echo = await fetch(`${server.rest}/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'benchmark routes are on' }),
    })
    expect(echo.status).toBe(200)
  } finally {
    await server.stop()
  }
}, 60_000)
