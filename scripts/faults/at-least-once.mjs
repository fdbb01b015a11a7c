/**
 * Fault: kill -9 an at-least-once bridge three times while it works; no input id may be missing
 * from the output (duplicates are allowed and counted).
 *   node scripts/faults/at-least-once.mjs   (after npm run build; TOPICSTREAM_TWEETS or ../shared/data)
 */
import { killBridgeThreeTimes } from './bridge-kills.mjs'
import { describeDuplicated } from './lib.mjs'

await killBridgeThreeTimes({
  name: 'at-least-once: bridge killed -9 three times',
  slug: 'alo',
  group: 'fault-alo',
  flags: [],
  started: 'bridge started (at-least-once)',
  verify: (outcome) => ({
    checks: [],
    output: { 'output records': outcome.records },
    duplicated: { 'duplicated ids (allowed)': describeDuplicated(outcome) },
  }),
})
