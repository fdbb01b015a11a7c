// Kafka bridge benchmarks, on one local broker, with the same tweets and the same 20-class model throughout,
// for both Kafka clients the bridge can use (kafkajs and @platformatic/kafka), side by side in one run:
// the bridge classifying vs the same bridge passing records through, at-least-once and exactly-once, and
// classifying with the stream-health statistics fed as production feeds them; Kafka's
// own Java perf tools on the same broker (the physical limit); two bridge processes in one group vs one; the
// original Python consumer; and end-to-end latency at a steady rate.
//
//   npm run build && node benchmarks/bridge.mjs [--records 100000] [--python-records 5000] [--reps 5]
//       [--rate 1000] [--seconds 20] [--model FILE] [--clients kafkajs,platformatic]
//       [--perf-records 300000] [--perf-reps 3] [--scale-records 100000] [--scale-partitions 6]
//       [--scale-reps 2] [--modes passthrough,classify,health,eos]
//
// Data: TOPICSTREAM_20NEWS (20news-bydate.tar.gz, to train the model unless --model is given) and
// TOPICSTREAM_TWEETS (Sanders corpus CSV), or the `../shared/data` copies. The broker runs on free ports in a
// temporary directory, removed at the end. Each client's bridge runs in its own worker thread (its own event
// loop and heap, as in its own process); this thread produces, watches the topics and reads the results. The
// scale-out runs start `topicstream bridge` processes instead. Prints a Markdown report. --modes runs only
// the bridge measurements named (e.g. `--modes classify,health`; the latency runs classify regardless), and
// --perf-reps 0, --scale-reps 0 --scale-records 0 and a small --python-records shorten the other parts.
import { Buffer } from 'node:buffer'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, tmpdir } from 'node:os'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { withFreshProbabilities } from '../dist/api/bench/echo-result.js'
import { createBridge } from '../dist/bridge/bridge.js'
import { DEFAULT_BRIDGE_CONFIG } from '../dist/bridge/config.js'
import { KAFKA_VERSION, ensureKafkaJars, startLocalBroker } from '../dist/kafka/broker/index.js'
import { createKafkaClient } from '../dist/kafka/client.js'
import { tweetToRecord } from '../dist/producer/worker.js'
import { loadDataset } from '../dist/datasets/spec.js'
import { loadModel, saveModel, trainClassifier } from '../dist/engine/index.js'
import { createStreamMonitor } from '../dist/health/stream-monitor.js'
import { createJavaTools } from './bridge/java-tools.mjs'
import { spawnBridges } from './bridge/processes.mjs'

const TOP_K = 3
const PARTITIONS = 3
const WARM_UP_SECONDS = 2
const POLL_MS = 50
/** Ids of the requests to the bridge workers (declared before main() runs). */
let requests = 0
const CLIENT_NAMES = { kafkajs: 'kafkajs', platformatic: '@platformatic/kafka' }
/** The bridge measurements, each run with every client (all of them unless --modes names some). */
const MODES = [
  { key: 'passthrough', classifier: 'passthrough', exactlyOnce: false, title: 'pass-through, at-least-once' },
  { key: 'classify', classifier: 'classify', exactlyOnce: false, title: 'classifying, at-least-once' },
  {
    key: 'health',
    classifier: 'health',
    exactlyOnce: false,
    title: 'classifying with stream health, at-least-once',
  },
  { key: 'eos', classifier: 'classify', exactlyOnce: true, title: 'classifying, exactly-once' },
]

const logger = {
  error: (fields, message) => console.error(`error: ${message ?? ''}`, fields),
  warn: (fields, message) => console.error(`warn: ${message ?? ''}`, fields),
  info: () => {},
  debug: () => {},
}

if (isMainThread) await main()
else await serveBridge()

