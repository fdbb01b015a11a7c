/**
 * The learning loop on real tweets, end to end: one `topicstream serve --bridge --learn` process,
 * its own Kafka broker, and the Sanders tweets streamed through it in time order. Each step of
 * tweets goes to the input topic; once their classifications are on the output topic, the true
 * labels go back as feedback (POST /v1/feedback), and the next step follows. So every tweet is
 * classified before any feedback on it exists (prequential, "test, then train"), by whatever model
 * version the bridge served at that moment.
 *
 *   npm run build && node load-tests/learning-curve.mjs [--brokers HOST:PORT] [--promotion-window 200]
 *     [--out DIR] [--step 25] [--checkpoint 250] [--start-share 0.1] [--algorithm multinomial]
 *     [--vectorizer count] [--burst 4] [--no-docs-image]
 *
 * The starting model is the first --start-share of each topic in time order (the corpus was
 * collected one search term at a time, so the first 10% of all tweets in time order is one topic,
 * and the engine trains on two classes at least); the stream is every other tweet, in time order.
 * Reference lines on the same stream, computed in this process: the starting model frozen; a model
 * refitted from scratch every --checkpoint tweets on everything seen so far; and the learner's core
 * (ModelLearner) fed the same feedback in the same steps, promoting the moment its gate opens.
 *
 * Writes the series (JSON and CSV) to --out (default load-tests/results/learning-curve/), plots
 * every run found there (one panel per promotion window) with the project's Python venv, and copies
 * the plot to docs/images/learning-curve.png.
 */
/* global fetch -- Node's own, for the REST calls */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { clearInterval, setInterval } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse } from 'csv-parse/sync'
import { saveModel, trainClassifier } from '../dist/engine/index.js'
import { createKafkaClient } from '../dist/kafka/client.js'
import { ModelLearner } from '../dist/learning/model-learner.js'
import { DEFAULT_LEARNING_SETTINGS } from '../dist/learning/settings.js'
import { REPO_ROOT, parseFlags, percentile, tweetsPath } from './tweets.mjs'

