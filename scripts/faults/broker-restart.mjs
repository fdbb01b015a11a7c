/**
 * Fault: stop and start the broker (same data directory) while an at-least-once bridge works and a
 * producer keeps writing; no input id may be lost, and the bridge must reconnect by itself.
 *   node scripts/faults/broker-restart.mjs   (after npm run build; TOPICSTREAM_TWEETS or ../shared/data)
 */
import {
  audit,
  createTopics,
  feed,
  finish,
  grepLog,
  loadTweets,
  log,
  progress,
  setup,
  startBridge,
  stopGracefully,
  tally,
  trainModel,
  waitFor,
} from './lib.mjs'

const NAME = 'broker restart mid-stream'
const TOTAL = Number(process.env.FAULT_RECORDS ?? 30_000)
const RATE = Number(process.env.FAULT_RATE ?? 1000)
const topics = { input: 'tweets', output: 'tweets.classified', dlq: 'tweets.dlq', group: 'fault-restart' }

const env = await setup('restart')
try {
  const [model, tweets] = await Promise.all([trainModel(env.work), loadTweets()])
  await createTopics(env.brokers, [{ topic: topics.input, partitions: 3 }])
  const bridge = startBridge(env, 'bridge', [
    '--model',
    model,
    '--input-topic',
    topics.input,
    '--output-topic',
    topics.output,
    '--dlq-topic',
    topics.dlq,
    '--group',
    topics.group,
  ])
  const feeder = feed(env.brokers, topics.input, tweets, TOTAL, RATE)
  log(`feeding ${TOTAL} tweets at ~${RATE}/s; bridge started (at-least-once)`)
  await waitFor(
    'a third committed',
    async () => (await progress(env.brokers, topics.group, topics.input)).committed >= TOTAL / 3,
    120_000,
    200,
  )
  const before = await progress(env.brokers, topics.group, topics.input)
  log(`restarting the broker at ${before.committed} committed, ${feeder.sent()} fed`)
  const started = Date.now()
  await env.broker.restart()
  log(`broker back after ${((Date.now() - started) / 1000).toFixed(1)} s`)
  await feeder.done
  log('feeding done; waiting for the bridge to commit everything')
  const drained = await waitFor(
    'all input committed',
    async () => {
      const { committed, end } = await progress(env.brokers, topics.group, topics.input)
      return committed >= end && end >= TOTAL
    },
    150_000,
  )
  const alive = bridge.exitCode === null && bridge.signalCode === null
  const exitCode = await stopGracefully(bridge)
  const { counts, records } = await audit(env.brokers, topics.output, TOTAL)
  const { missing, duplicated, extra, missingSample } = tally(counts, TOTAL)
  const crashes = grepLog(bridge.logFile, 'Kafka consumer crashed').length
  finish(
    NAME,
    [
      { ok: alive, what: 'the bridge process survived the broker restart' },
      { ok: drained, what: 'the bridge reconnected and committed the whole input' },
      { ok: missing === 0, what: 'no input id missing from the output' },
      { ok: exitCode === 0, what: 'graceful stop (SIGTERM) exits 0' },
    ],
    {
      'input records': TOTAL,
      'broker restarted at committed offset': before.committed,
      'output records': records,
      'distinct ids': counts.size,
      missing: `${missing}${missingSample.length ? ` (e.g. ${missingSample.join(', ')})` : ''}`,
      'duplicated ids (allowed)': `${duplicated} (${extra} extra records)`,
      'consumer crash/restart events logged': crashes,
    },
  )
} catch (error) {
  log(`error: ${error?.stack ?? error}`)
  finish(NAME, [{ ok: false, what: `script error: ${error?.message ?? error}` }], {})
} finally {
  await env.cleanup()
}
