/**
 * The scenario of exactly-once.mjs and at-least-once.mjs: kill -9 the bridge three times while it
 * has a backlog, restarting it each time, then audit the output once the whole input is committed.
 * The script names the mode (its bridge flags) and what that mode promises of the output.
 */
import { describeMissing, killHard, log, runFault, settledChecks, sleep, waitFor } from './lib.mjs'

/**
 * `verify(outcome, run)` returns the mode's own `checks`, its `output` facts (record counts) and
 * the label of the `duplicated` ids fact, with its value.
 */
export function killBridgeThreeTimes({ name, slug, group, flags, started, verify }) {
  // 1,000/s keeps the feed going for 50 s: each kill -9 stalls the group for its 10 s session
  // timeout, and at a faster feed the whole input is in (and soon committed) before the third kill.
  return runFault({ name, slug, group, records: 50_000, rate: 1000 }, async (run) => {
    const { total } = run
    const feeder = run.feed(started)
    let bridge = run.startBridge('bridge', flags)
    const kills = []
    const backlog = []
    for (const fraction of [0.2, 0.45, 0.7]) {
      // Kill while the bridge is busy: past this share of the input, and with a backlog of records it
      // has not committed yet (the stall after each restart, while the group notices the dead member,
      // builds one up).
      const floor = Math.max(total * fraction, (kills.at(-1) ?? 0) + total * 0.05)
      await waitFor(
        `${floor} committed with a backlog`,
        async () => {
          const committed = await run.committed()
          return (
            committed >= floor && (feeder.sent() - committed >= 1000 || committed >= total * (fraction + 0.1))
          )
        },
        120_000,
        100,
      )
      const committed = await run.committed()
      await killHard(bridge)
      kills.push(committed)
      backlog.push(feeder.sent() - committed)
      log(`kill -9 bridge (pid ${bridge.pid}) at ${committed} committed, ${feeder.sent()} fed`)
      await sleep(500)
      bridge = run.startBridge('bridge', flags)
      log(`restarted bridge (pid ${bridge.pid})`)
    }
    const outcome = await run.settle(feeder, bridge)
    const verified = await verify(outcome, run)
    return {
      checks: [
        {
          ok: kills.length === 3 && kills.every((at) => at > 0 && at < total),
          what: 'bridge killed -9 three times mid-stream',
        },
        ...settledChecks(outcome, 'the restarted bridge committed the whole input', ...verified.checks),
      ],
      facts: {
        'input records': total,
        'kills at committed offsets': kills.join(', '),
        'unprocessed backlog at each kill': backlog.join(', '),
        ...verified.output,
        'distinct ids': outcome.counts.size,
        missing: describeMissing(outcome),
        ...verified.duplicated,
      },
    }
  })
}
