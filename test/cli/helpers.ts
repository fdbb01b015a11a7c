/** Runs the built CLI (`bin/topicstream.js`, compiled by the global setup) as a child process. */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const BIN = join(process.cwd(), 'bin', 'topicstream.js')

export function runCli(
  args: readonly string[],
  { input, env }: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    )
    child.stdin.on('error', () => {}) // the command may exit before reading everything
    child.stdin.end(input ?? '')
  })
}

export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

const TOPICS: Record<string, readonly string[]> = {
  food: ['pizza', 'pasta', 'salad', 'cheese', 'bread', 'soup', 'recipe', 'dinner', 'tasty', 'cook'],
  sport: ['goal', 'match', 'team', 'score', 'league', 'coach', 'player', 'win', 'stadium', 'ball'],
  tech: ['code', 'laptop', 'software', 'cloud', 'server', 'bug', 'release', 'api', 'chip', 'phone'],
}
const COMMON = ['the', 'a', 'is', 'today', 'really', 'new', 'my', 'and']

/** A labelled JSONL corpus of three well-separated topics, the same on every run. */
export function syntheticCorpus(perClass = 40): string {
  let state = 12345
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const lines: string[] = []
  for (let i = 0; i < perClass; i++) {
    for (const [label, words] of Object.entries(TOPICS)) {
      const text = Array.from({ length: 8 }, () => (random() < 0.7 ? pick(words) : pick(COMMON))).join(' ')
      lines.push(JSON.stringify({ text, label }))
    }
  }
  return `${lines.join('\n')}\n`
}

export interface Workspace {
  readonly dir: string
  readonly corpus: string
  readonly model: string
  cleanup(): Promise<void>
}

/** A temporary folder with the synthetic corpus and a model trained on it by the real CLI. */
export async function trainedWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'topicstream-cli-'))
  const corpus = join(dir, 'corpus.jsonl')
  const model = join(dir, 'model.tsmodel')
  await writeFile(corpus, syntheticCorpus())
  const result = await runCli([
    'train',
    '--dataset',
    `jsonl:${corpus}`,
    '--test-size',
    '0.25',
    '--out',
    model,
    '--quiet',
  ])
  if (result.code !== 0) throw new Error(`training the test model failed: ${result.stderr}`)
  return { dir, corpus, model, cleanup: () => rm(dir, { recursive: true, force: true }) }
}