const flags = parseFlags(process.argv.slice(2))
const window = Number(flags['promotion-window'] ?? DEFAULT_LEARNING_SETTINGS.window)
const step = Number(flags.step ?? 25)
const checkpoint = Number(flags.checkpoint ?? 250)
const startShare = Number(flags['start-share'] ?? 0.1)
const burstPasses = Number(flags.burst ?? 4)
const params = { algorithm: flags.algorithm ?? 'multinomial', vectorizer: flags.vectorizer ?? 'count' }
const outDir = resolve(flags.out ?? join(REPO_ROOT, 'load-tests/results/learning-curve'))
const settings = { ...DEFAULT_LEARNING_SETTINGS, window }
const MODEL = 'sanders'
const POLL_MS = 25
const runId = `lc-${process.pid}-${Date.now().toString(36)}`
const runName = `window-${window}-${params.algorithm}-${params.vectorizer}`
const loads = [loadavg()[0]]
const loadSampler = setInterval(() => loads.push(loadavg()[0]), 5000)
const note = (message) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`)

// --- The corpus, split, and the lines computed in this process -------------------------------------
const rows = parse(await readFile(tweetsPath(), 'utf8'), {
  columns: true,
  skip_empty_lines: true,
  relax_quotes: true,
})
const byTime = rows
  .map((row, order) => ({
    id: row.TweetId,
    topic: row.Topic,
    text: row.TweetText,
    at: Date.parse(row.TweetDate),
    order,
  }))
  .filter((tweet) => typeof tweet.text === 'string' && tweet.text.trim() !== '')
  // Stable: tweets of the same second keep their file order.
  .sort((a, b) => a.at - b.at || a.order - b.order)
const perTopic = countBy(byTime, (tweet) => tweet.topic)
const taken = {}
const start = []
const stream = []
for (const tweet of byTime) {
  taken[tweet.topic] = (taken[tweet.topic] ?? 0) + 1
  ;(taken[tweet.topic] <= Math.round(perTopic[tweet.topic] * startShare) ? start : stream).push(tweet)
}
const source = { source: `sanders:${tweetsPath()}`, fingerprint: 'learning-curve' }
const train = (tweets) => {
  const classes = [...new Set(tweets.map((tweet) => tweet.topic))].sort()
  return trainClassifier(
    { texts: tweets.map((t) => t.text), targets: tweets.map((t) => classes.indexOf(t.topic)), classes },
    params,
    source,
  )
}
const predicted = (model, text) => model.classify(text, { topK: 1 }).top_k[0]?.label ?? null
const startModel = train(start)
note(
  `${byTime.length} tweets: starting model on ${start.length} (${JSON.stringify(countBy(start, (t) => t.topic))}), stream of ${stream.length}`,
)

const frozen = stream.map((tweet) => predicted(startModel, tweet.text) === tweet.topic)
const refit = []
for (let at = 0; at < stream.length; at += checkpoint) {
  const model = train([...start, ...stream.slice(0, at)])
  for (const tweet of stream.slice(at, at + checkpoint))
    refit.push(predicted(model, tweet.text) === tweet.topic)
}
// The learner's core on the same steps; promotion takes effect at once, which the pipeline cannot do.
const core = new ModelLearner(MODEL, startModel, settings)
const coreRight = []
const corePromotions = []
for (let at = 0; at < stream.length; at += step) {
  const items = stream.slice(at, at + step)
  for (const tweet of items) coreRight.push(predicted(core.live, tweet.text) === tweet.topic)
  core.learn(items.map(feedbackOf))
  if (core.promotionDue()) {
    core.promote()
    corePromotions.push(Math.min(at + step, stream.length))
  }
}
const learnRates = [1, step, 500].map((batch) => ({ batch, itemsPerSecond: learnRate(batch) }))
note(
  `ModelLearner.learn: ${learnRates.map((r) => `${Math.round(r.itemsPerSecond)} items/s at batch ${r.batch}`).join(', ')}`,
)

// --- The pipeline --------------------------------------------------------------------------------
const scratch = await mkdtemp(join(tmpdir(), 'topicstream-learning-curve-'))
mkdirSync(outDir, { recursive: true })
const modelFile = join(scratch, 'start.tsmodel')
await saveModel(startModel, modelFile)
const broker = flags.brokers ? { brokers: flags.brokers } : await startBroker(join(scratch, 'kafka'))
const topics = Object.fromEntries(
  ['input', 'output', 'dlq', 'feedback', 'feedback-dlq', 'models'].map((t) => [t, `${runId}.${t}`]),
)
const serveArgs = [
  'serve',
  '--bridge',
  '--learn',
  '--no-grpc',
  '--port',
  '0',
  '--brokers',
  broker.brokers,
  '--model',
  `${MODEL}=${modelFile}`,
  '--input-topic',
  topics.input,
  '--output-topic',
  topics.output,
  '--dlq-topic',
  topics.dlq,
  '--feedback-topic',
  topics.feedback,
  '--feedback-dlq-topic',
  topics['feedback-dlq'],
  '--models-topic',
  topics.models,
  '--group',
  `${runId}.bridge`,
  '--learner-group',
  `${runId}.learner`,
  '--promotion-window',
  String(window),
]
const serveLog = join(outDir, `${runName}.serve.log`)
let server
let client
const consumers = []
let producer
const results = new Map()
const deadLetters = []
/** The manifests of the versions the learner published: its figures at the moment it promoted. */
const manifests = new Map()
let polls = []
let polling = true
let poller
let report
try {
  server = await startServe(serveArgs, serveLog)
  note(`serving on ${server.rest}, brokers ${broker.brokers}, promotion window ${window}`)
  client = createKafkaClient({ brokers: [broker.brokers], clientId: runId })
  producer = client.producer({ idempotent: true })
  await producer.connect()
  await follow(topics.output, (value) => {
    const result = JSON.parse(value)
    results.set(result.id, { ...result, at: Date.now() })
  })
  await follow(topics.dlq, (value) => deadLetters.push(value))
  await follow(topics.models, (value, key) => {
    if (key.startsWith(`${MODEL}/manifest/`) && value !== '') {
      const manifest = JSON.parse(value)
      manifests.set(manifest.version, manifest)
    }
  })
  poller = pollModel()

  const tweetsOut = []
  const posts = []
  const waits = []
  const streamStart = Date.now()
  for (let at = 0; at < stream.length; at += step) {
    const items = stream.slice(at, at + step)
    const sent = Date.now()
    await producer.send(
      topics.input,
      items.map((t) => ({ key: t.id, value: JSON.stringify({ id: t.id, text: t.text }) })),
    )
    const deadline = sent + (at === 0 ? 90_000 : 30_000)
    while (items.some((t) => !results.has(t.id)) && Date.now() < deadline) await sleep(2)
    waits.push(Date.now() - sent)
    for (const tweet of items) {
      const result = results.get(tweet.id)
      tweetsOut.push({
        id: tweet.id,
        topic: tweet.topic,
        label: result?.label ?? null,
        version: result?.model?.version ?? null,
        lost: result === undefined,
      })
    }
    const posted = Date.now()
    const answer = await postFeedback(items.map(feedbackOf))
    posts.push({ first: at, count: items.length, sentAt: posted, ackedAt: Date.now(), status: answer.status })
    if (answer.status !== 202) note(`feedback POST answered ${answer.status}: ${answer.body}`)
  }
  const streamSeconds = (Date.now() - streamStart) / 1000
  note(`stream done in ${streamSeconds.toFixed(1)} s; waiting for the last promotion to land`)
  // The last feedback may still open the gate: give the learner and the follower time to finish.
  await sleep(5000)
  const streamPolls = polls.slice()
  const burst = burstPasses > 0 ? await runBurst() : undefined
  polling = false
  await poller
  const serveLines = server.lines()
  report = buildReport({ tweetsOut, posts, waits, streamSeconds, streamPolls, burst, serveLines })
} finally {
  polling = false
  clearInterval(loadSampler)
  for (const consumer of consumers) await consumer.disconnect().catch(() => {})
  await producer?.disconnect().catch(() => {})
  await server?.stop()
  if (broker.stop) await broker.stop()
  await rm(scratch, { recursive: true, force: true })
}

writeFileSync(join(outDir, `${runName}.json`), `${JSON.stringify(report, null, 2)}\n`)
writeFileSync(
  join(outDir, `${runName}.csv`),
  [
    'feedback_before,items,main_topic,pipeline,no_learning,refit,learner_core,versions_served,promotions_before',
    ...report.checkpoints.map((c) =>
      [
        c.feedbackBefore,
        c.items,
        c.mainTopic,
        c.pipeline,
        c.noLearning,
        c.refit,
        c.learnerCore,
        c.versionsServed,
        c.promotionsBefore,
      ].join(','),
    ),
  ].join('\n') + '\n',
)
printReport(report)
plot()

// --- Pieces ----------------------------------------------------------------------------------------

function feedbackOf(tweet) {
  return { id: tweet.id, text: tweet.text, label: tweet.topic }
}

function countBy(items, key) {
  const counts = {}
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1
  return counts
}

/** Items per second of CPU time through `ModelLearner.learn` in batches of `batch`, best of 3 passes. */
function learnRate(batch) {
  let best = 0
  for (let pass = 0; pass < 3; pass++) {
    const learner = new ModelLearner(MODEL, startModel, { ...settings, autoPromote: false })
    const before = process.cpuUsage()
    for (let at = 0; at < stream.length; at += batch)
      learner.learn(stream.slice(at, at + batch).map(feedbackOf))
    const used = process.cpuUsage(before)
    best = Math.max(best, stream.length / ((used.user + used.system) / 1e6))
  }
  return best
}

async function freePortPair() {
  for (;;) {
    const port = await listenOn(0)
    if (port < 65535 && (await listenOn(port + 1).catch(() => 0)) === port + 1) return port
  }
}

function listenOn(port) {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(port, '127.0.0.1', () => {
      const { port: bound } = probe.address()
      probe.close(() => resolvePort(bound))
    })
  })
}

async function startBroker(dataDir) {
  const port = await freePortPair()
  const cli = (...args) =>
    execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'bin/topicstream.js'), 'kafka', ...args, '--data-dir', dataDir],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ).trim()
  const brokers = cli('start', '--port', String(port))
  return { brokers, stop: async () => void cli('stop') }
}

function startServe(args, logFile) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/topicstream.js'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const log = createWriteStream(logFile)
  const lines = []
  let partial = ''
  const exited = once(child, 'exit')
  return new Promise((resolveServe, reject) => {
    let ready = false
    child.stderr.on('data', (chunk) => {
      log.write(chunk)
      const text = partial + chunk
      const parts = text.split('\n')
      partial = parts.pop()
      for (const line of parts) {
        const entry = parseLine(line)
        lines.push(entry)
        if (!ready && entry.msg?.startsWith('topicstream serving on')) {
          ready = true
          const stop = async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
            await exited
            log.end()
          }
          waitReady(entry.rest).then(
            () => resolveServe({ rest: entry.rest, lines: () => lines, stop }),
            reject,
          )
        }
      }
    })
    void exited.then(([code]) => {
      if (!ready) reject(new Error(`serve exited with ${code}; its log is in ${logFile}`))
    })
  })
}

function parseLine(line) {
  try {
    return JSON.parse(line)
  } catch {
    return { msg: line }
  }
}

/** /readyz covers the bridge; the models topic must also hold the starting version. */
async function waitReady(rest) {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
    const ready = await fetch(`${rest}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
    const model = ready ? await getModel(rest).catch(() => undefined) : undefined
    if (model?.learning?.versions?.current) return
  }
  throw new Error('serve did not become ready within 120 s')
}

