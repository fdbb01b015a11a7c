/**
 * REST batches are classified in slices that yield to the event loop, so maximal batches neither
 * starve other requests nor change what a batch answers.
 */
import { Agent, request as httpRequest } from 'node:http'
import { afterAll, describe, expect, test } from 'vitest'
import { SliceScheduler, classifyBatch, createClassify } from '../../src/api/classify-service.js'
import { resolveApiConfig } from '../../src/api/api-config.js'
import { createMetrics } from '../../src/api/metrics.js'
import { type RunningServer, startServer } from '../../src/api/server.js'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { FOOD, SPORTS, TECH, tinyRegistry, trainTinyModel } from './helpers.js'

const MAX_BATCH = 1000
/** The largest texts that fit 1,000 to a batch under the default 8 MiB body limit. */
const MAXIMAL_TEXT_BYTES = 8000

const running: RunningServer[] = []
afterAll(async () => {
  await Promise.all(running.map((server) => server.close(1000)))
})

/** Deterministic pseudo-random texts of exactly `bytes` ASCII bytes, drawn from the training words. */
function makeTexts(count: number, bytes: number, seed: number): string[] {
  const words = [...SPORTS, ...TECH, ...FOOD].join(' ').split(' ')
  let state = seed
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state
  }
  return Array.from({ length: count }, (_, i) => {
    const parts: string[] = [`text${i}`]
    let length = parts[0]?.length ?? 0
    while (length < bytes) {
      const word = next() % 7 === 0 ? `w${next() % 5000}` : (words[next() % words.length] as string)
      parts.push(word)
      length += word.length + 1
    }
    return parts.join(' ').slice(0, bytes)
  })
}

interface Answer {
  readonly status: number
  readonly body: string
}

function send(url: string, agent: Agent, method: string, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      url,
      {
        method,
        agent,
        headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        )
        response.on('error', reject)
      },
    )
    call.on('error', reject)
    call.end(body)
  })
}

describe('classifyBatch', () => {
  test('answers what classifying each text alone answers, in order, whatever the slice', async () => {
    const registry = tinyRegistry()
    const config = resolveApiConfig({})
    const classify = createClassify(registry, config, createMetrics())
    const texts = [...SPORTS, ...TECH, ...FOOD, '', 'completely unrelated words']
    const entry = registry.entry()
    const alone = texts.map((text) => classify({ text, top_k: 2, explain: true }, entry))
    for (const sliceMs of [0, 0.001, 10, 1000]) {
      const scheduler = new SliceScheduler(sliceMs)
      expect(await classifyBatch(classify, entry, texts, { top_k: 2, explain: true }, scheduler)).toEqual(
        alone,
      )
    }
    expect(await classifyBatch(classify, entry, [], {})).toEqual([])
  })

  test('yields to the event loop between slices', async () => {
    const registry = tinyRegistry()
    const classify = createClassify(registry, resolveApiConfig({}), createMetrics())
    const order: string[] = []
    setImmediate(() => order.push('other work'))
    await classifyBatch(
      (request, entry) => {
        order.push(request.text)
        return classify(request, entry)
      },
      registry.entry(),
      ['a', 'b', 'c'],
      {},
      new SliceScheduler(0),
    )
    // With a budget of 0 every text is its own slice: the first runs at once, and the immediate
    // queued before the batch runs before the second.
    expect(order).toEqual(['a', 'other work', 'b', 'c'])
  })

  test('concurrent batches take turns, one slice per turn of the event loop', async () => {
    const registry = tinyRegistry()
    const classify = createClassify(registry, resolveApiConfig({}), createMetrics())
    const scheduler = new SliceScheduler(0)
    const order: string[] = []
    // An independent chain of immediates counts the event loop's turns.
    let turn = 0
    let counting = true
    const count = () => {
      turn++
      if (counting) setImmediate(count)
    }
    setImmediate(count)
    const run = (texts: string[]) =>
      classifyBatch(
        (request, entry) => {
          order.push(`${request.text}@${turn}`)
          return classify(request, entry)
        },
        registry.entry(),
        texts,
        {},
        scheduler,
      )
    const batches = Promise.all([run(['a1', 'a2', 'a3']), run(['b1', 'b2', 'b3'])])
    expect(scheduler.waiting).toBe(2)
    await batches
    counting = false
    expect(order.map((entry) => entry.split('@')[0])).toEqual(['a1', 'a2', 'b1', 'a3', 'b2', 'b3'])
    // Never two slices in one turn.
    const turns = order.map((entry) => entry.split('@')[1])
    expect(new Set(turns).size).toBe(turns.length)
    expect(scheduler.waiting).toBe(0)
  })

  test('a bad text fails the batch and names its index', async () => {
    const registry = tinyRegistry()
    const classify = createClassify(registry, resolveApiConfig({ maxTextBytes: 4 }), createMetrics())
    const batch = classifyBatch(
      classify,
      registry.entry(),
      ['ok', 'ok', 'too long', 'ok'],
      {},
      new SliceScheduler(0),
    )
    await expect(batch).rejects.toThrow(/^texts\[2\]: /)
  })
})

