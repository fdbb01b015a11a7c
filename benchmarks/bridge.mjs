// Kafka bridge benchmarks, on one local broker, with the same tweets and the same 20-class model throughout:
// the bridge classifying vs the same bridge passing records through, at-least-once and exactly-once, vs the
// original Python consumer (kafka-python + scikit-learn), and end-to-end latency at a steady rate.
//
//   npm run build && node benchmarks/bridge.mjs [--records 100000] [--python-records 5000] [--reps 5]
//       [--rate 1000] [--seconds 20] [--model FILE]
//
// Data: TOPICSTREAM_20NEWS (20news-bydate.tar.gz, to train the model unless --model is given) and
// TOPICSTREAM_TWEETS (Sanders corpus CSV), or the `../shared/data` copies. The broker runs on free ports in a
// temporary directory, removed at the end. The bridge runs in a worker thread (its own event loop, as in its
// own process); this thread produces, watches the topics and reads the results. Prints a Markdown report.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { withFreshProbabilities } from '../dist/api/classify-service.js'
import { createBridge } from '../dist/bridge/bridge.js'
import { KAFKA_VERSION, startLocalBroker } from '../dist/kafka/broker/index.js'
import { createKafkaClient } from '../dist/kafka/client.js'
import { tweetToRecord } from '../dist/producer/worker.js'
import { loadDataset } from '../dist/datasets/spec.js'
import { loadModel, saveModel, trainClassifier } from '../dist/engine/index.js'

const TOP_K = 3
const PARTITIONS = 3
const WARM_UP_SECONDS = 2
const POLL_MS = 50

const logger = {
  error: (fields, message) => console.error(`error: ${message ?? ''}`, fields),
  warn: (fields, message) => console.error(`warn: ${message ?? ''}`, fields),
  info: () => {},
  debug: () => {},
}

if (isMainThread) await main()
else await serveBridge()

/** Worker thread: one bridge at a time, started and stopped on request. */
async function serveBridge() {
  const model = await loadModel(workerData.modelFile)
  const options = { topK: TOP_K }
  // A real result (TOP_K classes in top_k), so both kinds of run write the same bytes per record;
  // a fresh copy per record, so its numbers cost what real ones do to format.
  const typical = model.classify('', options)
  let passed = 0
  const passThrough = () => withFreshProbabilities(typical, passed++)
  // Both kinds are timed the same way (two clock reads a call), to show how much of a run classifying takes.
  let classifyMs = 0
  const timed = (classify) => (text) => {
    const before = performance.now()
    const result = classify(text)
    classifyMs += performance.now() - before
    return result
  }
  const classifiers = {
    classify: timed((text) => model.classify(text, options)),
    passthrough: timed(passThrough),
  }
  let bridge
  let since
  parentPort.on('message', async (message) => {
    try {
      if (message.type === 'start') {
        classifyMs = 0
        since = performance.eventLoopUtilization()
        bridge = createBridge({
          ...message.options,
          classify: classifiers[message.classifier],
          logger,
          kafkaLogLevel: 'error',
        })
        await bridge.start()
        while (bridge.state().partitions.length === 0) await sleep(20)
        parentPort.postMessage({})
      } else if (message.type === 'stats') {
        const { utilization } = performance.eventLoopUtilization(since)
        parentPort.postMessage({ busy: utilization, classifySeconds: classifyMs / 1000 })
      } else {
        await bridge.stop()
        parentPort.postMessage({ lastError: bridge.state().lastError })
      }
    } catch (error) {
      parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) })
    }
  })
  parentPort.postMessage({ ready: true })
}

