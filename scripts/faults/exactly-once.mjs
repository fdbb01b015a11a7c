/**
 * Fault: kill -9 an exactly-once bridge three times while it works; every input id must appear
 * exactly once in the output read with read_committed.
 *   node scripts/faults/exactly-once.mjs   (after npm run build; TOPICSTREAM_TWEETS or ../shared/data)
 */
import { killBridgeThreeTimes } from './bridge-kills.mjs'
import { describeDuplicated } from './lib.mjs'

await killBridgeThreeTimes({
  name: 'exactly-once: bridge killed -9 three times',
  slug: 'eos',
  group: 'fault-eos',
  flags: ['--exactly-once'],
  started: 'bridge started with --exactly-once',
  async verify(outcome, run) {
    // The same log read_uncommitted: the results of the transactions the kills aborted are still there.
    const raw = await run.audit({ readUncommitted: true, quietMs: 2000 })
    return {
      checks: [
        {
          ok: outcome.duplicated === 0 && outcome.records === run.total,
          what: 'no input id twice in the read_committed output',
        },
      ],
      output: {
        'output records (read_committed)': outcome.records,
        'output records read_uncommitted (incl. aborted transactions)': raw.records,
      },
      duplicated: { 'duplicated ids': describeDuplicated(outcome) },
    }
  },
})
