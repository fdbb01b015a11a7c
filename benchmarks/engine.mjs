// Engine benchmarks, topicstream and scikit-learn side by side in one run, on one core.
// In-process figures are CPU time; whole-process figures are wall time, the two commands alternating.
//
//   npm run build && taskset -c 1 node benchmarks/engine.mjs
//
// Data: TOPICSTREAM_20NEWS (20news-bydate.tar.gz) and TOPICSTREAM_TWEETS (Sanders corpus CSV), or the
// `../shared/data` copies. Prints a Markdown report (the source of BENCHMARKS.md's engine section).
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { createInterface } from 'node:readline'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDataset } from '../dist/datasets/spec.js'
import { loadModel, saveModel, trainClassifier } from '../dist/engine/index.js'
// CPU time, as the Python side measures its own: the ratios hold on a busy machine.
import { classifyRate, cpuMs } from './classify-rate.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const data = (env, file) => process.env[env] ?? resolve(root, '../shared/data', file)
const archive = data('TOPICSTREAM_20NEWS', '20news-bydate.tar.gz')
const tweetsCsv = data('TOPICSTREAM_TWEETS', 'tweets/sanders-full-corpus.csv')
const REPS = 3
const ROUNDS = 9
const PROCESS_LINES = 100_000

const python = execFileSync('bash', [join(root, 'scripts/python/setup-venv.sh')], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop()
const work = mkdtempSync(join(tmpdir(), 'topicstream-bench-'))
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

try {
  const news = await loadDataset(`20news:${archive}`)
  const tweets = (
    await loadDataset(`csv:${tweetsCsv}`, { textColumn: 'TweetText', labelColumn: 'Topic' })
  ).train.texts.map((text) => text.replace(/[\r\n]+/g, ' '))
  const tweetsFile = join(work, 'tweets.txt')
  writeFileSync(tweetsFile, tweets.join('\n') + '\n')

  // Training: vectorize + tf-idf + fit, texts already in memory on both sides.
  const trainMs = []
  let model
  for (let i = 0; i < REPS; i++) {
    const start = cpuMs()
    model = trainClassifier(news.train, {}, { source: news.source, fingerprint: news.fingerprint })
    trainMs.push(cpuMs() - start)
  }
  const modelFile = join(work, '20news.tsmodel')
  await saveModel(model, modelFile)

  const pickle = join(work, '20news.pkl')
  const sk = JSON.parse(
    execFileSync(
      python,
      [
        join(root, 'benchmarks/python/sklearn_engine.py'),
        'measure',
        '--archive',
        archive,
        '--tweets',
        tweetsFile,
        '--pickle',
        pickle,
        '--reps',
        String(REPS),
      ],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
        env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
      },
    ),
  )

  // Single tweets, one call each, as a server handles them, against scikit-learn's batched
  // predict_proba on all of them: rounds of a second of CPU time each, the two sides taking turns,
  // so a slow stretch of the shared machine falls on both; medians reported.
  const loaded = await loadModel(modelFile)
  const sklearnRounds = spawn(
    python,
    [join(root, 'benchmarks/python/sklearn_engine.py'), 'rounds', '--pickle', pickle, '--tweets', tweetsFile],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1' } },
  )
  const sklearnLines = createInterface({ input: sklearnRounds.stdout })[Symbol.asyncIterator]()
  const ours = []
  const theirs = []
  for (let round = 0; round < ROUNDS; round++) {
    sklearnRounds.stdin.write('round\n')
    const { value: line } = await sklearnLines.next()
    theirs.push(JSON.parse(line).tweets_per_s)
    ours.push(classifyRate(loaded, tweets, 1000, round === 0 ? 1000 : 0))
  }
  sklearnRounds.stdin.end()
  await once(sklearnRounds, 'close')
  const tweetsPerSecond = median(ours)
  const batchedPerSecond = median(theirs)
  const roundRatios = ours.map((rate, i) => rate / theirs[i]).sort((a, b) => a - b)

  // Whole processes: `topicstream classify` vs a Python process with the pickled pipeline, same JSONL.
  const jsonl = join(work, 'tweets.jsonl')
  const out = createWriteStream(jsonl)
  for (let i = 0; i < PROCESS_LINES; i++)
    out.write(JSON.stringify({ id: i, text: tweets[i % tweets.length] }) + '\n')
  out.end()
  await once(out, 'finish')
  const processes = {
    topicstream: [process.execPath, [join(root, 'bin/topicstream.js'), 'classify', '--model', modelFile]],
    python: [python, [join(root, 'benchmarks/python/sklearn_engine.py'), 'classify', pickle]],
  }
  const wall = { topicstream: [], python: [] }
  const outputs = {}
  for (let i = 0; i < REPS; i++) {
    for (const [name, [cmd, args]] of Object.entries(processes)) {
      const target = join(work, `${name}.out.jsonl`)
      const began = performance.now()
      await run(cmd, args, jsonl, target)
      wall[name].push(performance.now() - began)
      outputs[name] = target
    }
  }
  const mismatches = compareLabels(outputs.topicstream, outputs.python)

  // Load time and resident memory of a fresh process holding the 20-class model.
  const probe = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { loadModel } = await import(${JSON.stringify(join(root, 'dist/engine/index.js'))});
         const t = performance.now(); const m = await loadModel(${JSON.stringify(modelFile)});
         const ms = performance.now() - t; m.classify('warm up');
         console.log(JSON.stringify({ ms, rss: process.memoryUsage().rss }))`,
      ],
      { encoding: 'utf8' },
    ),
  )

  const trainRatio = median(sk.fit_ms) / median(trainMs)
  const tsProcess = median(wall.topicstream)
  const pyProcess = median(wall.python)
  console.log(`## Engine (20 Newsgroups, all 20 classes; ${fmt(tweets.length)} Sanders tweets)

Node ${process.version}, scikit-learn pipeline \`CountVectorizer → TfidfTransformer → MultinomialNB\`, vocabulary ${fmt(model.metadata.vocabularySize)} (scikit-learn: ${fmt(sk.vocabulary)}).

| Measure | topicstream | scikit-learn | Ratio |
| --- | ---: | ---: | ---: |
| Classify single tweets (one call each), tweets/s (median of ${ROUNDS} rounds) | ${fmt(tweetsPerSecond)} | ${fmt(batchedPerSecond)} (batched \`predict_proba\`) | **${fmt(tweetsPerSecond / batchedPerSecond, 2)}×** |
| … vs the original's one-at-a-time \`predict_proba\`, tweets/s | ${fmt(tweetsPerSecond)} | ${fmt(sk.single_tweets_per_s)} | **${fmt(tweetsPerSecond / sk.single_tweets_per_s)}×** |
| Train on 11,314 documents (median of ${REPS}), ms | ${fmt(median(trainMs))} | ${fmt(median(sk.fit_ms))} | **${fmt(trainRatio, 2)}×** faster |
| Whole process: classify ${fmt(PROCESS_LINES)} JSONL lines (median of ${REPS}), ms | ${fmt(tsProcess)} | ${fmt(pyProcess)} (pickled pipeline) | **${fmt(pyProcess / tsProcess, 1)}×** |

- Single tweets: the two sides took turns, a second of CPU time each; the ratio of each round's pair ranged from ${fmt(roundRatios[0], 2)}× to ${fmt(roundRatios[roundRatios.length - 1], 2)}×.
- Labels of the two processes' outputs differ on ${mismatches} of ${fmt(PROCESS_LINES)} lines.
- 20-class model file: ${fmt(statSync(modelFile).size / 2 ** 20)} MB, loads in ${fmt(probe.ms)} ms; process RSS with it loaded ${fmt(probe.rss / 2 ** 20)} MB.`)
} finally {
  rmSync(work, { recursive: true, force: true })
}

function run(cmd, args, input, output) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    })
    createReadStream(input).pipe(child.stdin)
    child.stdout.pipe(createWriteStream(output))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${cmd} exited ${code}`))))
  })
}

function compareLabels(a, b) {
  const read = (file) => readFileSync(file, 'utf8').split('\n')
  const left = read(a)
  const right = read(b)
  let differ = 0
  for (let i = 0; i < PROCESS_LINES; i++) {
    const l = left[i] && JSON.parse(left[i]).label
    const r = right[i] && JSON.parse(right[i]).label
    if (l !== r) differ++
  }
  return differ
}
