import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

/**
 * Creates or reuses `.venv` with the pinned scikit-learn (scripts/python/setup-venv.sh, which
 * skips the work when requirements.txt is unchanged) and returns its interpreter.
 */
export async function setupPython(): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)('bash', ['scripts/python/setup-venv.sh'], {
    cwd: process.cwd(),
    maxBuffer: 64 * 1024 * 1024,
  })
  const python = stdout.trim().split('\n').at(-1)
  if (!python) throw new Error(`scripts/python/setup-venv.sh printed no interpreter path:\n${stderr}`)
  return python
}