/** Worker thread: one bridge at a time, started and stopped on request (replies carry the request's id). */
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
  // Stream health as `topicstream bridge` feeds it: one monitor for the thread's life (as for a process's),
  // the model named after its file, each classification observed right after it is made.
  const streamHealth = createStreamMonitor()
  const ref = Object.freeze({
    name: basename(workerData.modelFile, extname(workerData.modelFile)),
    version: model.metadata.version,
  })
  const classifiers = {
    classify: timed((text) => model.classify(text, options)),
    health: timed((text) => {
      const classification = model.classify(text, options)
      streamHealth.observe('bridge', model, ref, classification, text)
      return classification
    }),
    passthrough: timed(passThrough),
  }
  let bridge
  let since
  parentPort.on('message', async ({ id, ...message }) => {
    const reply = (body) => parentPort.postMessage({ id, ...body })
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
        reply({})
      } else if (message.type === 'stats') {
        const { utilization } = performance.eventLoopUtilization(since)
        reply({ busy: utilization, classifySeconds: classifyMs / 1000 })
      } else {
        const lastError = bridge?.state().lastError
        await bridge?.stop()
        reply({ lastError: bridge?.state().lastError ?? lastError })
        bridge = undefined
      }
    } catch (error) {
      reply({ error: describe(error) })
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
      clients: { type: 'string', default: 'kafkajs,platformatic' },
      'perf-records': { type: 'string', default: '300000' },
      'perf-reps': { type: 'string', default: '3' },
      'scale-records': { type: 'string' },
      'scale-partitions': { type: 'string', default: '6' },
      'scale-reps': { type: 'string', default: '2' },
      modes: { type: 'string', default: MODES.map((mode) => mode.key).join(',') },
    },
  })
  const records = Number(values.records)
  const pythonRecords = Math.min(records, Number(values['python-records']))
  const reps = Number(values.reps)
  const rate = Number(values.rate)
  const seconds = Number(values.seconds)
  const clients = values.clients.split(',').map((client) => client.trim())
  for (const client of clients) {
    if (!(client in CLIENT_NAMES)) throw new Error(`Unknown client ${client} (kafkajs or platformatic)`)
  }
  const modeKeys = values.modes.split(',').map((key) => key.trim())
  for (const key of modeKeys) {
    if (!MODES.some((mode) => mode.key === key)) {
      throw new Error(`Unknown mode ${key} (${MODES.map((mode) => mode.key).join(', ')})`)
    }
  }
  const modes = MODES.filter((mode) => modeKeys.includes(mode.key))
  const perfRecords = Number(values['perf-records'])
  const perfReps = Math.min(reps, Number(values['perf-reps']))
  const scaleRecords = Number(values['scale-records'] ?? records)
  const scalePartitions = Number(values['scale-partitions'])
  const scaleReps = Number(values['scale-reps'])
  const defaultClient = DEFAULT_BRIDGE_CONFIG.kafkaClient
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
    const javaTools = createJavaTools({ libDir: await ensureKafkaJars(), workDir: work })
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
    // The average input value, in bytes, over `records` tweets (the corpus repeats, so one loop is enough).
    let valueBytes = 0
    const sized = Math.min(records, corpus.texts.length)
    for (let i = 0; i < sized; i++) valueBytes += Buffer.byteLength(tweet('t', i).value)
    const recordSize = Math.round(valueBytes / sized)

    const client = createKafkaClient({ brokers, clientId: 'topicstream-bench', logLevel: 'error', logger })
    const admin = client.admin()
    await admin.connect()
    cleanups.push(() => admin.disconnect())
    const producer = client.producer()
    await producer.connect()
    cleanups.push(() => producer.disconnect())

    const fill = async (topic, count, partitions = PARTITIONS) => {
      await admin.createTopics([{ topic, partitions }])
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
    const scaleTopic = name('scale-tweets')
    note(`producing ${fmt(scaleRecords)} tweets into ${scaleTopic} (${scalePartitions} partitions)`)
    await fill(scaleTopic, scaleRecords, scalePartitions)

    const workers = {}
    for (const bridgeClient of clients) {
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { modelFile } })
      cleanups.push(() => worker.terminate())
      await once(worker, 'message')
      workers[bridgeClient] = worker
    }
    if ((await pythonLine()) !== 'ready') throw new Error('The Python consumer did not start')

    // 1. Throughput of the bridge: from start() until every result is readable in the output topic. A run
    // that fails is reported with its error, and that client and mode are not tried again.
    const runBridge = async (bridgeClient, mode, input = inputTopic, count = records) => {
      const { classifier, exactlyOnce } = mode
      const worker = workers[bridgeClient]
      const run = name(`${bridgeClient}-${mode.key}`)
      const options = {
        brokers,
        inputTopic: input,
        outputTopic: `${run}-out`,
        dlqTopic: `${run}-dlq`,
        groupId: `${run}-group`,
        exactlyOnce,
        kafkaClient: bridgeClient,
      }
      // Created here with the input's partition count (as the bridge would), so that watching the output
      // topic cannot create it first with the broker's default of one partition.
      const partitions = await admin.partitionCount(input)
      await admin.createTopics(
        [options.outputTopic, options.dlqTopic].map((topic) => ({ topic, partitions })),
      )
      note(`bridge ${bridgeClient}, ${mode.title}, on ${input}`)
      const result = { client: bridgeClient, mode: mode.key, outputTopic: options.outputTopic }
      const start = performance.now()
      const started = request(worker, { type: 'start', classifier, options })
      // Exactly-once results are readable when their transaction commits, which commits the input
      // offsets too; the output's high watermarks would also count the transaction markers.
      const done = exactlyOnce
        ? () => committed(admin, options.groupId, input)
        : () => written(admin, options.outputTopic)
      try {
        Object.assign(result, await waitFor(done, count, start, started, Math.max(60_000, count)))
        await started
        Object.assign(result, await request(worker, { type: 'stats' }))
      } catch (error) {
        result.error = describe(error)
        note(`  failed: ${result.error}`)
      }
      await started.catch(() => {})
      try {
        const { lastError } = await request(worker, { type: 'stop' })
        result.lastError = lastError
      } catch (error) {
        result.error ??= `stop: ${describe(error)}`
      }
      result.deadLetters = await written(admin, options.dlqTopic)
      result.outputs = exactlyOnce ? undefined : await written(admin, options.outputTopic)
      return result
    }

    // Unmeasured: each client's first bridges (and the broker's first fetches) pay for warming up.
    for (const bridgeClient of clients) {
      for (const mode of modes) await runBridge(bridgeClient, mode, warmUpTopic, warmUpRecords)
    }
    const runs = []
    const perf = { produce: [], consume: [] }
    const perfTopic = name('perf')
    await admin.createTopics([{ topic: perfTopic, partitions: PARTITIONS }])
    // Every client × mode once a repetition, in ABBA order (the sequence, then the sequence reversed), so
    // that no client or mode gains from a broker that warms up or a machine that tires.
    const sequence = modes.flatMap((mode) => clients.map((bridgeClient) => ({ bridgeClient, mode })))
    const failed = new Set()
    for (let rep = 0; rep < reps; rep++) {
      if (rep < perfReps) {
        note(`ProducerPerformance, ${fmt(perfRecords)} records of ${recordSize} bytes`)
        perf.produce.push(
          await attempt(() =>
            javaTools.produce({
              brokers: broker.brokers,
              topic: perfTopic,
              records: perfRecords,
              recordSize,
            }),
          ),
        )
        note(`ConsumerPerformance, ${fmt(perfRecords)} records`)
        perf.consume.push(
          await attempt(() =>
            javaTools.consume({ brokers: broker.brokers, topic: perfTopic, records: perfRecords }),
          ),
        )
      }
      for (const { bridgeClient, mode } of rep % 2 === 0 ? sequence : [...sequence].reverse()) {
        const key = `${bridgeClient}/${mode.key}`
        if (failed.has(key)) continue
        const result = await runBridge(bridgeClient, mode)
        result.rep = rep
        runs.push(result)
        if (result.error) failed.add(key)
      }
    }

    // 2. Scale-out: `topicstream bridge` processes in one group on a topic with more partitions, one vs two.
    const runProcesses = async (bridgeClient, count) => {
      const run = name(`${bridgeClient}-x${count}`)
      const topics = { outputTopic: `${run}-out`, dlqTopic: `${run}-dlq`, groupId: `${run}-group` }
      await admin.createTopics(
        [topics.outputTopic, topics.dlqTopic].map((topic) => ({ topic, partitions: scalePartitions })),
      )
      note(`${count} bridge process${count > 1 ? 'es' : ''}, ${bridgeClient}, on ${scaleTopic}`)
      const result = { client: bridgeClient, processes: count }
      const start = performance.now()
      const bridges = spawnBridges({
        root,
        count,
        brokers: broker.brokers,
        modelFile,
        inputTopic: scaleTopic,
        ...topics,
        client: bridgeClient,
      })
      try {
        Object.assign(
          result,
          await waitFor(
            () => written(admin, topics.outputTopic),
            scaleRecords,
            start,
            bridges.failed,
            Math.max(90_000, scaleRecords),
          ),
        )
      } catch (error) {
        result.error = describe(error)
        note(`  failed: ${result.error}`)
      }
      result.stderr = await bridges.stop()
      result.outputs = await written(admin, topics.outputTopic)
      return result
    }
    const scaleRuns = []
    const scaleSequence = clients.flatMap((bridgeClient) => [1, 2].map((count) => ({ bridgeClient, count })))
    for (let rep = 0; rep < scaleReps; rep++) {
      for (const { bridgeClient, count } of rep % 2 === 0 ? scaleSequence : [...scaleSequence].reverse()) {
        if (failed.has(`${bridgeClient}/x${count}`)) continue
        const result = await runProcesses(bridgeClient, count)
        scaleRuns.push(result)
        if (result.error) failed.add(`${bridgeClient}/x${count}`)
      }
    }

    // 3. The original Python loop on the same input topic (its own group, reading from the beginning).
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

    // 4. Latency at a steady rate, each client's bridge running (at-least-once), one after the other.
    const latencies = {}
    for (const bridgeClient of clients) {
      note(`latency at ${rate}/s for ${WARM_UP_SECONDS} + ${seconds} s, ${bridgeClient}`)
      latencies[bridgeClient] = await attempt(() =>
        measureLatency({
          client,
          admin,
          worker: workers[bridgeClient],
          bridgeClient,
          brokers,
          name,
          tweet,
          rate,
          seconds,
        }),
      )
    }

    // The bridge's and Python's labels for the same tweets (the two sides' models should agree).
    note('comparing labels')
    const pythonLabels = new Map()
    await readTopic(client, pythonTopics.output, (id, result) => {
      pythonLabels.set(id, result.label)
      return pythonLabels.size >= pythonRecords
    })
    const agreement = {}
    for (const bridgeClient of clients) {
      const reference = runs.find(
        (run) => run.client === bridgeClient && run.mode === 'classify' && !run.error,
      )
      if (!reference) continue
      let compared = 0
      let differ = 0
      await readTopic(client, reference.outputTopic, (id, result) => {
        const label = pythonLabels.get(id)
        if (label === undefined) return false
        compared++
        if (label !== result.label) differ++
        return compared >= pythonLabels.size
      })
      agreement[bridgeClient] = { compared, differ }
    }

    console.log(
      report({
        command,
        values,
        records,
        pythonRecords,
        reps,
        rate,
        seconds,
        clients,
        modes,
        defaultClient,
        model,
        corpus,
        tweetsCsv,
        warmUpRecords,
        recordSize,
        perfRecords,
        perfReps,
        perf,
        runs,
        scaleRuns,
        scaleRecords,
        scalePartitions,
        scaleReps,
        pythonTiming,
        pythonReport,
        latencies,
        agreement,
        pythonOutputs: await written(admin, pythonTopics.output),
      }),
    )
    note('done')
  } finally {
    await cleanUp()
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  }
}

