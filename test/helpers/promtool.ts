/**
 * Prometheus's promtool, for the tests that evaluate the alert rules: $PROMTOOL, a promtool on PATH,
 * or the one `scripts/promtool.sh` keeps in the cache folder (CI runs that script first). Without
 * it the tests are skipped locally and fail in CI.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export function findPromtool(): string | undefined {
  if (process.env.PROMTOOL) return process.env.PROMTOOL
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'promtool'))
    .find((candidate) => existsSync(candidate))
  if (onPath !== undefined) return onPath
  const cached = join(
    process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
    'topicstream',
    'promtool',
    'debian',
    'promtool',
  )
  return existsSync(cached) ? cached : undefined
}

/** Whether promtool is there; reports (locally) or throws (in CI) when it is not. */
export function requirePromtool(tests: string): string | undefined {
  const promtool = findPromtool()
  if (promtool !== undefined) return promtool
  const why = 'promtool is missing (bash scripts/promtool.sh installs it)'
  if (process.env.CI) throw new Error(`${tests} need ${why}`)
  console.warn(`Skipping ${tests}: ${why}`)
  return undefined
}

/** Runs `promtool test rules FILE`; resolves with its output, rejects with it when a test fails. */
export async function promtoolTestRules(promtool: string, file: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(promtool, ['test', 'rules', file])
    return stdout + stderr
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string }
    throw new Error(`promtool test rules failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`)
  }
}
