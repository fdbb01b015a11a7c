/**
 * Starts `topicstream serve` with the benchmark echo routes, runs every scenario against classify
 * and against echo, and prints the ratios (classify throughput / echo throughput). Results are
 * also written as JSON to load-tests/results/. Needs `npm run build`.
 *
 *   node load-tests/run.mjs [--model FILE] [--duration 10] [--connections 100] [--only rest|grpc]
 *
 * Without --model (or $TOPICSTREAM_MODEL) the 20-class 20 Newsgroups model that `npm start` serves is
 * trained first (from $TOPICSTREAM_20NEWS or ../shared/data), and the REST batch scenario is compared
 * with scikit-learn's batched predict_proba of the same pipeline on the same tweets, in this run.
 */
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runGrpc } from './grpc.mjs'
import { formatResult, runRest } from './rest.mjs'
import { REPO_ROOT, loadTweets, parseFlags, tweetsPath } from './tweets.mjs'

const flags = parseFlags(process.argv.slice(2))
const duration = Number(flags.duration ?? 10)
const connections = Number(flags.connections ?? 100)
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
  const ratios = {}
  if (flags.only !== 'grpc') {
    const rest = { url: server.rest, connections, duration, tweets }
    const classify = await run('rest single classify', () => runRest({ ...rest, path: '/v1/classify' }))
    const echo = await run('rest single echo', () => runRest({ ...rest, path: '/v1/echo' }))
    ratios['REST classify / echo (single tweet)'] = classify.requestsPerSecond / echo.requestsPerSecond
    const batch = await run('rest batch-100 classify', () =>
      runRest({ ...rest, scenario: 'batch', path: '/v1/classify' }),
    )
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
    const unary = await run('grpc unary classify', () =>
      runGrpc({ ...grpc, scenario: 'unary', target: 'classify' }),
    )
    const unaryEcho = await run('grpc unary echo', () =>
      runGrpc({ ...grpc, scenario: 'unary', target: 'echo' }),
    )
    ratios['gRPC Classify / Echo (unary)'] = unary.requestsPerSecond / unaryEcho.requestsPerSecond
    const stream = await run('grpc stream classify', () =>
      runGrpc({ ...grpc, scenario: 'stream', target: 'classify' }),
    )
    const streamEcho = await run('grpc stream echo', () =>
      runGrpc({ ...grpc, scenario: 'stream', target: 'echo' }),
    )
    ratios['gRPC ClassifyStream / EchoStream'] = stream.requestsPerSecond / streamEcho.requestsPerSecond
  }
  console.log('\nratios (classify throughput / echo throughput):')
  for (const [name, ratio] of Object.entries(ratios)) console.log(`  ${name}: ${ratio.toFixed(3)}`)

  const outDir = join(REPO_ROOT, 'load-tests', 'results')
  await mkdir(outDir, { recursive: true })
  const file = join(outDir, `load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(
    file,
    `${JSON.stringify({ node: process.version, duration, connections, results, ratios }, null, 2)}\n`,
  )
  console.log(`\nwrote ${file}`)
} finally {
  await server?.stop()
  await rm(scratch, { recursive: true, force: true })
}

function newsArchive() {
  return process.env.TOPICSTREAM_20NEWS ?? join(REPO_ROOT, '../shared/data/20news-bydate.tar.gz')
}

async function trainNewsModel(path) {
  const { loadDataset, trainClassifier, saveModel } = await import('../dist/engine/index.js')
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

function startServer(model) {
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'bin/topicstream.js'),
      'serve',
      '--model',
      `bench=${model}`,
      '--port',
      '0',
      '--grpc-port',
      '0',
    ],
    {
      env: { ...process.env, TOPICSTREAM_BENCHMARK_ROUTES: '1', TOPICSTREAM_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk) => {
      output += chunk
      const line = output.split('\n').find((candidate) => candidate.includes('topicstream serving on'))
      if (line === undefined) return
      child.stdout.off('data', onData)
      child.stdout.resume()
      const { rest, grpc } = JSON.parse(line)
      resolve({
        rest,
        grpc,
        stop: async () => {
          child.kill('SIGTERM')
          await exited
        },
      })
    }
    child.stdout.on('data', onData)
    void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${output}`)))
  })
}
