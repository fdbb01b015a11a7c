import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

/** Compiles `src/` to `dist/` so tests that spawn `bin/topicstream.js` run the current code. */
export async function buildOnce(): Promise<void> {
  await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: process.cwd() })
}