async function main() {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  const data = (env, file) => process.env[env] ?? resolve(root, '../shared/data', file)
  const archive = data('TOPICSTREAM_20NEWS', '20news-bydate.tar.gz')
  const tweetsCsv = data('TOPICSTREAM_TWEETS', 'tweets/sanders-full-corpus.csv')
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '100000' },
      'python-records': { type: 'string', default: '5000' },
      reps: { type: 'string', default: '5' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '20' },
      model: { type: 'string' },
    },
  })
  const records = Number(values.records)
  const pythonRecords = Math.min(records, Number(values['python-records']))
  const reps = Number(values.reps)
  const rate = Number(values.rate)
  const seconds = Number(values.seconds)
  const command = ['node benchmarks/bridge.mjs', ...process.argv.slice(2)].join(' ')
  const began = performance.now()
  const note = (message) =>
    process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(1)} s] ${message}\n`)

  const python = execFileSync('bash', [join(root, 'scripts/python/setup-venv.sh')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()
  const work = mkdtempSync(join(tmpdir(), 'topicstream-bench-bridge-'))
  const cleanups = []
  let cleaning
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {})
      rmSync(work, { recursive: true, force: true })
    })())
  // The broker is a detached JVM, so an interrupted run stops it too; exiting from here also keeps the run
  // from reporting the children the clean-up ended as a failure.
  const interrupted = () => void cleanUp().finally(() => process.exit(130))
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    const [port, controllerPort] = await freePorts(2)
    note(`starting Kafka ${KAFKA_VERSION} on 127.0.0.1:${port}`)
    const broker = await startLocalBroker({ dataDir: join(work, 'kafka'), port, controllerPort })
    cleanups.push(() => broker.stop())
    const brokers = [broker.brokers]
    const name = (what) => `bench-${what}-${randomBytes(3).toString('hex')}`
    const inputTopic = name('tweets')
    const pythonTopics = { output: name('python-out'), group: name('python-group') }

    // The Python side trains its pipeline while this side trains its model and fills the input topic.
    const pythonChild = spawn(
      python,
      [
        join(root, 'benchmarks/python/kafka_consumer.py'),
        ...['--archive', archive, '--brokers', broker.brokers, '--input', inputTopic],
        ...['--output', pythonTopics.output, '--group', pythonTopics.group],
        ...['--records', String(pythonRecords)],
      ],
      { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1' } },
    )
    cleanups.push(() => pythonChild.exitCode === null && pythonChild.kill())
    const pythonLines = createInterface({ input: pythonChild.stdout })[Symbol.asyncIterator]()
    const pythonLine = async () => {
      const line = await pythonLines.next()
      if (line.done) throw new Error('The Python consumer exited early (see its output above)')
      return line.value
    }

    let modelFile = values.model
    let model
    if (modelFile === undefined) {
      note('training the 20 Newsgroups model')
      const news = await loadDataset(`20news:${archive}`)
      model = trainClassifier(news.train, {}, { source: news.source, fingerprint: news.fingerprint })
      modelFile = join(work, '20news.tsmodel')
      await saveModel(model, modelFile)
    } else {
      model = await loadModel(modelFile)
    }

    const corpus = (await loadDataset(`csv:${tweetsCsv}`, { textColumn: 'TweetText', labelColumn: 'Topic' }))
      .train
    const tweet = (prefix, i) =>
      tweetToRecord({
        id: `${prefix}-${i}`,
        text: corpus.texts[i % corpus.texts.length],
        created_at: '2011-10-18T21:53:25.000Z',
        author_id: null,
        lang: null,
        source: 'replay',
        label: corpus.classes[corpus.targets[i % corpus.texts.length]],
      })

    const client = createKafkaClient({ brokers, clientId: 'topicstream-bench', logLevel: 'error', logger })
    const admin = client.admin()
    await admin.connect()
    cleanups.push(() => admin.disconnect())
    const producer = client.producer()
    await producer.connect()
    cleanups.push(() => producer.disconnect())

    const fill = async (topic, count) => {
      await admin.createTopics([{ topic, partitions: PARTITIONS }])
      for (let i = 0; i < count; i += 10_000) {
        const chunk = []
        for (let j = i; j < Math.min(count, i + 10_000); j++) chunk.push(tweet('t', j))
        await producer.send(topic, chunk)
      }
      if ((await written(admin, topic)) !== count) throw new Error(`The topic ${topic} is incomplete`)
    }
    note(`producing ${fmt(records)} tweets into ${inputTopic} (${PARTITIONS} partitions)`)
    await fill(inputTopic, records)
    const warmUpTopic = name('warm-up')
    const warmUpRecords = Math.min(records, 5000)
    await fill(warmUpTopic, warmUpRecords)

    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { modelFile } })
    cleanups.push(() => worker.terminate())
    await once(worker, 'message')
    if ((await pythonLine()) !== 'ready') throw new Error('The Python consumer did not start')

    // 1. Throughput of the bridge: from start() until every result is readable in the output topic.
    const runBridge = async (classifier, exactlyOnce, input = inputTopic, count = records) => {
      const run = name(exactlyOnce ? 'eos' : classifier)
      const options = {
        brokers,
        inputTopic: input,
        outputTopic: `${run}-out`,
        dlqTopic: `${run}-dlq`,
        groupId: `${run}-group`,
        exactlyOnce,
      }
      note(`bridge ${classifier}${exactlyOnce ? ', exactly-once' : ''} on ${input}`)
      const start = performance.now()
      const started = request(worker, { type: 'start', classifier, options })
      // Exactly-once results are readable when their transaction commits, which commits the input
      // offsets too; the output's high watermarks would also count the transaction markers.
      const done = exactlyOnce
        ? () => committed(admin, options.groupId, input)
        : () => written(admin, options.outputTopic)
      const timing = await waitFor(done, count, start, started)
      await started
      const { busy, classifySeconds } = await request(worker, { type: 'stats' })
      const { lastError } = await request(worker, { type: 'stop' })
      const deadLetters = await written(admin, options.dlqTopic)
      const outputs = exactlyOnce ? undefined : await written(admin, options.outputTopic)
      return {
        classifier,
        exactlyOnce,
        outputTopic: options.outputTopic,
        deadLetters,
        outputs,
        lastError,
        busy,
        classifySeconds,
        ...timing,
      }
    }
    // Unmeasured: the first bridge of the process (and the broker's first fetches) pay for warming up.
    await runBridge('passthrough', false, warmUpTopic, warmUpRecords)
    await runBridge('classify', false, warmUpTopic, warmUpRecords)
    const runs = []
    for (let rep = 0; rep < reps; rep++) {
      // ABBA order, so that neither kind of run gains from a broker that warms up (or a machine that tires).
      const order = rep % 2 === 0 ? ['passthrough', 'classify'] : ['classify', 'passthrough']
      for (const classifier of order) runs.push(await runBridge(classifier, false))
    }
    for (let rep = 0; rep < reps; rep++) runs.push(await runBridge('classify', true))

    // 2. The original Python loop on the same input topic (its own group, reading from the beginning).
    note(`Python consumer, ${fmt(pythonRecords)} records`)
    const pythonStart = performance.now()
    pythonChild.stdin.end('go\n')
    const pythonExit = once(pythonChild, 'close')
    const pythonTiming = await waitFor(
      () => written(admin, pythonTopics.output),
      pythonRecords,
      pythonStart,
      pythonExit.then(([code]) => {
        if (code !== 0) throw new Error(`The Python consumer exited with ${code}`)
      }),
    )
    const pythonReport = JSON.parse(await pythonLine())
    await pythonExit

    // 3. Latency at a steady rate, the bridge running (at-least-once).
    note(`latency at ${rate}/s for ${WARM_UP_SECONDS} + ${seconds} s`)
    const latency = await measureLatency({ client, admin, worker, brokers, name, tweet, rate, seconds })

    // The bridge's and Python's labels for the same tweets (the two sides' models should agree).
    note('comparing labels')
    const pythonLabels = new Map()
    await readTopic(client, pythonTopics.output, (id, result) => {
      pythonLabels.set(id, result.label)
      return pythonLabels.size >= pythonRecords
    })
    let compared = 0
    let differ = 0
    const reference = runs.find((run) => run.classifier === 'classify' && !run.exactlyOnce)
    await readTopic(client, reference.outputTopic, (id, result) => {
      const label = pythonLabels.get(id)
      if (label === undefined) return false
      compared++
      if (label !== result.label) differ++
      return compared >= pythonLabels.size
    })

    // Medians: on a shared machine a single best run can be an outlier, and the ratio would follow it.
    const kind = (classifier, exactlyOnce) => {
      const of = runs.filter((run) => run.classifier === classifier && run.exactlyOnce === exactlyOnce)
      const middle = (key) => median(of.map((run) => run[key]))
      return {
        ...{ rate: middle('rate'), steadyRate: middle('steadyRate'), seconds: middle('seconds') },
        ...{ classifySeconds: middle('classifySeconds'), best: Math.max(...of.map((run) => run.rate)) },
      }
    }
    const passthrough = kind('passthrough', false)
    const classified = kind('classify', false)
    const exactly = kind('classify', true)
    const pythonRate = pythonRecords / pythonTiming.seconds
    const runRows = runs.map(
      (run) =>
        `| ${run.classifier}${run.exactlyOnce ? ', exactly-once' : ''} | ${fmt(run.seconds, 2)} | ${fmt(run.rate)} | ${fmt(run.steadyRate)} | ${fmt(100 * run.busy)}% | ${fmt(run.classifySeconds, 2)} | ${run.outputs === undefined ? '(transactional)' : fmt(run.outputs)} | ${fmt(run.deadLetters)} | ${run.lastError ? run.lastError.code : '—'} |`,
    )
    console.log(`## Kafka bridge (${fmt(records)} tweets, 20-class model, one local broker)

    npm run build && ${command}

