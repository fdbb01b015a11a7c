/**
 * Where the server's time goes under load: starts `topicstream serve` (benchmark routes on) with
 * `--perf-basic-prof`, drives one REST route with all the tweets, records the server with Linux
 * `perf` and prints the functions that take the most samples, self and with callees.
 *
 *   npm run build && node load-tests/profile.mjs --model FILE [--path /v1/classify] [--seconds 8] [--rows 40]
 *
 * Needs `perf` (linux-perf) and a model file (e.g. the one `npm start` trains).
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatResult, runRest } from './rest.mjs'
import { startServer } from './server.mjs'
import { loadTweets, parseFlags, tweetsPath } from './tweets.mjs'

const flags = parseFlags(process.argv.slice(2))
if (flags.model === undefined) throw new Error('--model FILE is required')
const path = flags.path ?? '/v1/classify'
const seconds = Number(flags.seconds ?? 8)
const rowCount = Number(flags.rows ?? 40)
const tweets = await loadTweets(tweetsPath(flags.tweets))
const scratch = await mkdtemp(join(tmpdir(), 'topicstream-profile-'))
const server = await startServer(flags.model, ['--perf-basic-prof'])
try {
  const load = { url: server.rest, connections: 100, tweets, path }
  await runRest({ ...load, duration: 3 }) // warm-up, unrecorded
  const data = join(scratch, 'perf.data')
  const perf = spawn('perf', ['record', '-F', '2000', '-g', '-o', data, '-p', String(server.pid)], {
    stdio: 'ignore',
  })
  const result = await runRest({ ...load, duration: seconds })
  perf.kill('SIGINT')
  await once(perf, 'exit')
  console.log(formatResult(result))
  for (const children of ['--no-children', '--children']) {
    const report = execFileSync(
      'perf',
      ['report', '-i', data, children, '--sort', 'symbol', '-g', 'none', '--stdio'],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    )
    const rows = report.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))
    console.log(`\n${children === '--children' ? 'with callees' : 'self'}:`)
    for (const row of rows.slice(0, rowCount)) console.log(row.slice(0, 140))
  }
} finally {
  await server.stop()
  await rm(scratch, { recursive: true, force: true })
}