async function getModel(rest = server.rest) {
  const response = await fetch(`${rest}/v1/models/${MODEL}`)
  if (!response.ok) throw new Error(`GET /v1/models/${MODEL} answered ${response.status}`)
  return response.json()
}

async function postFeedback(items) {
  const response = await fetch(`${server.rest}/v1/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
  })
  return { status: response.status, body: await response.text() }
}

async function follow(topic, take) {
  // read_committed: the learner publishes each version in a transaction.
  const consumer = client.consumer({
    groupId: `${runId}.reader.${topic}`,
    maxWaitTimeMs: 50,
    readUncommitted: false,
  })
  consumers.push(consumer)
  await consumer.connect()
  await consumer.subscribe([topic], { fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatch: async (batch, controls) => {
      for (const record of batch.records)
        take(record.value?.toString('utf8') ?? '', record.key?.toString('utf8') ?? '')
      const last = batch.records.at(-1)
      if (last) controls.resolveOffset(last.offset)
    },
  })
}

/** What GET /v1/models/{name} answers, every POLL_MS: the version served and the learner's figures. */
async function pollModel() {
  while (polling) {
    const asked = Date.now()
    try {
      const model = await getModel()
      const status = model.learning?.status
      polls.push({
        at: Date.now(),
        version: model.version,
        live: status?.live.version,
        learnt: status?.candidate.learnt,
        heldOutItems: status?.candidate.heldOutItems,
        totals: status?.totals,
        updatedAt: status ? Date.parse(status.updatedAt) : undefined,
      })
    } catch (error) {
      polls.push({ at: Date.now(), error: String(error) })
    }
    await sleep(Math.max(0, POLL_MS - (Date.now() - asked)))
  }
}

/**
 * The learner's capacity through the pipeline: the stream posted again `burstPasses` times (new ids)
 * in batches of 500, as fast as the API takes them; timed until the learner's status totals have
 * them all. The status is shared at most once a second, so the end is known to about a second.
 */
async function runBurst() {
  const base = polls.findLast((p) => p.totals)?.totals.received ?? 0
  const items = []
  for (let pass = 0; pass < burstPasses; pass++)
    items.push(...stream.map((t) => ({ ...feedbackOf(t), id: `${t.id}-burst-${pass}` })))
  const started = Date.now()
  for (let at = 0; at < items.length; at += 500) {
    const answer = await postFeedback(items.slice(at, at + 500))
    if (answer.status !== 202) note(`burst feedback POST answered ${answer.status}: ${answer.body}`)
  }
  const posted = Date.now()
  let done
  for (
    const deadline = Date.now() + 120_000;
    Date.now() < deadline && done === undefined;
    await sleep(POLL_MS)
  ) {
    const last = polls.findLast((p) => p.totals)
    if (last && last.totals.received >= base + items.length) done = last
  }
  const promotions = new Set(polls.filter((p) => p.at >= started && p.version).map((p) => p.version)).size - 1
  return {
    items: items.length,
    postSeconds: (posted - started) / 1000,
    seconds: done ? (done.updatedAt - started) / 1000 : null,
    itemsPerSecond: done ? items.length / ((done.updatedAt - started) / 1000) : null,
    received: (polls.findLast((p) => p.totals)?.totals.received ?? 0) - base,
    versionChanges: Math.max(0, promotions),
  }
}

function buildReport({ tweetsOut, posts, waits, streamSeconds, streamPolls, burst, serveLines }) {
  const share = (xs) => (xs.length === 0 ? null : xs.filter(Boolean).length / xs.length)
  const pipelineRight = tweetsOut.map((t) => !t.lost && t.label === t.topic)
  // Promotions during the stream: each change of the served version, with the feedback that opened the gate.
  const promotions = []
  const postOf = (index) => posts.find((p) => index >= p.first && index < p.first + p.count)
  let previous
  for (const poll of streamPolls) {
    const { version } = poll
    if (!version) continue
    const changed = previous !== undefined && version !== previous
    previous = version
    if (!changed) continue
    const seenAt = poll.at
    // The manifest carries the learner's totals as it promoted: the last feedback item it had
    // scored, and so the POST that carried it, opened the gate.
    const evaluation = manifests.get(version)?.evaluation
    const receivedAt = evaluation?.totals?.received
    const logged = serveLines.find((l) => l.version === version && l.msg?.includes('promoted to'))
    const trigger = receivedAt === undefined ? undefined : postOf(receivedAt - 1)
    promotions.push({
      version,
      seenAt,
      trigger: evaluation?.trigger ?? null,
      feedbackBefore: receivedAt ?? null,
      heldOut: evaluation
        ? { live: evaluation.live?.heldOutAccuracy, candidate: evaluation.candidate?.heldOutAccuracy }
        : null,
      triggerPost: trigger ? trigger.first / step : null,
      feedbackToServingMs: trigger ? seenAt - trigger.sentAt : null,
      promotedToServingMs: logged ? seenAt - logged.time : null,
    })
  }
  const checkpoints = []
  for (let at = 0; at < stream.length; at += checkpoint) {
    const slice = (xs) => xs.slice(at, at + checkpoint)
    const topics = countBy(slice(stream), (t) => t.topic)
    const [mainTopic, mainCount] = Object.entries(topics).sort((a, b) => b[1] - a[1])[0]
    checkpoints.push({
      feedbackBefore: at,
      items: slice(stream).length,
      mainTopic: `${mainTopic} ${Math.round((100 * mainCount) / slice(stream).length)}%`,
      pipeline: share(slice(pipelineRight)),
      noLearning: share(slice(frozen)),
      refit: share(slice(refit)),
      learnerCore: share(slice(coreRight)),
      versionsServed: new Set(
        slice(tweetsOut)
          .map((t) => t.version)
          .filter(Boolean),
      ).size,
      promotionsBefore: promotions.filter((p) => p.feedbackBefore !== null && p.feedbackBefore <= at).length,
    })
  }
  // From the first status with feedback in it to the first that has all of it.
  const withTotals = streamPolls.filter((p) => p.totals && p.totals.received > 0)
  const first = withTotals[0]
  const final = withTotals.at(-1)?.totals.received
  const last = withTotals.find((p) => p.totals.received === final)
  const sorted = [...waits].sort((a, b) => a - b)
  return {
    run: runName,
    command: `node load-tests/learning-curve.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    node: process.version,
    date: new Date().toISOString(),
    load: { start: loads[0], max: Math.max(...loads), end: loadavg()[0] },
    settings: {
      ...settings,
      step,
      checkpoint,
      startShare,
      params,
      brokers: flags.brokers ? 'given' : 'started for the run',
    },
    corpus: {
      tweets: byTime.length,
      start: start.length,
      stream: stream.length,
      startTopics: countBy(start, (t) => t.topic),
    },
    overall: {
      pipeline: share(pipelineRight),
      noLearning: share(frozen),
      refit: share(refit),
      learnerCore: share(coreRight),
    },
    lost: tweetsOut.filter((t) => t.lost).length,
    deadLetters: deadLetters.length,
    feedbackRefusedPosts: posts.filter((p) => p.status !== 202).length,
    versionsServed: new Set(tweetsOut.map((t) => t.version).filter(Boolean)).size,
    promotions,
    corePromotionsAt: corePromotions,
    stream: {
      seconds: streamSeconds,
      feedbackPerSecond: stream.length / streamSeconds,
      stepWaitMs: { median: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) },
    },
    learner: {
      inProcess: learnRates,
      pipelineDuringStream:
        first && last && last.updatedAt > first.updatedAt
          ? {
              items: last.totals.received - first.totals.received,
              seconds: (last.updatedAt - first.updatedAt) / 1000,
              itemsPerSecond:
                (last.totals.received - first.totals.received) / ((last.updatedAt - first.updatedAt) / 1000),
            }
          : null,
      finalTotals: streamPolls.findLast((p) => p.totals)?.totals ?? null,
      burst: burst ?? null,
    },
    serveWarnings: serveLines
      .filter((l) => l.level >= 40)
      .map((l) => `${l.level >= 50 ? 'error' : 'warn'}: ${l.msg}${l.code ? ` (${l.code})` : ''}`),
    checkpoints,
    tweets: tweetsOut,
  }
}

