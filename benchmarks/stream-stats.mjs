// What the stream statistics cost next to the classification they follow: ns per
// StreamStats.observe() against ns per classify() on the same tweets, in the same process, with the
// 20-class 20 Newsgroups model. The target is an observe() within about 5% of a classify().
//
//   npm run build && taskset -c 1 node benchmarks/stream-stats.mjs
//
// The lines take turns for ROUNDS rounds of BENCH_SECONDS of CPU time each (default 0.5). A ratio
// is the median of the rounds' own ratios, each round's pair measured a moment apart, which a busy
// machine disturbs less than it does the absolute figures.
//
// "classify + observe" is what a server does for each tweet: classify it, then observe a record
// made from the result; "classify" makes the same record and drops it. Side by side, each call also
// pays for what the other evicts from the CPU caches (language identification reads megabytes of
// n-grams). "observe" alone is the call by itself. Both run at two simulated arrival rates: a slow stream has a larger share of its records
// inspected (the first of every sub-bucket), which costs more per tweet but little CPU per second.
//
// The model is trained from TOPICSTREAM_20NEWS (or ../shared/data), the tweets come from
// TOPICSTREAM_TWEETS (Sanders corpus CSV).
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { loadDataset } from '../dist/datasets/spec.js'
import { tokenize, trainClassifier } from '../dist/engine/index.js'
import { dominantScript, identifyLanguage } from '../dist/engine/language.js'
import { DEFAULT_LOW_CONFIDENCE, StreamStats } from '../dist/engine/stream-stats.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const data = (env, file) => process.env[env] ?? resolve(root, '../shared/data', file)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.5)
const ROUNDS = 9
const RATES = [100_000, 1_000]

const news = await loadDataset(`20news:${data('TOPICSTREAM_20NEWS', '20news-bydate.tar.gz')}`)
const model = trainClassifier(news.train, {}, { source: news.source, fingerprint: news.fingerprint })
const tweets = (
  await loadDataset(`csv:${data('TOPICSTREAM_TWEETS', 'tweets/sanders-full-corpus.csv')}`, {
    textColumn: 'TweetText',
    labelColumn: 'Topic',
  })
).train.texts
const reference = Array.from(model.state.classCount)

// Each tweet's token counts, which the caller has from the classification.
const vocabulary = new Set(model.terms)
const tokens = new Int32Array(tweets.length)
const knownTokens = new Int32Array(tweets.length)
tweets.forEach((text, i) => {
  const words = tokenize(text)
  tokens[i] = words.length
  knownTokens[i] = words.filter((word) => vocabulary.has(word)).length
})

function recordOf(i, { top_k: top, confidence }) {
  return {
    label: top[0].label,
    confidence,
    abstained: confidence < DEFAULT_LOW_CONFIDENCE,
    tokens: tokens[i],
    knownTokens: knownTokens[i],
    text: tweets[i],
  }
}
const records = tweets.map((text, i) => recordOf(i, model.classify(text)))

/** What the measured calls return, kept so that no call can be optimised away. */
let kept = 0

/** ns of CPU time per call of `fn(i)` over the tweets, for about SECONDS of CPU time. */
function round(fn) {
  let sink = 0
  let done = 0
  const start = process.cpuUsage()
  const deadline = performance.now() + SECONDS * 1000
  while (performance.now() < deadline) {
    for (let i = 0; i < tweets.length; i++) sink += fn(i)
    done += tweets.length
  }
  const used = process.cpuUsage(start)
  kept += sink
  return ((used.user + used.system) * 1000) / done
}

const median = (values) => values.toSorted((a, b) => a - b)[values.length >> 1]
const rateName = (rate) => `${rate.toLocaleString('en-US')} tweets/s`

/** A clock that a simulated stream of `rate` tweets a second advances by one tweet per call. */
function clock(rate) {
  const step = 1000 / rate
  const time = { now: Date.now() }
  return () => (time.now += step)
}

/** classify(), then the record handed to `stats` at a simulated arrival rate. */
function classifyThenObserve(stats, rate) {
  const tick = clock(rate)
  return (i) => {
    const classification = model.classify(tweets[i])
    stats.observe(recordOf(i, classification), tick())
    return classification.confidence
  }
}

// The baseline makes the same record and hands it to a method that does nothing, so that both sides
// do the caller's share and have the same shape (V8 inlines differently into a smaller function).
const ignore = { observe: (record) => record.tokens }
const lines = { classify: classifyThenObserve(ignore, 1) }
for (const rate of RATES) {
  const stats = new StreamStats({ classes: model.classes, reference })
  lines[`classify + observe, ${rateName(rate)}`] = classifyThenObserve(stats, rate)
}
for (const rate of RATES) {
  const stats = new StreamStats({ classes: model.classes, reference })
  const tick = clock(rate)
  lines[`observe, ${rateName(rate)}`] = (i) => {
    stats.observe(records[i], tick())
    return 1
  }
}

for (const fn of Object.values(lines)) round(fn) // warm-up
const results = Object.fromEntries(Object.keys(lines).map((name) => [name, []]))
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(lines)) results[name].push(round(fn))
}

/** The median over the rounds of `name`'s figure as a share of classify's in the same round. */
const shareOfClassify = (name, minus = 0) =>
  median(results[name].map((ns, r) => (ns - minus * results.classify[r]) / results.classify[r]))
const percent = (share) => `${(100 * share).toFixed(1)}%`
const show = (name, ns, note) =>
  console.log(`${name.padEnd(36)} ${ns.toFixed(0).padStart(7)} ns/tweet  ${note}`)

console.log(`model: ${model.classes.length} classes, ${model.terms.length} terms; ${tweets.length} tweets`)
show('classify', median(results.classify), '')
for (const rate of RATES) {
  const name = `classify + observe, ${rateName(rate)}`
  show(name, median(results[name]), `observe adds ${percent(shareOfClassify(name, 1))}`)
}
for (const rate of RATES) {
  const name = `observe, ${rateName(rate)}`
  const ns = median(results[name])
  const core = `${((ns * rate) / 1e7).toPrecision(2)}% of a core at that rate`
  show(name, ns, `${percent(shareOfClassify(name))} of classify, ${core}`)
}

// What an inspected record costs, and what reading the figures costs.
show(
  'dominantScript',
  median([0, 1, 2].map(() => round((i) => dominantScript(tweets[i])))),
  '(inspected only)',
)
show(
  'identifyLanguage',
  median([0, 1, 2].map(() => round((i) => identifyLanguage(tweets[i]).length))),
  '(inspected only)',
)
const stats = new StreamStats({ classes: model.classes, reference })
const start = Date.now()
for (let i = 0; i < 200_000; i++) stats.observe(records[i % records.length], start + i)
const snapshotStart = process.cpuUsage()
for (let i = 0; i < 1_000; i++) stats.snapshot(start + 200_000)
const snapshotUsed = process.cpuUsage(snapshotStart)
console.log(
  `${'snapshot'.padEnd(36)} ${((snapshotUsed.user + snapshotUsed.system) / 1000).toFixed(1).padStart(7)} µs`,
)
if (kept === 0) console.log('(nothing measured)')
