/**
 * What the REST JSON parser costs: the same API, the same model and the same tweets, served twice
 * in one process, once with topicstream's parser (UTF-8 checked on the bytes, large bodies parsed
 * off the event loop) and once with Fastify's stock JSON parser. The REST load test (rest.mjs:
 * autocannon, every tweet of the corpus in turn) loads each for a few seconds in turn, the order
 * swapped every round; prints each round's requests/s and p99 and the ratios.
 *
 *   npm run build && node load-tests/json-parser-ab.mjs [--model FILE] [--rounds 6] [--duration 4]
 *
 * Without --model it trains the 20 Newsgroups model (TOPICSTREAM_20NEWS or ../shared/data).
 */
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

const servers = { topicstream: await serve(false), stock: await serve(true) }
const load = (app) =>
  runRest({ url: `http://127.0.0.1:${app.server.address().port}`, connections: 50, duration, tweets })

console.log(`load average at start: ${loadavg()[0].toFixed(2)}`)
console.log('| round | topicstream req/s · p99 ms | stock req/s · p99 ms | req/s ratio | p99 ratio |')
console.log('| ---: | ---: | ---: | ---: | ---: |')
const ratios = []
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 ? ['topicstream', 'stock'] : ['stock', 'topicstream']
  const result = {}
  for (const name of order) result[name] = await load(servers[name])
  const [ours, stock] = [result.topicstream, result.stock]
  const rate = ours.requestsPerSecond / stock.requestsPerSecond
  const p99 = ours.latencyMs.p99 / stock.latencyMs.p99
  ratios.push([rate, p99])
  console.log(
    `| ${round} | ${Math.round(ours.requestsPerSecond)} · ${ours.latencyMs.p99} | ${Math.round(stock.requestsPerSecond)} · ${stock.latencyMs.p99} | ${rate.toFixed(2)} | ${p99.toFixed(2)} |`,
  )
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
console.log(
  `median req/s ratio ${median(ratios.map(([r]) => r)).toFixed(2)}, median p99 ratio ${median(ratios.map(([, p]) => p)).toFixed(2)}; load average at end: ${loadavg()[0].toFixed(2)}`,
)
await Promise.all(Object.values(servers).map((app) => app.close()))