Node ${process.version}, ${availableParallelism()} CPUs, Apache Kafka ${KAFKA_VERSION} (one KRaft node, started for the run). Model: ${values.model ? basename(values.model) : '20 Newsgroups training split'}, ${model.classes.length} classes, vocabulary ${fmt(model.metadata.vocabularySize)}. Tweets: the ${fmt(corpus.texts.length)} Sanders tweets (${basename(tweetsCsv)}) looped to ${fmt(records)} records with unique ids, produced beforehand into one input topic with ${PARTITIONS} partitions. Each measurement has its own output topic and consumer group. Bridge figures are medians of ${reps} runs, after one unmeasured warm-up run of each kind on ${fmt(warmUpRecords)} other records.

| Measure | records/s | Ratio |
| --- | ---: | ---: |
| Bridge passing records through (a typical classification), at-least-once | ${fmt(passthrough.rate)} | |
| Bridge classifying, at-least-once | ${fmt(classified.rate)} | **${fmt(classified.rate / passthrough.rate, 2)}** of pass-through (target ≥ 0.85; first→last result: ${fmt(classified.steadyRate / passthrough.steadyRate, 2)}; best runs: ${fmt(classified.best / passthrough.best, 2)}) |
| Bridge classifying, exactly-once | ${fmt(exactly.rate)} | ${fmt(exactly.rate / classified.rate, 2)} of at-least-once |
| Python original: kafka-python + scikit-learn, one message at a time (first ${fmt(pythonRecords)} records) | ${fmt(pythonRate)} | bridge at-least-once is **${fmt(classified.steadyRate / pythonTiming.steadyRate, 1)}×** (first→last result on both sides) |

