/**
 * Fault: two bridges in one consumer group share the input; one is killed -9 and the other must take
 * over its partitions with no input id lost.
 *   node scripts/faults/two-bridges.mjs   (after npm run build; TOPICSTREAM_TWEETS or ../shared/data)
 */
import {
  audit,
  createTopics,
  feed,
  finish,
  grepLog,
  killHard,
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

const NAME = 'two bridges in one group, one killed -9'
const TOTAL = Number(process.env.FAULT_RECORDS ?? 30_000)
const RATE = Number(process.env.FAULT_RATE ?? 1000)
const topics = { input: 'tweets', output: 'tweets.classified', dlq: 'tweets.dlq', group: 'fault-pair' }

/** The partitions a bridge reported at its last group join (from its JSON log). */
function lastAssignment(child) {
  const joins = grepLog(child.logFile, 'Bridge joined the consumer group')
  const last = joins.at(-1)
  return last ? JSON.parse(last).partitions : []
}

const env = await setup('pair')
try {
  const [model, tweets] = await Promise.all([trainModel(env.work), loadTweets()])
  await createTopics(env.brokers, [{ topic: topics.input, partitions: 4 }])
  const args = [
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
  ]
  const first = startBridge(env, 'bridge-a', args)
  const second = startBridge(env, 'bridge-b', args)
  const shared = await waitFor(
    'both bridges own partitions',
    async () => lastAssignment(first).length > 0 && lastAssignment(second).length > 0,
    60_000,
  )
  const before = { a: lastAssignment(first), b: lastAssignment(second) }
  log(`bridge A owns [${before.a}], bridge B owns [${before.b}]`)
  const feeder = feed(env.brokers, topics.input, tweets, TOTAL, RATE)
  log(`feeding ${TOTAL} tweets at ~${RATE}/s`)
  await waitFor(
    'a third committed',
    async () => (await progress(env.brokers, topics.group, topics.input)).committed >= TOTAL / 3,
    120_000,
    200,
  )
  const at = await progress(env.brokers, topics.group, topics.input)
  await killHard(first)
  log(`kill -9 bridge A (pid ${first.pid}) at ${at.committed} committed, ${feeder.sent()} fed`)
  const tookOver = await waitFor(
    'bridge B to own all partitions',
    async () => lastAssignment(second).length === 4,
    90_000,
  )
  log(`bridge B owns [${lastAssignment(second)}]`)
  await feeder.done
  log('feeding done; waiting for bridge B to commit everything')
  const drained = await waitFor(
    'all input committed',
    async () => {
      const { committed, end } = await progress(env.brokers, topics.group, topics.input)
      return committed >= end && end >= TOTAL
    },
    120_000,
  )
  const exitCode = await stopGracefully(second)
  const { counts, records } = await audit(env.brokers, topics.output, TOTAL)
  const { missing, duplicated, extra, missingSample } = tally(counts, TOTAL)
  finish(
    NAME,
    [
      { ok: shared, what: 'both bridges got partitions of the 4' },
      { ok: tookOver, what: 'after the kill, the surviving bridge owns all 4 partitions' },
      { ok: drained, what: 'the surviving bridge committed the whole input' },
      { ok: missing === 0, what: 'no input id missing from the output' },
      { ok: exitCode === 0, what: 'graceful stop (SIGTERM) exits 0' },
    ],
    {
      'input records': TOTAL,
      'partitions before (A | B)': `[${before.a}] | [${before.b}]`,
      'A killed at committed offset': at.committed,
      'partitions of B after': `[${lastAssignment(second)}]`,
      'output records': records,
      missing: `${missing}${missingSample.length ? ` (e.g. ${missingSample.join(', ')})` : ''}`,
      'duplicated ids (allowed)': `${duplicated} (${extra} extra records)`,
    },
  )
} catch (error) {
  log(`error: ${error?.stack ?? error}`)
  finish(NAME, [{ ok: false, what: `script error: ${error?.message ?? error}` }], {})
} finally {
  await env.cleanup()
}
