/**
 * Starts `topicstream serve` with the benchmark echo routes, runs every scenario against classify
 * and against echo, and prints the ratios (classify throughput / echo throughput). Results are
 * also written as JSON to load-tests/results/. Needs `npm run build`.
 *
 *   node load-tests/run.mjs [--model FILE] [--duration 10] [--connections 100] [--rounds 3] [--only rest|grpc]
 *
 * Without --model (or $TOPICSTREAM_MODEL) the 20-class 20 Newsgroups model that `npm start` serves is
 * trained first (from $TOPICSTREAM_20NEWS or ../shared/data), and the REST batch scenario is compared
 * with scikit-learn's batched predict_proba of the same pipeline on the same tweets, in this run.
 * A calibration run of echo that busy-waits for the engine's own time per tweet shows what that much
 * CPU work per request costs on the machine, apart from any classification.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runGrpc } from './grpc.mjs'
import { formatResult, runRest } from './rest.mjs'
import { startServer } from './server.mjs'
import { REPO_ROOT, loadTweets, parseFlags, tweetsPath } from './tweets.mjs'

const flags = parseFlags(process.argv.slice(2))
const duration = Number(flags.duration ?? 10)
const connections = Number(flags.connections ?? 100)
const rounds = Number(flags.rounds ?? 3)
const WARM_UP_SECONDS = 2
const tweets = await loadTweets(tweetsPath(flags.tweets))
const scratch = await mkdtemp(join(tmpdir(), 'topicstream-load-'))

let server
try {
  const given = flags.model ?? process.env.TOPICSTREAM_MODEL
  const model = given ?? (await trainNewsModel(join(scratch, '20news.tsmodel')))
  server = await startServer(model)
  console.log(
    `server: REST ${server.rest}, gRPC ${server.grpc}, model ${model}, ${tweets.length} tweets, ${duration} s per run`,
  )

  const results = []
  const run = async (label, fn) => {
    const result = await fn()
    results.push({ label, ...result })
    console.log(`${label.padEnd(22)} ${formatResult(result)}`)
    return result
  }
  // Each comparison runs its scenarios `rounds` times, alternating their order, and keeps each
  // scenario's median run: the machine is shared, so one slow stretch must not decide a ratio.
  const alternate = async (scenarios) => {
    const labels = Object.keys(scenarios)
    // Unrecorded warm-up, so the first measured run does not pay for the JIT.
    for (const label of labels) await scenarios[label](WARM_UP_SECONDS)
    const runs = Object.fromEntries(labels.map((label) => [label, []]))
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? labels : [...labels].reverse()
      for (const label of order) runs[label].push(await run(label, scenarios[label]))
    }
    const medians = {}
    for (const label of labels) {
      const sorted = runs[label].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)
      medians[label] = sorted[Math.floor(sorted.length / 2)]
    }
    return medians
  }
  const ratios = {}
  const medians = {}
  if (flags.only !== 'grpc') {
    // Calibration: echo that spins for as long as the engine takes per tweet (measured here, on
    // the same tweets). How far that alone falls below echo is the price of that much CPU per
    // request at this load on this machine, whatever the work is.
    const engineMicros = await engineMicrosPerTweet(model)
    console.log(
      `${'engine alone'.padEnd(22)} ${engineMicros.toFixed(2)} µs per tweet (CPU time, in this process)`,
    )
    results.push({ label: 'engine alone', microsPerTweet: engineMicros })
    const busyLabel = `rest single echo+${engineMicros.toFixed(1)}µs`
    const rest = { url: server.rest, connections, duration, tweets }
    const single = await alternate({
      'rest single classify': (seconds = duration) =>
        runRest({ ...rest, duration: seconds, path: '/v1/classify' }),
      'rest single echo': (seconds = duration) => runRest({ ...rest, duration: seconds, path: '/v1/echo' }),
      [busyLabel]: (seconds = duration) =>
        runRest({ ...rest, duration: seconds, path: `/v1/echo?busy_us=${engineMicros.toFixed(2)}` }),
    })
    Object.assign(medians, single)
    const echo = single['rest single echo'].requestsPerSecond
    ratios['REST classify / echo (single tweet)'] = single['rest single classify'].requestsPerSecond / echo
    ratios[`REST echo with ${engineMicros.toFixed(1)} µs of busy work / echo`] =
      single[busyLabel].requestsPerSecond / echo
    const { 'rest batch-100 classify': batch } = await alternate({
      'rest batch-100 classify': (seconds = duration) =>
        runRest({ ...rest, duration: seconds, scenario: 'batch', path: '/v1/classify' }),
    })
    medians['rest batch-100 classify'] = batch
    if (given === undefined) {
      const sklearn = sklearnBatches()
      console.log(
        `${'scikit-learn batch-100'.padEnd(22)} ${Math.round(sklearn.tweets_per_s)} texts/s (predict_proba)`,
      )
      results.push({ label: 'scikit-learn batch-100', textsPerSecond: sklearn.tweets_per_s })
      ratios['REST batch-100 / scikit-learn predict_proba (texts/s)'] =
        batch.textsPerSecond / sklearn.tweets_per_s
    }
  }
  if (flags.only !== 'rest') {
    const grpc = { address: server.grpc, duration, tweets, concurrency: connections }
    const unary = await alternate({
      'grpc unary classify': (seconds = duration) =>
        runGrpc({ ...grpc, duration: seconds, scenario: 'unary', target: 'classify' }),
      'grpc unary echo': (seconds = duration) =>
        runGrpc({ ...grpc, duration: seconds, scenario: 'unary', target: 'echo' }),
    })
    const stream = await alternate({
      'grpc stream classify': (seconds = duration) =>
        runGrpc({ ...grpc, duration: seconds, scenario: 'stream', target: 'classify' }),
      'grpc stream echo': (seconds = duration) =>
        runGrpc({ ...grpc, duration: seconds, scenario: 'stream', target: 'echo' }),
    })
    Object.assign(medians, unary, stream)
    ratios['gRPC Classify / Echo (unary)'] =
      unary['grpc unary classify'].requestsPerSecond / unary['grpc unary echo'].requestsPerSecond
    ratios['gRPC ClassifyStream / EchoStream'] =
      stream['grpc stream classify'].requestsPerSecond / stream['grpc stream echo'].requestsPerSecond
  }
  console.log(`\nmedian runs (of ${rounds}):`)
  for (const [label, result] of Object.entries(medians))
    console.log(`${label.padEnd(22)} ${formatResult(result)}`)
  console.log('\nratios (classify throughput / echo throughput):')
  for (const [name, ratio] of Object.entries(ratios)) console.log(`  ${name}: ${ratio.toFixed(3)}`)

  const outDir = join(REPO_ROOT, 'load-tests', 'results')
  await mkdir(outDir, { recursive: true })
  const file = join(outDir, `load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(
    file,
    `${JSON.stringify({ node: process.version, duration, connections, rounds, results, medians, ratios }, null, 2)}\n`,
  )
  console.log(`\nwrote ${file}`)
} finally {
  await server?.stop()
  await rm(scratch, { recursive: true, force: true })
}

/** The engine's CPU time per tweet, one `classify` call each, on the load test's tweets. */
async function engineMicrosPerTweet(modelFile) {
  const { loadModel } = await import('../dist/engine/index.js')
  const { classifyRate } = await import('../benchmarks/classify-rate.mjs')
  const rate = classifyRate(
    await loadModel(modelFile),
    tweets.map((tweet) => tweet.text),
    2000,
  )
  return 1e6 / rate
}

