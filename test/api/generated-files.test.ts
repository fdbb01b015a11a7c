/**
 * The committed OpenAPI document and gRPC code are generated; these fail when either is stale
 * (run `npm run openapi` / `npm run proto`).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, test } from 'vitest'
import { generateOpenApi } from '../../src/api/openapi.js'

const temporary: string[] = []
afterAll(async () => {
  await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()
}

test('openapi/openapi.json matches the route schemas', async () => {
  const committed = await readFile('openapi/openapi.json', 'utf8')
  expect(committed).toBe(await generateOpenApi())
})

test('src/api/grpc/generated matches the protos', async () => {
  const out = await mkdtemp(join(tmpdir(), 'topicstream-proto-'))
  temporary.push(out)
  await promisify(execFile)('npx', ['buf', 'generate', '--output', out], { timeout: 120_000 })
  const fresh = join(out, 'src/api/grpc/generated')
  const committed = 'src/api/grpc/generated'
  const files = await listFiles(fresh)
  expect(await listFiles(committed)).toEqual(files)
  expect(files.length).toBeGreaterThan(0)
  for (const file of files) {
    expect(await readFile(join(committed, file), 'utf8'), file).toBe(
      await readFile(join(fresh, file), 'utf8'),
    )
  }
})
