/**
 * gRPC load: `unary` keeps `--concurrency` Classify calls in flight over `--channels` connections;
 * `stream` pushes tweets through ONE ClassifyStream with `--window` messages in flight. `--target
 * echo` uses the benchmark Echo service instead (server started with benchmark routes).
 * Prints calls (messages)/s and latency p50/p99. Needs `npm run build` (uses dist/).
 *
 *   node load-tests/grpc.mjs --address 127.0.0.1:50051 [--scenario unary|stream] [--target classify|echo]
 *                            [--concurrency 100] [--channels 4] [--window 256] [--duration 10] [--api-key KEY]
 */
import { Metadata, credentials } from '@grpc/grpc-js'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { EchoClient } from '../dist/api/grpc/generated/topicstream/bench/v1/echo.js'
import { ClassifierClient } from '../dist/api/grpc/generated/topicstream/v1/classifier.js'
import { loadTweets, parseFlags, percentile, tweetsPath } from './tweets.mjs'

function makeClients(address, target, count) {
  const Client = target === 'echo' ? EchoClient : ClassifierClient
  // A local subchannel pool per client gives each its own HTTP/2 connection.
  return Array.from(
    { length: count },
    () => new Client(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
  )
}

function metadataFor(apiKey) {
  const metadata = new Metadata()
  if (apiKey) metadata.set('authorization', `Bearer ${apiKey}`)
  return metadata
}

export async function runGrpc(options) {
  const { address, scenario = 'unary', target = 'classify', duration = 10 } = options
  const tweets = options.tweets ?? (await loadTweets(tweetsPath(options.tweetsPath)))
  const texts = tweets.map((tweet) => tweet.text)
  return scenario === 'stream'
    ? runStream({ ...options, address, target, duration, texts })
    : runUnary({ ...options, address, target, duration, texts })
}

async function runUnary({ address, target, duration, texts, concurrency = 100, channels = 4, apiKey }) {
  const clients = makeClients(address, target, channels)
  const metadata = metadataFor(apiKey)
  const latencies = []
  let errors = 0
  let next = 0
  const deadline = performance.now() + duration * 1000
  const method = target === 'echo' ? 'echo' : 'classify'
  const worker = async (w) => {
    const client = clients[w % clients.length]
    while (performance.now() < deadline) {
      const text = texts[next++ % texts.length]
      const start = performance.now()
      await new Promise((resolve) =>
        client[method]({ text, explain: false, model: '' }, metadata, (error) => {
          if (error) errors++
          else latencies.push(performance.now() - start)
          resolve()
        }),
      )
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)))
  const seconds = (performance.now() - started) / 1000
  for (const client of clients) client.close()
  return summary('unary', target, latencies, errors, seconds, { concurrency, channels })
}

async function runStream({ address, target, duration, texts, window = 256, apiKey }) {
  const [client] = makeClients(address, target, 1)
  const call =
    target === 'echo' ? client.echoStream(metadataFor(apiKey)) : client.classifyStream(metadataFor(apiKey))
  const sentAt = new Map()
  const latencies = []
  let errors = 0
  let sent = 0
  const deadline = performance.now() + duration * 1000
  const started = performance.now()
  await new Promise((resolve, reject) => {
    const send = () => {
      while (sent - latencies.length - errors < window && performance.now() < deadline) {
        const id = String(sent)
        sentAt.set(id, performance.now())
        call.write({ id, text: texts[sent % texts.length], explain: false, model: '' })
        sent++
      }
      if (performance.now() >= deadline && sentAt.size === 0) call.end()
    }
    call.on('data', (response) => {
      const at = sentAt.get(response.id)
      sentAt.delete(response.id)
      if (response.error) errors++
      else latencies.push(performance.now() - at)
      send()
    })
    call.on('end', resolve)
    call.on('error', reject)
    send()
  })
  const seconds = (performance.now() - started) / 1000
  client.close()
  return summary('stream', target, latencies, errors, seconds, { window })
}

function summary(scenario, target, latencies, errors, seconds, extra) {
  const sorted = Float64Array.from(latencies).sort()
  const rate = latencies.length / seconds
  return {
    transport: 'grpc',
    scenario,
    method: target,
    ...extra,
    durationSeconds: seconds,
    requests: latencies.length,
    errors,
    requestsPerSecond: rate,
    textsPerSecond: rate,
    latencyMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) },
  }
}

function round(value) {
  return Math.round(value * 1000) / 1000
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flags = parseFlags(process.argv.slice(2))
  const { formatResult } = await import('./rest.mjs')
  const result = await runGrpc({
    address: flags.address ?? '127.0.0.1:50051',
    scenario: flags.scenario,
    target: flags.target,
    duration: Number(flags.duration ?? 10),
    concurrency: Number(flags.concurrency ?? 100),
    channels: Number(flags.channels ?? 4),
    window: Number(flags.window ?? 256),
    apiKey: flags['api-key'],
    tweetsPath: flags.tweets,
  })
  console.log(formatResult(result))
  if (flags.json) console.log(JSON.stringify(result))
}