function newsArchive() {
  return process.env.TOPICSTREAM_20NEWS ?? join(REPO_ROOT, '../shared/data/20news-bydate.tar.gz')
}

async function trainNewsModel(path) {
  const { loadDataset } = await import('../dist/datasets/spec.js')
  const { trainClassifier, saveModel } = await import('../dist/engine/index.js')
  const news = await loadDataset(`20news:${newsArchive()}`)
  await saveModel(trainClassifier(news.train, {}, news), path)
  return path
}

/** scikit-learn's pipeline on the same data, predict_proba over the same tweets in batches of 100. */
function sklearnBatches() {
  const python = execFileSync('bash', [join(REPO_ROOT, 'scripts/python/setup-venv.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()
  const tweetsFile = join(scratch, 'tweets.txt')
  // One tweet per line; a newline inside a tweet becomes a space, which tokenizes the same.
  writeFileSync(tweetsFile, tweets.map((tweet) => tweet.text.replace(/[\r\n]+/g, ' ')).join('\n') + '\n')
  const args = [join(REPO_ROOT, 'benchmarks/python/sklearn_engine.py'), 'batches', '--archive', newsArchive()]
  args.push('--tweets', tweetsFile, '--batch', '100', '--seconds', String(duration))
  return JSON.parse(execFileSync(python, args, { encoding: 'utf8' }))
}