describe('POST /v1/classify/batch', () => {
  test('resolves its model once: a reload during a sliced batch does not mix versions', async () => {
    const models = [trainTinyModel(), trainTinyModel(['pizza pizza pizza'])]
    let loads = 0
    const registry = new ModelRegistry([{ name: 'm', path: 'm.tsmodel' }], {
      load: async () => models[loads++ % 2] as ReturnType<typeof trainTinyModel>,
    })
    await registry.loadAll()
    const server = await startServer({ registry, host: '127.0.0.1', port: 0, grpcPort: -1 })
    running.push(server)
    const before = registry.get().metadata.version
    const texts = makeTexts(MAX_BATCH, 4096, 7)
    const agent = new Agent({ keepAlive: true })
    let answered = false
    const batch = send(
      `${server.restUrl}/v1/classify/batch`,
      agent,
      'POST',
      Buffer.from(JSON.stringify({ texts })),
    ).finally(() => (answered = true))
    const classified = async () =>
      (await server.metrics.classifications.get()).values.reduce((sum, { value }) => sum + value, 0)
    // Between two slices of the batch, swap the model in.
    let classifiedAtSwap = -1
    while (!answered && classifiedAtSwap < 0) {
      await new Promise((resolve) => setImmediate(resolve))
      if ((await classified()) > 0) {
        await registry.reload('m')
        classifiedAtSwap = await classified()
      }
    }
    const answer = await batch
    agent.destroy()
    expect(classifiedAtSwap).toBeGreaterThan(0)
    expect(classifiedAtSwap).toBeLessThan(MAX_BATCH)
    expect(registry.get().metadata.version).not.toBe(before)
    const results = (JSON.parse(answer.body) as { results: { model: { version: string } }[] }).results
    expect(results).toHaveLength(MAX_BATCH)
    expect(new Set(results.map((result) => result.model.version))).toEqual(new Set([before]))
  })

  test('four maximal batches at once: /healthz keeps answering, every batch is whole and exact', async () => {
    const registry = tinyRegistry()
    const server = await startServer({
      registry,
      host: '127.0.0.1',
      port: 0,
      grpcPort: -1,
    })
    running.push(server)
    const texts = makeTexts(MAX_BATCH, MAXIMAL_TEXT_BYTES, 1)
    // Four different batches: the same texts, each rotated, so a mixed-up answer cannot pass.
    const batches = [0, 250, 500, 750].map((shift) => [...texts.slice(shift), ...texts.slice(0, shift)])
    const bodies = batches.map((batch) => Buffer.from(JSON.stringify({ texts: batch })))

    const probes = new Agent({ keepAlive: true, maxSockets: 1 })
    const uploads = new Agent({ keepAlive: false })
    let batchesDone = false
    const latencies: number[] = []
    const statuses = new Set<number>()
    const probing = (async () => {
      while (!batchesDone) {
        const start = performance.now()
        const answer = await send(`${server.restUrl}/healthz`, probes, 'GET')
        latencies.push(performance.now() - start)
        statuses.add(answer.status)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    const started = performance.now()
    const answers = await Promise.all(
      bodies.map((body) => send(`${server.restUrl}/v1/classify/batch`, uploads, 'POST', body)),
    )
    const elapsed = performance.now() - started
    batchesDone = true
    await probing
    probes.destroy()
    uploads.destroy()

    const sorted = [...latencies].sort((a, b) => a - b)
    const percentile = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
    console.log(
      `4 concurrent batches of ${MAX_BATCH} texts x ${MAXIMAL_TEXT_BYTES} bytes: ${elapsed.toFixed(0)} ms; ` +
        `/healthz probes: ${latencies.length}, median ${percentile(0.5).toFixed(1)} ms, ` +
        `p99 ${percentile(0.99).toFixed(1)} ms, worst ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`,
    )

    expect([...statuses]).toEqual([200])
    expect(latencies.length).toBeGreaterThan(0)
    const engine = registry.get()
    const model = { name: 'tiny', version: engine.metadata.version }
    const alone = new Map(texts.map((text) => [text, { ...engine.classify(text), model }]))
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200)
      const { results } = JSON.parse(answer.body) as { results: unknown[] }
      expect(results).toHaveLength(MAX_BATCH)
      expect(results).toEqual(batches[i]?.map((text) => alone.get(text)))
    })
  }, 180_000)
})
