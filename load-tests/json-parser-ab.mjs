/**
 * What the REST JSON parser costs: the same API, the same model and the same tweets, served three
 * times in one process: twice with topicstream's parser (UTF-8 checked on the bytes, large bodies
 * parsed off the event loop) and once with Fastify's stock JSON parser. The REST load test
 * (rest.mjs: autocannon, every tweet of the corpus in turn) loads each for a few seconds in turn,
 * the order rotated every round. The two identical servers are the control: their ratio is the
 * run-to-run spread the parser's ratio is judged against. Also times the parser's extra work
 * alone (copy, UTF-8 check, decode against decode) on every tweet body.
 *
 *   npm run build && node load-tests/json-parser-ab.mjs [--model FILE] [--rounds 6] [--duration 4]
 *
 * Without --model it trains the 20 Newsgroups model (TOPICSTREAM_20NEWS or ../shared/data).
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { buildApp } from '../dist/api/app.js'
import { loadDataset } from '../dist/datasets/spec.js'
import { ModelRegistry } from '../dist/engine/model-registry.js'
import { loadModel, trainClassifier } from '../dist/engine/index.js'
import { runRest } from './rest.mjs'
import { REPO_ROOT, loadTweets, parseFlags, tweetsPath } from './tweets.mjs'

const flags = parseFlags(process.argv.slice(2))
const rounds = Number(flags.rounds ?? 6)
const duration = Number(flags.duration ?? 4)
const model = flags.model
  ? await loadModel(flags.model)
  : await (async () => {
      const archive =
        process.env.TOPICSTREAM_20NEWS ?? resolve(REPO_ROOT, '../shared/data/20news-bydate.tar.gz')
      const news = await loadDataset(`20news:${archive}`)
      return trainClassifier(news.train, {}, { source: news.source, fingerprint: news.fingerprint })
    })()
const tweets = await loadTweets(tweetsPath())

async function serve(stockParser) {
  const app = await buildApp({ registry: new ModelRegistry([{ name: 'm', model }]), logger: false })
  if (stockParser) {
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string' },
      app.getDefaultJsonParser('error', 'error'),
    )
  }
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}

/** Nanoseconds per body of `work` over every tweet body, best of five passes. */
function nsPerBody(bodies, work) {
  let best = Infinity
  for (let pass = 0; pass < 5; pass++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < 20; i++) for (const body of bodies) work(body)
    best = Math.min(best, Number(process.hrtime.bigint() - start) / (20 * bodies.length))
  }
  return best
}

const bodies = tweets.map(({ text }) => Buffer.from(JSON.stringify({ text })))
let sink = 0
// Fastify's buffer path copies the chunk; the stock string path decodes it in place.
const checked = nsPerBody(bodies, (body) => {
  const bytes = Buffer.concat([body], body.length)
  if (isUtf8(bytes)) sink += bytes.toString('utf8').length
})
const decoded = nsPerBody(bodies, (body) => {
  sink += body.toString('utf8').length
})
if (sink === 0) throw new Error('nothing decoded')

const servers = {
  topicstream: await serve(false),
  control: await serve(false),
  stock: await serve(true),
}
const load = (app) =>
  runRest({ url: `http://127.0.0.1:${app.server.address().port}`, connections: 50, duration, tweets })

console.log(`load average at start: ${loadavg()[0].toFixed(2)}`)
console.log(
  '| round | topicstream req/s · p99 ms | control req/s · p99 ms | stock req/s · p99 ms | ÷ stock req/s · p99 | ÷ control req/s · p99 |',
)
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |')
const names = Object.keys(servers)
const ratios = { stock: [], control: [] }
const stockRates = []
const cell = (r) => `${Math.round(r.requestsPerSecond)} · ${r.latencyMs.p99}`
for (let round = 1; round <= rounds; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length])
  const result = {}
  for (const name of order) result[name] = await load(servers[name])
  stockRates.push(result.stock.requestsPerSecond)
  const row = []
  for (const other of ['stock', 'control']) {
    const rate = result.topicstream.requestsPerSecond / result[other].requestsPerSecond
    const p99 = result.topicstream.latencyMs.p99 / result[other].latencyMs.p99
    ratios[other].push([rate, p99])
    row.push(`${rate.toFixed(2)} · ${p99.toFixed(2)}`)
  }
  console.log(
    `| ${round} | ${cell(result.topicstream)} | ${cell(result.control)} | ${cell(result.stock)} | ${row.join(' | ')} |`,
  )
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const range = (values) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`
for (const other of ['stock', 'control']) {
  const rates = ratios[other].map(([r]) => r)
  console.log(
    `topicstream ÷ ${other}: median req/s ratio ${median(rates).toFixed(2)} (rounds ${range(rates)}), median p99 ratio ${median(ratios[other].map(([, p]) => p)).toFixed(2)}`,
  )
}
// One process runs servers and load generator, so 1 / (req/s) is all the CPU one request takes.
const requestNs = 1e9 / median(stockRates)
const extra = checked - decoded
console.log(
  `parser's extra work per tweet body: ${extra.toFixed(0)} ns (copy + check + decode ${checked.toFixed(0)} ns, decode alone ${decoded.toFixed(0)} ns), ${((100 * extra) / requestNs).toFixed(2)}% of a request's ${(requestNs / 1000).toFixed(0)} µs; load average at end: ${loadavg()[0].toFixed(2)}`,
)
await Promise.all(Object.values(servers).map((app) => app.close()))