/** The Markdown report. */
function report(r) {
  const { clients, runs, scaleRuns, perf } = r
  const label = (bridgeClient) => CLIENT_NAMES[bridgeClient]
  const ok = (list) => list.filter((item) => item && !item.error)
  const middle = (list, key) => (list.length === 0 ? NaN : median(list.map((item) => item[key])))
  const firstError = (list) => list.find((item) => item?.error)?.error
  // Per client and mode: medians of the runs that completed, or the error of the one that did not.
  const stats = {}
  for (const bridgeClient of clients) {
    stats[bridgeClient] = {}
    for (const mode of MODES) {
      const all = runs.filter((run) => run.client === bridgeClient && run.mode === mode.key)
      const done = ok(all)
      stats[bridgeClient][mode.key] = {
        runs: done.length,
        rate: middle(done, 'rate'),
        steadyRate: middle(done, 'steadyRate'),
        seconds: middle(done, 'seconds'),
        busy: middle(done, 'busy'),
        classifySeconds: middle(done, 'classifySeconds'),
        error: firstError(all),
      }
    }
    for (const count of [1, 2]) {
      const all = scaleRuns.filter((run) => run.client === bridgeClient && run.processes === count)
      const done = ok(all)
      stats[bridgeClient][`x${count}`] = {
        runs: done.length,
        rate: middle(done, 'rate'),
        steadyRate: middle(done, 'steadyRate'),
        error: firstError(all),
      }
    }
  }
  const produced = ok(perf.produce)
  const consumed = ok(perf.consume)
  const producerRate = middle(produced, 'rate')
  const consumerRate = middle(consumed, 'fetchRate')
  const pythonRate = r.pythonRecords / r.pythonTiming.seconds
  const pythonSteady = r.pythonTiming.steadyRate
  const baseline = clients.includes('kafkajs') ? stats.kafkajs.classify : undefined

  const cell = (s, digits = 0) =>
    s.runs === 0 ? `failed: ${s.error ?? 'no run'}` : `${fmt(s.rate, digits)} (${fmt(s.steadyRate, digits)})`
  const verdict = (value, target, atMost = false) =>
    Number.isNaN(value) || value === undefined
      ? '—'
      : (atMost ? value <= target : value >= target)
        ? '✓ met'
        : '✗ not met'
  const ratioCell = (value, target, digits = 2, extra = '', atMost = false) =>
    Number.isNaN(value) || value === undefined
      ? '— (no completed run)'
      : `**${fmt(value, digits)}**${extra} ${verdict(value, target, atMost)}`

  // Per client, the repetitions in which both classify and health completed: health ÷ classify in each (the
  // two run back to back in every repetition, in alternating order), and the µs a record that `observe`
  // adds inside the timed callback.
  const healthPairs = {}
  for (const bridgeClient of clients) {
    healthPairs[bridgeClient] = []
    for (let rep = 0; rep < r.reps; rep++) {
      const find = (key) =>
        runs.find((run) => run.client === bridgeClient && run.mode === key && run.rep === rep && !run.error)
      const classified = find('classify')
      const observed = find('health')
      if (!classified || !observed) continue
      healthPairs[bridgeClient].push({
        rep,
        classify: classified,
        health: observed,
        rate: observed.rate / classified.rate,
        steadyRate: observed.steadyRate / classified.steadyRate,
        observeUs: (1e6 * (observed.classifySeconds - classified.classifySeconds)) / r.records,
      })
    }
  }
  const healthRatio = (bridgeClient, key = 'rate') => {
    const pairs = healthPairs[bridgeClient]
    return pairs.length === 0 ? NaN : median(pairs.map((pair) => pair[key]))
  }
  const healthSpread = (bridgeClient, key = 'rate') => {
    const values = healthPairs[bridgeClient].map((pair) => pair[key])
    return values.length === 0 ? '—' : `${fmt(Math.min(...values), 3)}–${fmt(Math.max(...values), 3)}`
  }

  const targets = [
    {
      what: 'Classifying at-least-once ≥ 1.8× the kafkajs bridge (records/s from start; first→last in brackets)',
      of: (s) =>
        ratioCell(
          s.classify.rate / baseline?.rate,
          1.8,
          2,
          ` (${fmt(s.classify.steadyRate / baseline?.steadyRate, 2)})`,
        ),
    },
    {
      what: `Classifying at-least-once ≥ 0.4× ProducerPerformance (${fmt(producerRate)} records/s; bridge first→last)`,
      of: (s) => ratioCell(s.classify.steadyRate / producerRate, 0.4),
    },
    {
      what: 'Classifying at-least-once ≥ 0.85× its own pass-through (from start; first→last in brackets)',
      of: (s) =>
        ratioCell(
          s.classify.rate / s.passthrough.rate,
          0.85,
          2,
          ` (${fmt(s.classify.steadyRate / s.passthrough.steadyRate, 2)})`,
        ),
    },
    {
      what: 'Exactly-once ≥ 0.8× at-least-once (from start; first→last in brackets)',
      of: (s) =>
        ratioCell(
          s.eos.rate / s.classify.rate,
          0.8,
          2,
          ` (${fmt(s.eos.steadyRate / s.classify.steadyRate, 2)})`,
        ),
    },
    {
      what: `Two bridge processes ≥ 1.4× one (${r.scalePartitions} partitions; from spawn, first→last in brackets)`,
      of: (s) => ratioCell(s.x2.rate / s.x1.rate, 1.4, 2, ` (${fmt(s.x2.steadyRate / s.x1.steadyRate, 2)})`),
    },
    {
      what: `End-to-end p99 at ${fmt(r.rate)} tweets/s ≤ 30 ms`,
      of: (s, bridgeClient) => ratioCell(r.latencies[bridgeClient]?.p99, 30, 1, ' ms', true),
    },
    {
      what: '≥ 150× the Python original (first→last result on both sides)',
      of: (s) => ratioCell(s.classify.steadyRate / pythonSteady, 150, 0, '×'),
    },
    {
      what: 'Classifying with stream health ≥ 0.95× classifying (median of the per-repetition ratios from start; their min–max, and the median first→last ratio, in brackets)',
      of: (s, bridgeClient) =>
        ratioCell(
          healthRatio(bridgeClient),
          0.95,
          3,
          ` (${healthSpread(bridgeClient)} over ${healthPairs[bridgeClient].length}; first→last ${fmt(healthRatio(bridgeClient, 'steadyRate'), 3)})`,
        ),
    },
  ]
  const header = (first) =>
    `| ${first} | ${clients.map(label).join(' | ')} |\n| --- |${clients.map(() => ' ---: |').join('')}`
  const row = (what, of) => `| ${what} | ${clients.map((c) => of(stats[c], c)).join(' | ')} |`
  const versus =
    clients.includes('kafkajs') && clients.includes('platformatic')
      ? (key, field = 'rate') => fmt(stats.platformatic[key][field] / stats.kafkajs[key][field], 2)
      : undefined

  const latencyRows = clients.map((bridgeClient) => {
    const latency = r.latencies[bridgeClient]
    if (latency.error) return `| ${label(bridgeClient)} | failed: ${latency.error} | | | | |`
    return `| ${label(bridgeClient)}: ${fmt(latency.measured)} tweets over ${r.seconds} s (sent at ${fmt(latency.sentRate)}/s; ${fmt(latency.received)} of ${fmt(latency.expected)} arrived) | ${fmt(latency.p50, 1)} | ${fmt(latency.p90, 1)} | ${fmt(latency.p99, 1)} | ${fmt(latency.max, 1)} |`
  })
  const modeTitle = Object.fromEntries(MODES.map((mode) => [mode.key, mode.title]))
  const runRows = runs.map(
    (run) =>
      `| ${label(run.client)} | ${modeTitle[run.mode]} | ${fmt(run.seconds, 2)} | ${fmt(run.rate)} | ${fmt(run.steadyRate)} | ${run.busy === undefined ? '—' : `${fmt(100 * run.busy)}%`} | ${fmt(run.classifySeconds, 2)} | ${run.outputs === undefined ? '(transactional)' : fmt(run.outputs)} | ${fmt(run.deadLetters)} | ${run.error ?? (run.lastError ? `${run.lastError.code}: ${run.lastError.message ?? ''}` : '—')} |`,
  )
  const scaleRows = scaleRuns.map(
    (run) =>
      `| ${label(run.client)} | ${run.processes} | ${fmt(run.seconds, 2)} | ${fmt(run.rate)} | ${fmt(run.steadyRate)} | ${fmt(run.outputs)} | ${run.error ?? '—'} |`,
  )
  const perfRows = [
    ...perf.produce.map((p) =>
      p.error
        ? `| ProducerPerformance | failed: ${p.error} | | |`
        : `| ProducerPerformance | ${fmt(p.rate)} | ${fmt(p.mbPerSecond, 1)} MB/s | avg latency ${fmt(p.avgLatencyMs, 1)} ms, p99 ${fmt(p.p99LatencyMs)} ms |`,
    ),
    ...perf.consume.map((p) =>
      p.error
        ? `| ConsumerPerformance | failed: ${p.error} | | |`
        : `| ConsumerPerformance | ${fmt(p.fetchRate)} | ${fmt(p.rate)} records/s including the group join | group join ${fmt(p.rebalanceMs)} ms |`,
    ),
  ]
  const scaleCell = (s) =>
    s.runs === 0 ? `failed: ${s.error ?? 'no run'}` : `${fmt(s.rate)} (${fmt(s.steadyRate)})`
  const pt = (bridgeClient) => stats[bridgeClient].passthrough
  const cl = (bridgeClient) => stats[bridgeClient].classify
  const agreementText = clients
    .filter((bridgeClient) => r.agreement[bridgeClient])
    .map(
      (bridgeClient) =>
        `${label(bridgeClient)}: ${fmt(r.agreement[bridgeClient].differ)} of ${fmt(r.agreement[bridgeClient].compared)}`,
    )
    .join('; ')

  return `## Kafka bridge (${fmt(r.records)} tweets, 20-class model, one local broker; kafkajs and @platformatic/kafka side by side)

    npm run build && ${r.command}

Node ${process.version}, ${availableParallelism()} CPUs, Apache Kafka ${KAFKA_VERSION} (one KRaft node, started for the run). Clients: ${clients.map(label).join(' and ')}, chosen with the bridge's \`kafkaClient\` option; the default in this build is ${label(r.defaultClient)}. Model: ${r.values.model ? basename(r.values.model) : '20 Newsgroups training split'}, ${r.model.classes.length} classes, vocabulary ${fmt(r.model.metadata.vocabularySize)}. Tweets: the ${fmt(r.corpus.texts.length)} Sanders tweets (${basename(r.tweetsCsv)}) looped to ${fmt(r.records)} records with unique ids (values of ${r.recordSize} bytes on average), produced beforehand into one input topic with ${PARTITIONS} partitions. Each measurement has its own output topic and consumer group. Bridge figures are medians of ${r.reps} runs per client and mode, in ABBA order, after one unmeasured warm-up run of each client and mode on ${fmt(r.warmUpRecords)} other records.

Targets (for each client; ✓ met, ✗ not met):

${header('Target')}
${targets.map(({ what, of }) => row(what, of)).join('\n')}

Throughput, records/s from start (first→last result in brackets), medians:

| Measure | ${clients.map(label).join(' | ')}${versus ? ' | @platformatic/kafka ÷ kafkajs' : ''} |
| --- |${clients.map(() => ' ---: |').join('')}${versus ? ' ---: |' : ''}
${r.modes.map((mode) => `| Bridge ${mode.title} | ${clients.map((c) => cell(stats[c][mode.key])).join(' | ')}${versus ? ` | **${versus(mode.key)}** (${versus(mode.key, 'steadyRate')})` : ''} |`).join('\n')}
| One \`topicstream bridge\` process, ${r.scalePartitions}-partition topic, ${fmt(r.scaleRecords)} tweets | ${clients.map((c) => scaleCell(stats[c].x1)).join(' | ')}${versus ? ` | ${versus('x1')} (${versus('x1', 'steadyRate')})` : ''} |
| Two processes, one group | ${clients.map((c) => scaleCell(stats[c].x2)).join(' | ')}${versus ? ` | ${versus('x2')} (${versus('x2', 'steadyRate')})` : ''} |

| Physical limit and original, same broker, same run | records/s |
| --- | ---: |
| Kafka's ProducerPerformance (Java; acks=all, idempotent, ${fmt(r.perfRecords)} records of ${r.recordSize} bytes), median of ${produced.length} | ${fmt(producerRate)} |
| Kafka's ConsumerPerformance (Java; the same ${fmt(r.perfRecords)} records, fetch rate), median of ${consumed.length} | ${fmt(consumerRate)} |
| Python original: kafka-python + scikit-learn, one message at a time (first ${fmt(r.pythonRecords)} records) | ${fmt(pythonRate)} (${fmt(pythonSteady)}) |

| End-to-end latency at ${fmt(r.rate)} tweets/s (at-least-once), ms | p50 | p90 | p99 | max |
| --- | ---: | ---: | ---: | ---: |
${latencyRows.join('\n')}

What the figures mean:
- **records/s** is N divided by the wall time from \`bridge.start()\` (connecting, joining the group; the output topics are created just before, with the input's partition count) until all N results are in the output topic: at-least-once, when the output topic's high watermarks add up to N; exactly-once, when the group's committed input offsets (committed in the same transactions as the results, so the results are readable by \`read_committed\` consumers) add up to N. The start-up is included, so short runs understate the steady rate; the figure in brackets is the rate from the first result to the last.
- **Pass-through** is the same \`createBridge\` with a \`classify\` that returns a typical Classification (a real one, ${TOP_K} classes in \`top_k\`, so both write the same result size; a fresh copy per record, its probabilities new in their last digits, so that formatting them costs what real ones do): everything but the classification. ${clients
    .filter((c) => pt(c).runs > 0 && cl(c).runs > 0)
    .map(
      (c) =>
        `With ${label(c)}, passing through takes ${fmt((1e6 * pt(c).seconds) / r.records, 1)} µs of wall time a record and \`classify\` spends ${fmt((1e6 * cl(c).classifySeconds) / r.records, 1)} µs a tweet on the bridge's thread, which, added to every record, would make a ratio of ${fmt(pt(c).seconds / (pt(c).seconds + cl(c).classifySeconds), 2)}.`,
    )
    .join(' ')}
