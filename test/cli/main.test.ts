import { PassThrough } from 'node:stream'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { CliIo } from '../../src/cli/command.js'
import { COMMANDS, main } from '../../src/cli/main.js'

function capture(): { io: CliIo; stdout: () => string; stderr: () => string } {
  const out: Buffer[] = []
  const err: Buffer[] = []
  const stdout = new PassThrough().on('data', (chunk: Buffer) => out.push(chunk))
  const stderr = new PassThrough().on('data', (chunk: Buffer) => err.push(chunk))
  return {
    io: { stdin: new PassThrough(), stdout, stderr, env: {} },
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
  }
}

describe('topicstream main', () => {
  it.each(Object.keys(COMMANDS))('lists "%s" with the name and summary its module declares', async (name) => {
    const entry = COMMANDS[name]!
    const command = await entry.load()
    expect(command.name).toBe(name)
    expect(command.summary).toBe(entry.summary)
  })

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

  it('exits 1 with the error code when a command fails', async () => {
    const run = capture()
    expect(await main(['inspect', '--model', 'missing.tsmodel'], run.io)).toBe(1)
    expect(run.stderr()).toMatch(/^topicstream inspect: Model file not found: .* \[ERR_MODEL_NOT_FOUND\]\n$/)
  })
})
