import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers.js'
import type { Workspace } from './helpers.js'
import { trainedWorkspace } from './helpers.js'

let workspace: Workspace
beforeAll(async () => {
  workspace = await trainedWorkspace()
})
afterAll(() => workspace.cleanup())

describe('topicstream inspect', () => {
  it('prints the metadata for people', async () => {
    const result = await runCli(['inspect', '--model', workspace.model])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^classes +3: food, sport, tech$/m)
    expect(result.stdout).toMatch(/^vocabulary +37$/m)
    expect(result.stdout).toMatch(/^params +algorithm=multinomial alpha=1 /m)
    expect(result.stdout).toMatch(/^fingerprint +[0-9a-f]{64}$/m)
    expect(result.stdout).toMatch(/^test accuracy +\d\.\d{4}$/m)
  })

  it('prints the metadata as JSON', async () => {
    const result = await runCli(['inspect', '--model', workspace.model, '--json'])
    expect(result.code).toBe(0)
    const metadata = JSON.parse(result.stdout) as Record<string, unknown>
    expect(metadata).toMatchObject({
      classes: ['food', 'sport', 'tech'],
      vocabularySize: 37,
      formatVersion: 1,
    })
    expect(metadata.version).toMatch(/^[0-9a-f]+$/)
  })

  it('reports a missing model file', async () => {
    const result = await runCli(['inspect', '--model', join(workspace.dir, 'absent.tsmodel')])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/\[ERR_MODEL_NOT_FOUND\]/)
  })

  it('reports a truncated model file', async () => {
    const bytes = await readFile(workspace.model)
    const damaged = join(workspace.dir, 'truncated.tsmodel')
    await writeFile(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)))
    const result = await runCli(['inspect', '--model', damaged])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/\[ERR_MODEL_FILE_INVALID\]/)
  })

  it('reports a file that is not a model', async () => {
    const damaged = join(workspace.dir, 'text.tsmodel')
    await writeFile(damaged, 'just some text\n')
    const result = await runCli(['inspect', '--model', damaged])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/\[ERR_MODEL_FILE_INVALID\]/)
  })
})