function printReport(r) {
  const pct = (x) => (x === null ? '—' : (100 * x).toFixed(1))
  const lines = [
    `${r.command}  (load average ${r.load.start.toFixed(2)} at start, max ${r.load.max.toFixed(2)}, ${r.load.end.toFixed(2)} at end)`,
    `starting model: ${r.corpus.start} tweets (${JSON.stringify(r.corpus.startTopics)}), ${params.vectorizer} vectorizer, ${params.algorithm}; stream ${r.corpus.stream} tweets in steps of ${step}; promotion window ${window}, held out 1 in ${settings.heldOutEvery}, margin ${settings.margin}`,
    '',
    `| feedback before | tweets | main topic | pipeline % | no learning % | refit from scratch % | learner core % | versions served | promotions before |`,
    '| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.checkpoints.map(
      (c) =>
        `| ${c.feedbackBefore} | ${c.items} | ${c.mainTopic} | ${pct(c.pipeline)} | ${pct(c.noLearning)} | ${pct(c.refit)} | ${pct(c.learnerCore)} | ${c.versionsServed} | ${c.promotionsBefore} |`,
    ),
    `| **all** | ${r.corpus.stream} | | **${pct(r.overall.pipeline)}** | **${pct(r.overall.noLearning)}** | **${pct(r.overall.refit)}** | **${pct(r.overall.learnerCore)}** | ${r.versionsServed} | ${r.promotions.length} |`,
    '',
    `lost results ${r.lost}, dead letters ${r.deadLetters}, refused feedback POSTs ${r.feedbackRefusedPosts}; stream ${r.stream.seconds.toFixed(1)} s (${r.stream.feedbackPerSecond.toFixed(0)} feedback items/s fed), step round trip median ${r.stream.stepWaitMs.median} ms, p99 ${r.stream.stepWaitMs.p99} ms`,
    `promotions (pipeline): ${r.promotions.map((p) => `after ${p.feedbackBefore ?? '?'} items (${p.trigger}), feedback→serving ${p.feedbackToServingMs} ms (promotion logged→serving ${p.promotedToServingMs} ms)`).join('; ') || 'none'}`,
    `promotions (learner core, same steps): after ${r.corePromotionsAt.join(', ') || 'none'}; the pipeline promoted at ${r.promotions.filter((p) => r.corePromotionsAt.includes(p.feedbackBefore)).length} of the same ${r.corePromotionsAt.length} points`,
    `ModelLearner.learn in process: ${r.learner.inProcess.map((x) => `${Math.round(x.itemsPerSecond)} items/s at batch ${x.batch}`).join(', ')}`,
    `learner in the pipeline during the stream: ${r.learner.pipelineDuringStream ? `${Math.round(r.learner.pipelineDuringStream.itemsPerSecond)} items/s (${r.learner.pipelineDuringStream.items} items over ${r.learner.pipelineDuringStream.seconds.toFixed(1)} s)` : '—'}; totals ${JSON.stringify(r.learner.finalTotals)}`,
    r.learner.burst
      ? `burst: ${r.learner.burst.items} items posted in ${r.learner.burst.postSeconds.toFixed(1)} s, learnt (status totals) ${r.learner.burst.received} in ${r.learner.burst.seconds?.toFixed(1) ?? '—'} s = ${r.learner.burst.itemsPerSecond ? Math.round(r.learner.burst.itemsPerSecond) : '—'} items/s; ${r.learner.burst.versionChanges} version changes`
      : 'burst: skipped',
    `serve warnings/errors: ${r.serveWarnings.length === 0 ? 'none' : r.serveWarnings.join(' | ')}`,
  ]
  console.log(lines.join('\n'))
}