| End-to-end latency at ${fmt(rate)} tweets/s (at-least-once) | p50 | p90 | p99 | max |
| --- | ---: | ---: | ---: | ---: |
| ${fmt(latency.measured)} tweets over ${seconds} s (sent at ${fmt(latency.sentRate)}/s), ms | ${fmt(latency.p50, 1)} | ${fmt(latency.p90, 1)} | ${fmt(latency.p99, 1)} | ${fmt(latency.max, 1)} |

What the figures mean:
- **records/s** is N divided by the wall time from \`bridge.start()\` (connecting, creating the output topics, joining the group) until all N results are in the output topic: at-least-once, when the output topic's high watermarks add up to N; exactly-once, when the group's committed input offsets (committed in the same transactions as the results, so the results are readable by \`read_committed\` consumers) add up to N. The start-up is included, so short runs understate the steady rate; the runs table also gives the rate from the first result to the last.
- **Pass-through** is the same \`createBridge\` with a \`classify\` that returns a typical Classification (a real one, ${TOP_K} classes in \`top_k\`, so both write the same result size; a fresh copy per record, its probabilities new in their last digits, so that formatting them costs what real ones do): everything but the classification. The ratio is the share of the bridge's speed left once it classifies: passing through takes ${fmt((1e6 * passthrough.seconds) / records, 1)} µs of wall time a record and \`classify\` spends ${fmt((1e6 * classified.classifySeconds) / records, 1)} µs a tweet on the bridge's thread, which, added to every record, would make a ratio of ${fmt(passthrough.seconds / (passthrough.seconds + classified.classifySeconds), 2)}.
- **Bridge thread busy** is the event-loop utilization of the bridge's thread from \`start()\` to the last result (100% would mean the bridge is bound by its own thread's CPU; below that it also waits for the broker); **in \`classify\`** is the time spent inside the \`classify\` callback (for Python: in \`predict_proba\`).
- **Exactly-once** runs one transaction per batch (results + input offsets) instead of idempotent sends plus offset commits.
- **Python original** is kafka-python's KafkaConsumer (defaults, auto-commit) and scikit-learn's \`CountVectorizer → TfidfTransformer → MultinomialNB\` trained on the same data, \`predict_proba([text])\` per message, each result (same fields as the bridge's) sent with a KafkaProducer (defaults: acks=all, idempotent). It is given ${fmt(pythonRecords)} of the ${fmt(records)} records${pythonRecords < records ? ` (all of them would take about ${fmt(records / pythonRate / 60, 1)} minutes). Because the two sides process different numbers of records, their start-ups weigh differently in the rates from start, so the ratio compares the rates from the first result to the last` : ''}. Timed like the bridge, from the moment it is told to start (it creates its consumer and producer then) until its N results are in its output topic. Its self-reported time (consumer creation to \`flush()\`) was ${fmt(pythonReport.seconds, 2)} s, ${fmt((100 * pythonReport.classify_seconds) / pythonReport.seconds)}% of it in \`predict_proba\`. Labels of the bridge and Python results for the same ${fmt(compared)} tweets differ on ${fmt(differ)}${values.model ? ' (the Python side trains its own pipeline from the archive, so with --model the two models can differ)' : ''}.
- **Latency** is the time from handing a tweet to the producer (batches every 5 ms at the steady rate, a non-idempotent kafkajs producer) until a consumer of the output topic in the same process has the result; the first ${WARM_UP_SECONDS} s are a warm-up and are left out. ${fmt(latency.received)} of ${fmt(latency.expected)} results arrived.
- One machine runs the broker, the bridge and the load, so the figures are relative: compare the columns, not machines.

Runs (in order):

| Run | Seconds | records/s from start | records/s first→last result | Bridge thread busy | In \`classify\`, s | Output records | Dead letters | Last bridge error |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${runRows.join('\n')}
| Python (${fmt(pythonRecords)}) | ${fmt(pythonTiming.seconds, 2)} | ${fmt(pythonRate)} | ${fmt(pythonTiming.steadyRate)} | — | ${fmt(pythonReport.classify_seconds, 2)} | ${fmt(await written(admin, pythonTopics.output))} | — | — |`)
    note('done')
  } finally {
    await cleanUp()
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  }
}

