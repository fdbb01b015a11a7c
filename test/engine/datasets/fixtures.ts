/** Small generated datasets for the loader tests: never the real corpus, never checked in. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pack } from 'tar-stream'
import { onTestFinished } from 'vitest'

export interface ArchiveEntry {
  readonly name: string
  readonly body?: string | Buffer
  readonly type?: 'file' | 'directory'
}

/** A gzipped tar holding `entries`, in the given order. */
export async function makeTarGz(entries: readonly ArchiveEntry[]): Promise<Buffer> {
  const archive = pack()
  const chunks: Buffer[] = []
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer))
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve)
    archive.on('error', reject)
  })
  for (const entry of entries) {
    if (entry.type === 'directory') archive.entry({ name: entry.name, type: 'directory' })
    else archive.entry({ name: entry.name }, entry.body ?? '')
  }
  archive.finalize()
  await ended
  return gzipSync(Buffer.concat(chunks))
}

/** A miniature 20 Newsgroups archive: 3 groups, out-of-order entries, a Latin-1 byte. */
export function miniNewsgroups(): ArchiveEntry[] {
  return [
    { name: '20news-bydate-train/', type: 'directory' },
    { name: '20news-bydate-train/sci.space/', type: 'directory' },
    { name: '20news-bydate-train/sci.space/9', body: 'orbit rocket launch' },
    { name: '20news-bydate-train/sci.space/10', body: 'moon orbit' },
    { name: '20news-bydate-train/alt.atheism/2', body: 'god belief' },
    { name: '20news-bydate-train/alt.atheism/1', body: Buffer.from([0x63, 0x61, 0x66, 0xe9]) },
    { name: '20news-bydate-train/comp.graphics/5', body: 'pixel render' },
    { name: '20news-bydate-test/sci.space/20', body: 'rocket' },
    { name: '20news-bydate-test/alt.atheism/21', body: 'belief' },
    { name: '20news-bydate-test/comp.graphics/22', body: 'render' },
  ]
}

/** A temporary folder removed when the current test ends. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'topicstream-test-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function writeTemp(name: string, content: string | Buffer): Promise<string> {
  const path = join(await tempDir(), name)
  await writeFile(path, content)
  return path
}

/** A temporary folder holding `files` (path → content), folders created as needed. */
export async function makeTree(files: Record<string, string | Buffer>): Promise<string> {
  const root = await tempDir()
  for (const [name, body] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true })
    await writeFile(join(root, name), body)
  }
  return root
}