/** Every run in --out, one panel per promotion window; the plot is also copied for the docs. */
function plot() {
  const python = join(REPO_ROOT, '.venv/bin/python')
  if (!existsSync(python))
    execFileSync('bash', [join(REPO_ROOT, 'scripts/python/setup-venv.sh')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  try {
    execFileSync(python, ['-c', 'import matplotlib'], { stdio: 'ignore' })
  } catch {
    execFileSync(
      python,
      [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--progress-bar',
        'off',
        'matplotlib',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    )
  }
  const runs = readdirSync(outDir).filter(
    (f) => f.startsWith(`window-`) && f.endsWith(`-${params.algorithm}-${params.vectorizer}.json`),
  )
  const png = join(outDir, `learning-curve-${params.algorithm}-${params.vectorizer}.png`)
  execFileSync(
    python,
    [join(REPO_ROOT, 'scripts/python/plot_learning_curve.py'), png, ...runs.map((f) => join(outDir, f))],
    { stdio: 'inherit' },
  )
  console.log(
    `wrote ${relative(REPO_ROOT, join(outDir, `${runName}.json`))}, ${runName}.csv and ${relative(REPO_ROOT, png)}`,
  )
  if (flags['no-docs-image'] === undefined) {
    mkdirSync(join(REPO_ROOT, 'docs/images'), { recursive: true })
    copyFileSync(png, join(REPO_ROOT, 'docs/images/learning-curve.png'))
    console.log('copied to docs/images/learning-curve.png')
  }
}
