import { PassThrough } from 'node:stream'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/cli/command.js'
import { COMMANDS, main } from '../../src/cli/main.js'

function capture(): { io: CliIo; stdout: () => string; stderr: () => string } {
  const out: Buffer[] = []
  const err: Buffer[] = []
  const stdout = new PassThrough().on('data', (chunk: Buffer) => out.push(chunk))
  const stderr = new PassThrough().on('data', (chunk: Buffer) => err.push(chunk))
  return {
    io: { stdin: new PassThrough().end(), stdout, stderr, env: {} },
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
  }
}

describe('topicstream main', () => {
  it.each(Object.keys(COMMANDS))(
    '"%s --help" shows its usage, the summary listed for it and exits 0',
    async (name) => {
      const run = capture()
      expect(await main([name, '--help'], run.io)).toBe(0)
      expect(run.stdout()).toMatch(new RegExp(`^Usage: topicstream ${name}[ \n]`))
      expect(run.stdout()).toContain(`\n\n${COMMANDS[name]!.summary}.`)
    },
  )

  it('prints the usage: exit 0 for --help, 2 without a command', async () => {
    const help = capture()
    expect(await main(['--help'], help.io)).toBe(0)
    for (const name of Object.keys(COMMANDS)) expect(help.stdout()).toMatch(new RegExp(`^  ${name} `, 'm'))
    const none = capture()
    expect(await main([], none.io)).toBe(2)
    expect(none.stdout()).toBe(help.stdout())
  })

  it('prints the package version', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string }
    const run = capture()
    expect(await main(['--version'], run.io)).toBe(0)
    expect(run.stdout()).toBe(`${pkg.version}\n`)
  })

  it('exits 2 on an unknown command or option, with the error code on stderr', async () => {
    const unknown = capture()
    expect(await main(['nope'], unknown.io)).toBe(2)
    expect(unknown.stderr()).toMatch(/^topicstream: unknown command "nope"/)
    const option = capture()
    expect(await main(['tokenize', '--ngramm', '1,2'], option.io)).toBe(2)
    expect(option.stderr()).toMatch(/Did you mean --ngram\? \[ERR_CONFIG_UNKNOWN_OPTION\]\n$/)
  })

  // Each line would otherwise run (or fail for another reason): the stray word must be what stops it.
  it.each([
    ['train', '--dataset', 'jsonl:missing.jsonl', 'extra', '--out', 'm.tsmodel'],
    ['evaluate', '--model', 'missing.tsmodel', '--dataset', 'jsonl:missing.jsonl', 'extra'],
    ['classify', '--model', 'missing.tsmodel', 'extra'],
    ['tokenize', 'extra'],
    ['inspect', 'extra', '--model', 'missing.tsmodel'],
    ['serve', '--model', 'a=missing.tsmodel', '--port=-1', 'extra'],
    ['produce', '--source', 'stdin', '--rate=-1', 'extra'],
    ['bridge', 'extra'],
    ['up', 'extra', '--rate', '0'],
    ['kafka', 'status', 'extra'],
  ])('%s refuses a stray argument with exit 2 and says to see --help', async (name, ...args) => {
    const run = capture()
    expect(await main([name, ...args], run.io)).toBe(2)
    expect(run.stderr()).toBe(
      `topicstream ${name}: Unexpected argument "extra": this command takes ${name === 'kafka' ? '<action> and ' : ''}options only (see --help) [ERR_CONFIG_INVALID]\n`,
    )
    expect(run.stdout()).toBe('')
  })

  it('names the switch when a stray argument follows one', async () => {
    const run = capture()
    expect(await main(['classify', '--model', 'missing.tsmodel', '--proba', '5'], run.io)).toBe(2)
    expect(run.stderr()).toBe(
      'topicstream classify: Unexpected argument "5": --proba is a switch and takes no value (see --help) [ERR_CONFIG_INVALID]\n',
    )
  })

  it('still prints the help when a stray argument comes with --help', async () => {
    const run = capture()
    expect(await main(['train', 'extra', '--help'], run.io)).toBe(0)
    expect(run.stdout()).toMatch(/^Usage: topicstream train /)
  })

  it('still takes the action of kafka, and only a known one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'topicstream-kafka-'))
    try {
      const status = capture()
      status.io.env.TOPICSTREAM_KAFKA_DATA_DIR = dataDir
      expect(await main(['kafka', 'status'], status.io)).toBe(3)
      expect(status.stdout()).toBe(`stopped  data dir ${dataDir}\n`)
      const json = capture()
      expect(await main(['kafka', '--data-dir', dataDir, 'status', '--json'], json.io)).toBe(3)
      expect(JSON.parse(json.stdout())).toMatchObject({ running: false, dataDir })
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
    const missing = capture()
    expect(await main(['kafka'], missing.io)).toBe(2)
    expect(missing.stderr()).toMatch(/expected one of start, stop, status \[ERR_CONFIG_INVALID\]\n$/)
    const unknown = capture()
    expect(await main(['kafka', 'restart'], unknown.io)).toBe(2)
    expect(unknown.stderr()).toMatch(/expected one of start, stop, status, got "restart"/)
  })

  // Each answer is one line in topicstream's words, with exit 2; none repeats Node's parser.
  it.each([
    [
      ['train', '--bogus'],
      'topicstream train: Unknown option --bogus (see --help) [ERR_CONFIG_UNKNOWN_OPTION]\n',
    ],
    [
      ['train', '--datset', 'x'],
      'topicstream train: Unknown option --datset. Did you mean --dataset? [ERR_CONFIG_UNKNOWN_OPTION]\n',
    ],
    [
      ['classify', '--model'],
      'topicstream classify: --model needs a value (see --help) [ERR_CONFIG_INVALID]\n',
    ],
    [
      ['classify', '--model', '--proba'],
      'topicstream classify: --model needs a value (see --help) [ERR_CONFIG_INVALID]\n',
    ],
    [
      ['classify', '--model', 'm', '--proba=yes'],
      'topicstream classify: --proba is a switch and takes no value (see --help) [ERR_CONFIG_INVALID]\n',
    ],
    [
      ['train', '--dataset', 'jsonl:x', '--alpha', '-1'],
      'topicstream train: --alpha: must be at least 0 [ERR_CONFIG_INVALID]\n',
    ],
    [
      ['serve', '--model', 'a=b', '--port', '-5'],
      'topicstream serve: --port: must be at least 0 [ERR_CONFIG_INVALID]\n',
    ],
  ])('%j is refused in one line with exit 2', async (argv, stderr) => {
    const run = capture()
    expect(await main(argv, run.io)).toBe(2)
    expect(run.stderr()).toBe(stderr)
    expect(run.stdout()).toBe('')
  })

  it('shows the help for --help anywhere, whatever else the line holds', async () => {
    for (const argv of [
      ['train', '--help', '--bogus'],
      ['train', '--bogus', '-h'],
      ['classify', '--model', '--help'],
    ]) {
      const run = capture()
      expect(await main(argv, run.io)).toBe(0)
      expect(run.stdout()).toMatch(new RegExp(`^Usage: topicstream ${argv[0]} `))
      expect(run.stderr()).toBe('')
    }
  })

  it('exits 1 with the error code when a command fails', async () => {
    const run = capture()
    expect(await main(['inspect', '--model', 'missing.tsmodel'], run.io)).toBe(1)
    expect(run.stderr()).toMatch(/^topicstream inspect: Model file not found: .* \[ERR_MODEL_NOT_FOUND\]\n$/)
  })
})