async function measureLatency({ client, admin, worker, brokers, name, tweet, rate, seconds }) {
  const run = name('latency')
  const inputTopic = `${run}-in`
  await admin.createTopics([{ topic: inputTopic, partitions: PARTITIONS }])
  const options = {
    brokers,
    inputTopic,
    outputTopic: `${run}-out`,
    dlqTopic: `${run}-dlq`,
    groupId: `${run}-group`,
    exactlyOnce: false,
  }
  await request(worker, { type: 'start', classifier: 'classify', options })

  const total = Math.round(rate * (WARM_UP_SECONDS + seconds))
  const warmUp = Math.round(rate * WARM_UP_SECONDS)
  const sentAt = new Float64Array(total)
  const latencies = []
  let received = 0
  const reader = client.consumer({ groupId: `${run}-reader`, maxWaitTimeMs: 100 })
  const joined = new Promise((resolveJoin) => reader.onGroupJoin(resolveJoin))
  await reader.connect()
  await reader.subscribe([options.outputTopic], { fromBeginning: true })
  await reader.run({
    autoCommit: false,
    eachBatch: async (batch, controls) => {
      const now = performance.now()
      for (const record of batch.records) {
        const key = record.key?.toString() ?? ''
        const i = Number(key.slice(key.lastIndexOf('-') + 1))
        received++
        if (i >= warmUp) latencies.push(now - sentAt[i])
      }
      const last = batch.records[batch.records.length - 1]
      if (last) controls.resolveOffset(last.offset)
    },
  })
  await joined

  const producer = client.producer({ idempotent: false })
  await producer.connect()
  const sends = []
  let failed = 0
  let next = 0
  let measuredFrom = 0
  const start = performance.now()
  while (next < total) {
    const now = performance.now()
    const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1)
    if (due > next) {
      if (next < warmUp && due >= warmUp) measuredFrom = now
      const batch = []
      for (; next < due; next++) {
        sentAt[next] = now
        batch.push(tweet(run, next))
      }
      sends.push(producer.send(inputTopic, batch).catch(() => failed++))
    }
    await sleep(5)
  }
  const sentRate = (total - warmUp) / ((performance.now() - measuredFrom) / 1000)
  await Promise.all(sends)
  for (const deadline = performance.now() + 15_000; received < total && performance.now() < deadline;) {
    await sleep(POLL_MS)
  }
  await reader.disconnect()
  await producer.disconnect()
  await request(worker, { type: 'stop' })
  if (failed > 0) throw new Error(`${failed} latency sends failed`)

  latencies.sort((a, b) => a - b)
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN
  return {
    measured: total - warmUp,
    sentRate,
    received,
    expected: total,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: latencies[latencies.length - 1] ?? NaN,
  }
}

