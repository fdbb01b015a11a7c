/**
 * Starts `topicstream serve` with the benchmark echo routes, runs every scenario against classify
 * and against echo, and prints the ratios (classify throughput / echo throughput). Results are
 * also written as JSON to load-tests/results/. Needs `npm run build`.
 *
 *   node load-tests/run.mjs [--model FILE] [--duration 10] [--connections 100] [--only rest|grpc]
 *
 * Without --model (or $TOPICSTREAM_MODEL) a model is trained on the tweets' topics first.
 */
import { spawn } from 'node:child_process'
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
  const model =
    flags.model ?? process.env.TOPICSTREAM_MODEL ?? (await trainTweetModel(join(scratch, 'tweets.tsmodel')))
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
    await run('rest batch-100 classify', () => runRest({ ...rest, scenario: 'batch', path: '/v1/classify' }))
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

async function trainTweetModel(path) {
  const { trainClassifier, saveModel } = await import('../dist/engine/index.js')
  const classes = [...new Set(tweets.map((tweet) => tweet.topic))].sort()
  const targets = tweets.map((tweet) => classes.indexOf(tweet.topic))
  const model = trainClassifier(
    { texts: tweets.map((tweet) => tweet.text), targets, classes },
    {},
    { source: `csv:${tweetsPath(flags.tweets)}`, fingerprint: 'load-tests' },
  )
  await saveModel(model, path)
  return path
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
