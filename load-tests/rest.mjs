/**
 * REST load with autocannon: one tweet per request (`single`) or 100 per request (`batch`),
 * tweets rotating through the corpus. Prints requests/s, texts/s and latency p50/p99.
 *
 *   node load-tests/rest.mjs --url http://127.0.0.1:8080 [--scenario single|batch] [--path /v1/classify]
 *                            [--connections 100] [--duration 10] [--batch-size 100] [--api-key KEY]
 */
import autocannon from 'autocannon'
import { pathToFileURL } from 'node:url'
import { loadTweets, parseFlags, tweetsPath } from './tweets.mjs'

export async function runRest(options) {
  const {
    url,
    scenario = 'single',
    path = '/v1/classify',
    connections = 100,
    duration = 10,
    batchSize = 100,
  } = options
  const tweets = options.tweets ?? (await loadTweets(tweetsPath(options.tweetsPath)))
  const texts = tweets.map((tweet) => tweet.text)
  // Pre-serialised bodies: the load generator shares the machine, so it must stay cheap.
  const bodies =
    scenario === 'batch'
      ? Array.from({ length: 64 }, (_, i) =>
          JSON.stringify({
            texts: Array.from({ length: batchSize }, (_, j) => texts[(i * batchSize + j) % texts.length]),
          }),
        )
      : texts.map((text) => JSON.stringify({ text }))
  let next = 0
  const headers = { 'content-type': 'application/json' }
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`
  const result = await autocannon({
    url: `${url}${scenario === 'batch' ? `${path}/batch` : path}`,
    method: 'POST',
    connections,
    duration,
    headers,
    requests: [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }],
  })
  const perRequest = scenario === 'batch' ? batchSize : 1
  return {
    transport: 'rest',
    scenario,
    path,
    connections,
    durationSeconds: duration,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requestsPerSecond: result.requests.average,
    textsPerSecond: result.requests.average * perRequest,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
  }
}

export function formatResult(r) {
  return (
    `${r.transport} ${r.scenario} ${r.path ?? r.method}: ${Math.round(r.requestsPerSecond)} req/s, ` +
    `${Math.round(r.textsPerSecond)} texts/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms` +
    `${r.non2xx || r.errors ? ` (non-2xx ${r.non2xx ?? 0}, errors ${r.errors})` : ''}`
  )
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flags = parseFlags(process.argv.slice(2))
  const result = await runRest({
    url: flags.url ?? 'http://127.0.0.1:8080',
    scenario: flags.scenario,
    path: flags.path,
    connections: Number(flags.connections ?? 100),
    duration: Number(flags.duration ?? 10),
    batchSize: Number(flags['batch-size'] ?? 100),
    apiKey: flags['api-key'],
    tweetsPath: flags.tweets,
  })
  console.log(formatResult(result))
  if (flags.json) console.log(JSON.stringify(result))
}
