/**
 * Fault: two bridges in one consumer group share the input; one is killed -9 and the other must take
 * over its partitions with no input id lost.
 *   node scripts/faults/two-bridges.mjs   (after npm run build; TOPICSTREAM_TWEETS or ../shared/data)
 */
import {
  describeDuplicated,
  describeMissing,
  grepLog,
  killHard,
  log,
  runFault,
  settledChecks,
  waitFor,
} from './lib.mjs'

const fault = {
  name: 'two bridges in one group, one killed -9',
  slug: 'pair',
  group: 'fault-pair',
  partitions: 4,
  records: 30_000,
  rate: 1000,
}

/** The partitions a bridge reported at its last group join (from its JSON log). */
function lastAssignment(child) {
  const joins = grepLog(child.logFile, 'Bridge joined the consumer group')
  const last = joins.at(-1)
  return last ? JSON.parse(last).partitions : []
}

await runFault(fault, async (run) => {
  const first = run.startBridge('bridge-a')
  const second = run.startBridge('bridge-b')
  const shared = await waitFor(
    'both bridges own partitions',
    async () => lastAssignment(first).length > 0 && lastAssignment(second).length > 0,
    60_000,
  )
  const before = { a: lastAssignment(first), b: lastAssignment(second) }
  log(`bridge A owns [${before.a}], bridge B owns [${before.b}]`)
  const feeder = run.feed()
  const at = await run.waitForCommitted(run.total / 3)
  await killHard(first)
  log(`kill -9 bridge A (pid ${first.pid}) at ${at} committed, ${feeder.sent()} fed`)
  const tookOver = await waitFor(
    'bridge B to own all partitions',
    async () => lastAssignment(second).length === 4,
    90_000,
  )
  log(`bridge B owns [${lastAssignment(second)}]`)
  const outcome = await run.settle(feeder, second)
  return {
    checks: [
      { ok: shared, what: 'both bridges got partitions of the 4' },
      { ok: tookOver, what: 'after the kill, the surviving bridge owns all 4 partitions' },
      ...settledChecks(outcome, 'the surviving bridge committed the whole input'),
    ],
    facts: {
      'input records': run.total,
      'partitions before (A | B)': `[${before.a}] | [${before.b}]`,
      'A killed at committed offset': at,
      'partitions of B after': `[${lastAssignment(second)}]`,
      'output records': outcome.records,
      missing: describeMissing(outcome),
      'duplicated ids (allowed)': describeDuplicated(outcome),
    },
  }
})
