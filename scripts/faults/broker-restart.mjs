/**
 * Fault: stop and start the broker (same data directory) while an at-least-once bridge works and a
 * producer keeps writing; no input id may be lost, and the bridge must reconnect by itself.
 *   node scripts/faults/broker-restart.mjs   (after npm run build; TOPICSTREAM_TWEETS or ../shared/data)
 */
import { describeDuplicated, describeMissing, grepLog, log, runFault, settledChecks } from './lib.mjs'

const fault = {
  name: 'broker restart mid-stream',
  slug: 'restart',
  group: 'fault-restart',
  records: 30_000,
  rate: 1000,
}

await runFault(fault, async (run) => {
  const bridge = run.startBridge('bridge')
  const feeder = run.feed('bridge started (at-least-once)')
  const before = await run.waitForCommitted(run.total / 3)
  log(`restarting the broker at ${before} committed, ${feeder.sent()} fed`)
  const started = Date.now()
  await run.env.broker.restart()
  log(`broker back after ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const outcome = await run.settle(feeder, bridge, 150_000)
  return {
    checks: [
      { ok: outcome.alive, what: 'the bridge process survived the broker restart' },
      ...settledChecks(outcome, 'the bridge reconnected and committed the whole input'),
    ],
    facts: {
      'input records': run.total,
      'broker restarted at committed offset': before,
      'output records': outcome.records,
      'distinct ids': outcome.counts.size,
      missing: describeMissing(outcome),
      'duplicated ids (allowed)': describeDuplicated(outcome),
      'consumer crash/restart events logged':
        grepLog(bridge.logFile, 'Kafka consumer crashed').length +
        grepLog(bridge.logFile, 'Kafka consumer restarting').length,
    },
  }
})