- **Bridge thread busy** (runs table) is the event-loop utilization of the bridge's thread from \`start()\` to the last result (100% would mean the bridge is bound by its own thread's CPU; below that it also waits for the broker); **in \`classify\`** is the time spent inside the \`classify\` callback (for Python: in \`predict_proba\`).
- **Stream health** is the at-least-once bridge with \`classify\` as \`topicstream bridge\` makes it: \`model.classify(text)\`, then \`streamHealth.observe('bridge', model, ref, classification, text)\` on one \`createStreamMonitor()\` (default window) kept for the worker's life, \`ref\` being the model's \`{ name, version }\` as the registry builds it; the classification is returned as in the plain runs (without the model's name, so both write the same bytes), so the difference between the two is the statistics alone. Its ratio is health ÷ classify within each repetition, the two runs back to back in alternating order. ${clients
    .filter((c) => healthPairs[c].length > 0)
    .map(
      (c) =>
        `With ${label(c)}, \`observe\` adds a median ${fmt(median(healthPairs[c].map((pair) => pair.observeUs)), 2)} µs a record inside the callback.`,
    )
    .join(' ')}
- **Exactly-once** runs one transaction per batch (results + input offsets) instead of idempotent sends plus offset commits.
- **ProducerPerformance / ConsumerPerformance** are Kafka's own Java tools from the broker's jars (\`java -cp <jars>/* org.apache.kafka.tools.ProducerPerformance --num-records ${r.perfRecords} --throughput -1 --record-size ${r.recordSize} --producer-props bootstrap.servers=… acks=all enable.idempotence=true\`, then \`org.apache.kafka.tools.ConsumerPerformance --messages ${r.perfRecords}\` on the same topic), run at the start of the first ${r.perfReps} repetitions, between the bridge runs. Their rates are their own (JVM start-up excluded), so the bridge is compared with them by its first→last rate. The producer alone is the ceiling of a loop that must also produce each result with acks=all.
- **Scale-out** starts \`node bin/topicstream.js bridge --kafka-client … --model …\` processes (the deployed form: each loads the model file and joins the group) on a ${r.scalePartitions}-partition input topic holding ${fmt(r.scaleRecords)} tweets, timed from the spawn until all results are in the output topic; ${r.scaleReps} repetitions of one and two processes per client, ABBA order. The time from spawn includes Node's start, loading the model and the group's rebalance when the second member joins; the bracketed rate (first→last result) leaves those out. ${availableParallelism()} cores serve the broker, the bridge processes and this harness, so two processes can at best share what one process leaves idle.
- **Python original** is kafka-python's KafkaConsumer (defaults, auto-commit) and scikit-learn's \`CountVectorizer → TfidfTransformer → MultinomialNB\` trained on the same data, \`predict_proba([text])\` per message, each result (same fields as the bridge's) sent with a KafkaProducer (defaults: acks=all, idempotent). It is given ${fmt(r.pythonRecords)} of the ${fmt(r.records)} records${r.pythonRecords < r.records ? ` (all of them would take about ${fmt(r.records / pythonRate / 60, 1)} minutes). Because the two sides process different numbers of records, their start-ups weigh differently in the rates from start, so the ratio compares the rates from the first result to the last` : ''}. Timed like the bridge, from the moment it is told to start (it creates its consumer and producer then) until its N results are in its output topic. Its self-reported time (consumer creation to \`flush()\`) was ${fmt(r.pythonReport.seconds, 2)} s, ${fmt((100 * r.pythonReport.classify_seconds) / r.pythonReport.seconds)}% of it in \`predict_proba\`. Labels of the bridge and Python results for the same tweets that differ: ${agreementText || '—'}${r.values.model ? ' (the Python side trains its own pipeline from the archive, so with --model the two models can differ)' : ''}.
- **Latency** is the time from handing a tweet to the producer (batches every 5 ms at the steady rate, a non-idempotent kafkajs producer in this harness, the same for both bridges) until a consumer of the output topic in the same process (kafkajs) has the result; the first ${WARM_UP_SECONDS} s are a warm-up and are left out.
- One machine runs the broker, the bridge and the load, so the figures are relative: compare the columns, not machines.

${healthTable(r, healthPairs, label)}Bridge runs (in order):

| Client | Run | Seconds | records/s from start | records/s first→last result | Bridge thread busy | In \`classify\`, s | Output records | Dead letters | Error / last bridge error |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${runRows.join('\n')}
| Python (${fmt(r.pythonRecords)}) | classifying | ${fmt(r.pythonTiming.seconds, 2)} | ${fmt(pythonRate)} | ${fmt(pythonSteady)} | — | ${fmt(r.pythonReport.classify_seconds, 2)} | ${fmt(r.pythonOutputs)} | — | — |

Scale-out runs (in order):

| Client | Processes | Seconds from spawn | records/s from spawn | records/s first→last result | Output records | Error |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${scaleRows.join('\n')}

Kafka's tools (in order):

| Tool | records/s | | |
| --- | ---: | --- | --- |
${perfRows.join('\n')}`
}