/** Polls `count()` until it reaches `target`; fails if `failure` rejects first or after `timeoutMs`. */
async function waitFor(count, target, start, failure, timeoutMs = 240_000) {
  let failed
  failure.catch((error) => (failed = error))
  let first
  for (;;) {
    if (failed) throw failed
    const current = await count()
    const now = performance.now()
    if (first === undefined && current > 0) first = { now, current }
    if (current >= target) {
      const seconds = (now - start) / 1000
      const steadySeconds = (now - first.now) / 1000
      return {
        seconds,
        rate: target / seconds,
        steadyRate: steadySeconds > 0 ? (target - first.current) / steadySeconds : NaN,
      }
    }
    if (now - start > timeoutMs) throw new Error(`Only ${current} of ${target} results after ${timeoutMs} ms`)
    await sleep(POLL_MS)
  }
}

/** Records written to a topic (sum of its partitions' high watermarks). */
async function written(admin, topic) {
  const offsets = await admin.topicOffsets(topic)
  return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0)
}

/** Input records a group has committed (sum of its committed offsets). */
async function committed(admin, groupId, topic) {
  const offsets = await admin.groupOffsets(groupId, topic)
  return offsets.reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0)
}

/** Reads a topic from the beginning, handing each result to `take` until it returns true (or 60 s pass). */
async function readTopic(client, topic, take) {
  const consumer = client.consumer({ groupId: `bench-reader-${randomBytes(3).toString('hex')}` })
  let finish
  const finished = new Promise((resolveFinished) => (finish = resolveFinished))
  await consumer.connect()
  await consumer.subscribe([topic], { fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatch: async (batch, controls) => {
      for (const record of batch.records) {
        if (take(record.key?.toString() ?? '', JSON.parse(record.value.toString()))) finish()
      }
      const last = batch.records[batch.records.length - 1]
      if (last) controls.resolveOffset(last.offset)
    },
  })
  await Promise.race([finished, sleep(60_000, undefined, { ref: false })])
  await consumer.disconnect()
}

/** Sends a message to the bridge worker and resolves with its reply. */
function request(worker, message) {
  return new Promise((resolveReply, reject) => {
    const onMessage = (reply) => {
      worker.off('error', onError)
      if (reply.error) reject(new Error(reply.error))
      else resolveReply(reply)
    }
    const onError = (error) => {
      worker.off('message', onMessage)
      reject(error)
    }
    worker.once('message', onMessage)
    worker.once('error', onError)
    worker.postMessage(message)
  })
}

/** Ports that were free a moment ago (held together so that they differ). */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer()
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      return server
    }),
  )
  const ports = servers.map((server) => server.address().port)
  await Promise.all(servers.map((server) => new Promise((resolveClose) => server.close(resolveClose))))
  return ports
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const half = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2
}

function fmt(n, digits = 0) {
  if (n === undefined || Number.isNaN(n)) return '—'
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}
