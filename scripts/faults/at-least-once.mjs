/**
 * Fault: kill -9 an at-least-once bridge three times while it works; no input id may be missing
 * from the output (duplicates are allowed and counted).
 *   node scripts/faults/at-least-once.mjs   (after npm run build; TOPICSTREAM_TWEETS or ../shared/data)
 */
import {
  audit,
  createTopics,
  feed,
  finish,
  killHard,
  loadTweets,
  log,
  progress,
  setup,
  sleep,
  startBridge,
  stopGracefully,
  tally,
  trainModel,
  waitFor,
} from './lib.mjs'

const NAME = 'at-least-once: bridge killed -9 three times'
const TOTAL = Number(process.env.FAULT_RECORDS ?? 50_000)
const RATE = Number(process.env.FAULT_RATE ?? 2500)
const topics = { input: 'tweets', output: 'tweets.classified', dlq: 'tweets.dlq', group: 'fault-alo' }

const env = await setup('alo')
try {
  const [model, tweets] = await Promise.all([trainModel(env.work), loadTweets()])
  await createTopics(env.brokers, [{ topic: topics.input, partitions: 3 }])
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
  const feeder = feed(env.brokers, topics.input, tweets, TOTAL, RATE)
  log(`feeding ${TOTAL} tweets at ~${RATE}/s; bridge started (at-least-once)`)
  let bridge = startBridge(env, 'bridge', args)
  const kills = []
  const backlog = []
  for (const fraction of [0.2, 0.45, 0.7]) {
    // Kill while the bridge is busy: past this share of the input, and with a backlog of records it
    // has not committed yet (the stall after each restart, while the group notices the dead member,
    // builds one up).
    const floor = Math.max(TOTAL * fraction, (kills.at(-1) ?? 0) + TOTAL * 0.05)
    await waitFor(
      `${floor} committed with a backlog`,
      async () => {
        const { committed } = await progress(env.brokers, topics.group, topics.input)
        return (
          committed >= floor && (feeder.sent() - committed >= 1000 || committed >= TOTAL * (fraction + 0.1))
        )
      },
      120_000,
      100,
    )
    const { committed } = await progress(env.brokers, topics.group, topics.input)
    await killHard(bridge)
    kills.push(committed)
    backlog.push(feeder.sent() - committed)
    log(`kill -9 bridge (pid ${bridge.pid}) at ${committed} committed, ${feeder.sent()} fed`)
    await sleep(500)
    bridge = startBridge(env, 'bridge', args)
    log(`restarted bridge (pid ${bridge.pid})`)
  }
  await feeder.done
  log('feeding done; waiting for the bridge to commit everything')
  const drained = await waitFor(
    'all input committed',
    async () => {
      const { committed, end } = await progress(env.brokers, topics.group, topics.input)
      return committed >= end && end >= TOTAL
    },
    120_000,
  )
  const exitCode = await stopGracefully(bridge)
  log(`bridge stopped with exit code ${exitCode}; auditing ${topics.output}`)
  const { counts, records } = await audit(env.brokers, topics.output, TOTAL)
  const { missing, duplicated, extra, missingSample } = tally(counts, TOTAL)
  finish(
    NAME,
    [
      {
        ok: kills.length === 3 && kills.every((at) => at > 0 && at < TOTAL),
        what: 'bridge killed -9 three times mid-stream',
      },
      { ok: drained, what: 'the restarted bridge committed the whole input' },
      { ok: missing === 0, what: 'no input id missing from the output' },
      { ok: exitCode === 0, what: 'graceful stop (SIGTERM) exits 0' },
    ],
    {
      'input records': TOTAL,
      'kills at committed offsets': kills.join(', '),
      'unprocessed backlog at each kill': backlog.join(', '),
      'output records': records,
      'distinct ids': counts.size,
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