/** Health ÷ classify per repetition and client, with the median and the spread; empty without such pairs. */
function healthTable(r, healthPairs, label) {
  const clients = r.clients.filter((bridgeClient) => healthPairs[bridgeClient].length > 0)
  if (clients.length === 0) return ''
  const reps = [...new Set(clients.flatMap((c) => healthPairs[c].map((pair) => pair.rep)))].sort(
    (a, b) => a - b,
  )
  const pairAt = (c, rep) => healthPairs[c].find((pair) => pair.rep === rep)
  const rows = reps.map(
    (rep) =>
      `| ${rep + 1} | ${clients
        .map((c) => {
          const pair = pairAt(c, rep)
          return pair
            ? `${fmt(pair.classify.rate)} | ${fmt(pair.health.rate)} | ${fmt(pair.rate, 3)} (${fmt(pair.steadyRate, 3)})`
            : '— | — | —'
        })
        .join(' | ')} |`,
  )
  const rates = (c, key) => healthPairs[c].map((pair) => (key === 'ratio' ? pair.rate : pair[key].rate))
  const steady = (c) => healthPairs[c].map((pair) => pair.steadyRate)
  const range = (list, digits) => `${fmt(Math.min(...list), digits)}–${fmt(Math.max(...list), digits)}`
  const summary = (what, of) =>
    `| ${what} | ${clients.map((c) => `${of(rates(c, 'classify'))} | ${of(rates(c, 'health'))} | ${of(rates(c, 'ratio'), steady(c))}`).join(' | ')} |`
  const medianRow = summary('Median', (list, ratios) =>
    ratios ? `**${fmt(median(list), 3)}** (${fmt(median(ratios), 3)})` : fmt(median(list)),
  )
  const rangeRow = summary('Min–max', (list, ratios) =>
    ratios ? `${range(list, 3)} (${range(ratios, 3)})` : range(list, 0),
  )
  return `Stream health vs classifying, at-least-once, records/s from start per repetition (health ÷ classify; first→last ratio in brackets):

| Rep | ${clients.map((c) => `${label(c)} classify | ${label(c)} health | ratio`).join(' | ')} |
| ---: |${clients.map(() => ' ---: | ---: | ---: |').join('')}
${rows.join('\n')}
${medianRow}
${rangeRow}

`
}

