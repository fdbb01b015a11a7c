// Engine hot-path micro-benchmark: tweets classified per second on one core with the 20-class
// 20 Newsgroups model, plus the vocabulary-lookup variants the engine chose between.
//
//   npm run build && taskset -c 1 node benchmarks/engine-micro.mjs [model.tsmodel]
//
// BENCH_SECONDS sets the seconds per line (default 3); BENCH_ONLY=classify runs the first line only,
// e.g. under `perf record -g node --perf-basic-prof ...` to see where a call's time goes.
//
// Without a model file it trains one from TOPICSTREAM_20NEWS (or ../shared/data). Tweets come from
// TOPICSTREAM_TWEETS (Sanders corpus CSV).
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { loadDataset } from '../dist/datasets/spec.js'
import { loadModel, trainClassifier } from '../dist/engine/index.js'
import { TokenSpans, scanText } from '../dist/engine/tokenizer.js'
import { SparseVectorizer } from '../dist/engine/vectorizer.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const data = (env, file) => process.env[env] ?? resolve(root, '../shared/data', file)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)

const model = process.argv[2]
  ? await loadModel(process.argv[2])
  : await (async () => {
      const news = await loadDataset(`20news:${data('TOPICSTREAM_20NEWS', '20news-bydate.tar.gz')}`)
      return trainClassifier(news.train, {}, { source: news.source, fingerprint: news.fingerprint })
    })()
const tweets = (
  await loadDataset(`csv:${data('TOPICSTREAM_TWEETS', 'tweets/sanders-full-corpus.csv')}`, {
    textColumn: 'TweetText',
    labelColumn: 'Topic',
  })
).train.texts

function measure(name, fn, texts = tweets) {
  let sink = 0
  for (let i = 0; i < texts.length * 5; i++) sink += fn(texts[i % texts.length])
  // CPU time of this process, not wall time: the figure stays meaningful on a busy machine.
  let done = 0
  const start = process.cpuUsage()
  const deadline = performance.now() + SECONDS * 1000
  while (performance.now() < deadline) {
    for (let i = 0; i < texts.length; i++) sink += fn(texts[i])
    done += texts.length
  }
  const used = process.cpuUsage(start)
  const perSecond = done / ((used.user + used.system) / 1e6)
  console.log(`${name.padEnd(44)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} tweets/s`)
  return sink
}

const state = model.state
const { params } = model.metadata
console.log(`model: ${model.classes.length} classes, ${model.terms.length} terms; ${tweets.length} tweets`)

measure('classify (top 3)', (text) => model.classify(text).confidence)
if (process.env.BENCH_ONLY === 'classify') process.exit(0)
// The same call with each tweet repeated 64 times in a row: the vocabulary slots and weight rows it
// needs stay in the CPU caches and its branches are predicted. The difference to the line above is
// what varied tweets cost the caches and the branch predictors.
const repeated = tweets.flatMap((text) => Array.from({ length: 64 }, () => text))
measure('classify (top 3), each tweet 64× in a row', (text) => model.classify(text).confidence, repeated)
measure('classify (top 1)', (text) => model.classify(text, { topK: 1 }).confidence)
measure('classify (explain)', (text) => model.classify(text, { explain: true }).confidence)
measure('predictProba', (text) => model.predictProba(text)[0])

// Vocabulary lookup alone: the engine's span hash versus Map.get(substring).
const vectorizer = new SparseVectorizer(state.index, state.idf, params)
measure('scan + lookup + tf-idf row (engine TermIndex)', (text) => vectorizer.transform(text))
const map = new Map(model.terms.map((term, id) => [term, id]))
const spans = new TokenSpans()
const stamps = new Int32Array(model.terms.length)
let generation = 0
measure('scan + lookup only, Map.get(slice)', (text) => {
  const lowered = scanText(text, spans)
  generation++
  let found = 0
  for (let k = 0; k < spans.count; k++) {
    const id = map.get(lowered.slice(spans.starts[k], spans.ends[k]))
    if (id !== undefined && stamps[id] !== generation) {
      stamps[id] = generation
      found++
    }
  }
  return found
})
measure('lowercase + scan only', (text) => {
  scanText(text, spans)
  return spans.count
})
// The same tweets after a supplementary-plane letter, which sends each to the tokenizer's general
// scan at its first unit instead of the branch-free one (the letter alone is not a token).
const general = tweets.map((text) => `\u{1d401} ${text}`)
measure(
  'lowercase + scan only, general scan',
  (text) => {
    scanText(text, spans)
    return spans.count
  },
  general,
)
