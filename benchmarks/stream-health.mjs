// How the stream-health statistics behave on real streams, with the 20 Newsgroups model:
//   1. estimated accuracy (no labels) against true accuracy, window by window, on the 20 Newsgroups
//      test split in the producer's replay order: its first half is the model's held-out reference
//      (what `topicstream train` computes on a test split), its second half the stream;
//   2. the statistics of the 20 Newsgroups test split against those of the Sanders tweets, the
//      drift the model meets when the stream changes.
//
//   npm run build && node benchmarks/stream-health.mjs [records-per-window]
//
// Every record goes through the same StreamStats the bridge and the API use, on a simulated clock:
// one window per `records-per-window` records (default 200).
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDataset } from '../dist/datasets/spec.js'
import { evaluateModel, trainClassifier } from '../dist/engine/index.js'
import { mulberry32, shuffle } from '../dist/engine/datasets/split.js'
import { StreamStats } from '../dist/engine/stream-stats.js'
import { trainingMix } from '../dist/health/stream-monitor.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const data = (env, file) => process.env[env] ?? resolve(root, '../shared/data', file)
const PER_WINDOW = Number(process.argv[2] ?? 200)
const WINDOW_MS = 60_000

const news = await loadDataset(`20news:${data('TOPICSTREAM_20NEWS', '20news-bydate.tar.gz')}`)
const model = trainClassifier(news.train, {}, { source: news.source, fingerprint: news.fingerprint })
const test = news.test
// The producer's replay order (src/producer/sources/twenty-newsgroups.ts).
const order = shuffle(
  Array.from(test.texts, (_, i) => i),
  mulberry32(42),
)
const half = Math.floor(order.length / 2)
const pick = (indices) => ({
  texts: indices.map((i) => test.texts[i]),
  targets: Int32Array.from(indices, (i) => test.targets[i]),
  classes: test.classes,
})
const { reference } = evaluateModel(model, pick(order.slice(0, half)))
const tweets = (
  await loadDataset(`csv:${data('TOPICSTREAM_TWEETS', 'tweets/sanders-full-corpus.csv')}`, {
    textColumn: 'TweetText',
    labelColumn: 'Topic',
  })
).train.texts

/** The three ways of measuring: against the training mix with the mean confidence, or the held-out reference. */
const BASELINES = {
  training: { reference: trainingMix(model) },
  heldOut: { reference: reference.predictedMix, calibration: reference.calibration },
}

/** Streams `texts` through fresh statistics, one simulated window per PER_WINDOW records. */
function stream(texts, onWindow, baseline = BASELINES.heldOut) {
  const stats = new StreamStats({ classes: model.classes, ...baseline })
  let now = 0
  let inWindow = 0
  let correct = 0
  texts.forEach(({ text, truth }) => {
    const result = model.classify(text)
    const coverage = model.lastCoverage
    stats.observe(
      {
        label: result.top_k[0].label,
        confidence: result.confidence,
        abstained: result.abstained,
        tokens: coverage.tokens,
        knownTokens: coverage.knownTokens,
        text,
      },
      now,
    )
    if (truth !== undefined && result.label === truth) correct++
    now += WINDOW_MS / PER_WINDOW
    if (++inWindow === PER_WINDOW) {
      // The snapshot just before the next window starts covers exactly this window's records.
      onWindow(stats.snapshot(now - 1).window, correct / PER_WINDOW)
      inWindow = 0
      correct = 0
    }
  })
}

const newsStream = order
  .slice(half)
  .map((i) => ({ text: test.texts[i], truth: test.classes[test.targets[i]] }))
const fixed = (value, digits = 3) => (value === null || value === undefined ? '–' : value.toFixed(digits))
console.log(`model: ${model.classes.length} classes; ${PER_WINDOW} records per window`)
console.log(`reference: ${reference.documents} held-out documents (first half of the test split)`)

const measured = {}
for (const [name, baseline] of Object.entries(BASELINES)) {
  const windows = []
  stream(newsStream, (window, accuracy) => windows.push({ window, accuracy }), baseline)
  measured[name] = windows
}
const table = measured.training.map(({ window, accuracy }, i) => ({
  accuracy,
  raw: window.estimatedAccuracy,
  calibrated: measured.heldOut[i].window.estimatedAccuracy,
  psiTraining: window.labelMix.psi,
  psiHeldOut: measured.heldOut[i].window.labelMix.psi,
}))
const mean = (pick) => table.reduce((sum, row) => sum + pick(row), 0) / table.length
console.log(`\n20 Newsgroups test split, second half: ${table.length} windows of ${PER_WINDOW} documents`)
console.log(
  '| window | true accuracy | mean confidence | calibrated estimate | PSI vs training mix | PSI vs held-out mix |',
)
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |')
table.forEach((row, i) =>
  console.log(
    `| ${i + 1} | ${fixed(row.accuracy)} | ${fixed(row.raw)} | ${fixed(row.calibrated)} | ${fixed(row.psiTraining)} | ${fixed(row.psiHeldOut)} |`,
  ),
)
console.log(
  `| mean | ${fixed(mean((r) => r.accuracy))} | ${fixed(mean((r) => r.raw))} | ${fixed(mean((r) => r.calibrated))} | ${fixed(mean((r) => r.psiTraining))} | ${fixed(mean((r) => r.psiHeldOut))} |`,
)
console.log(
  `mean absolute error per window: mean confidence ${fixed(mean((r) => Math.abs(r.raw - r.accuracy)))}, calibrated ${fixed(mean((r) => Math.abs(r.calibrated - r.accuracy)))}`,
)

const summary = (texts) => {
  const all = []
  stream(
    texts.map((text) => ({ text })),
    (window) => all.push(window),
  )
  const mean = (pick) => all.reduce((sum, w) => sum + (pick(w) ?? 0), 0) / all.length
  const english = (w) => w.languages.shares.en ?? 0
  return {
    windows: all.length,
    psi: mean((w) => w.labelMix.psi),
    jsd: mean((w) => w.labelMix.jsd),
    confidence: mean((w) => w.confidence.mean),
    estimated: mean((w) => w.estimatedAccuracy),
    low: mean((w) => w.confidence.lowShare),
    oov: mean((w) => w.oovRate),
    nonEnglish: mean((w) => 1 - english(w) - (w.languages.shares.und ?? 0)),
    nonLatin: mean((w) => w.languages.nonLatinShare),
  }
}
const before = summary(newsStream.map(({ text }) => text))
// The corpus file is sorted by topic: shuffled, as a stream mixes them.
const after = summary(shuffle([...tweets], mulberry32(7)))
console.log(
  `\nDrift: mean of each window's statistics, 20 Newsgroups test split (second half) against the Sanders tweets (shuffled)`,
)
console.log('| statistic | 20 Newsgroups test | Sanders tweets |')
console.log('| --- | ---: | ---: |')
for (const [name, key] of [
  ['windows', 'windows'],
  ['label PSI against the held-out mix', 'psi'],
  ['label JSD (base 2)', 'jsd'],
  ['mean confidence', 'confidence'],
  ['estimated accuracy (calibrated)', 'estimated'],
  ['share under 0.2 confidence', 'low'],
  ['out-of-vocabulary rate', 'oov'],
  ['share detected as not English', 'nonEnglish'],
  ['share mostly non-Latin letters', 'nonLatin'],
]) {
  const show = (value) => (key === 'windows' ? String(value) : fixed(value))
  console.log(`| ${name} | ${show(before[key])} | ${show(after[key])} |`)
}