async function measureLatency({ client, admin, worker, bridgeClient, brokers, name, tweet, rate, seconds }) {
  const run = name(`latency-${bridgeClient}`)
  const inputTopic = `${run}-in`
  await admin.createTopics([{ topic: inputTopic, partitions: PARTITIONS }])
  const options = {
    brokers,
    inputTopic,
    outputTopic: `${run}-out`,
    dlqTopic: `${run}-dlq`,
    groupId: `${run}-group`,
    exactlyOnce: false,
    kafkaClient: bridgeClient,
  }
  await admin.createTopics(
    [options.outputTopic, options.dlqTopic].map((topic) => ({ topic, partitions: PARTITIONS })),
  )
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

/**
 * Polls `count()` until it reaches `target`; fails if `failure` rejects first or after `timeoutMs`. A count
 * that fails (a topic not served yet) counts as no progress; its error is given if the wait times out.
 */
async function waitFor(count, target, start, failure, timeoutMs = 240_000) {
  let failed
  failure.catch((error) => (failed = error))
  let first
  let current = 0
  let countError
  for (;;) {
    if (failed) throw failed
    try {
      current = await count()
      countError = undefined
    } catch (error) {
      countError = error
    }
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
    if (now - start > timeoutMs) {
      throw new Error(
        `only ${current} of ${target} results after ${fmt(timeoutMs / 1000)} s${countError ? ` (${describe(countError)})` : ''}`,
      )
    }
    await sleep(POLL_MS)
  }
}

/** Runs `task`; a failure becomes `{ error }`, so that one failed measurement does not end the run. */
async function attempt(task) {
  try {
    return await task()
  } catch (error) {
    return { error: describe(error) }
  }
}

function describe(error) {
  if (!(error instanceof Error)) return String(error)
  return error.code ? `${error.code}: ${error.message}` : error.message
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

/** Sends a message to a bridge worker and resolves with its reply to that message. */
function request(worker, message) {
  const id = ++requests
  return new Promise((resolveReply, reject) => {
    const onMessage = (reply) => {
      if (reply.id !== id) return
      worker.off('message', onMessage)
      worker.off('error', onError)
      if (reply.error) reject(new Error(reply.error))
      else resolveReply(reply)
    }
    const onError = (error) => {
      worker.off('message', onMessage)
      reject(error)
    }
    worker.on('message', onMessage)
    worker.once('error', onError)
    worker.postMessage({ id, ...message })
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
