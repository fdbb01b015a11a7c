/**
 * A folder in scikit-learn's `load_files` layout: one sub-folder per class, one file per document.
 * Classes and files are taken in code-point order, as `sorted(os.listdir(...))` does.
 */
import { createHash } from 'node:crypto'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { TopicstreamError } from '../../errors.js'
import type { Dataset, ProgressListener } from '../types.js'
import { compareCodePoints } from '../tokenizer.js'
import { selectCategories, toLabeledDocuments } from './labeled.js'
import { decodeUtf8 } from './text.js'

export type TextEncoding = 'utf8' | 'latin1'

export interface DirectoryOptions {
  readonly categories?: readonly string[]
  /** `utf8` (strict: invalid bytes are an error) or `latin1`. */
  readonly encoding?: TextEncoding
  readonly onProgress?: ProgressListener
}

export async function loadDirectory(path: string, options: DirectoryOptions = {}): Promise<Dataset> {
  const encoding = options.encoding ?? 'utf8'
  let entries
  try {
    entries = await readdir(path, { withFileTypes: true })
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new TopicstreamError(
      missing ? 'ERR_DATASET_NOT_FOUND' : 'ERR_DATASET_INVALID',
      missing ? `dataset folder ${path} does not exist` : `${path} is not a readable folder`,
      { cause: error, details: { path } },
    )
  }
  const available = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort(compareCodePoints)
  if (available.length === 0) {
    throw new TopicstreamError(
      'ERR_DATASET_INVALID',
      `${path} has no class folders (expected one sub-folder per class, one file per document)`,
      { details: { path } },
    )
  }
  const classes = selectCategories(available, options.categories)

  const files: Array<{ path: string; label: string }> = []
  for (const label of classes) {
    const folder = join(path, label)
    const names = (await readdir(folder)).sort(compareCodePoints)
    for (const name of names) files.push({ path: join(folder, name), label })
  }

  const hash = createHash('sha256')
  const texts: string[] = []
  const labels: string[] = []
  for (const file of files) {
    if (!(await stat(file.path)).isFile()) continue
    const bytes = await readFile(file.path)
    // The fingerprint covers names too, so renaming or moving a document changes it.
    hash.update(`${file.label}/${file.path.slice(path.length)}\0${bytes.length}\0`)
    hash.update(bytes)
    texts.push(encoding === 'latin1' ? bytes.toString('latin1') : decodeUtf8(bytes, file.path))
    labels.push(file.label)
    options.onProgress?.({ phase: 'read files', done: texts.length, total: files.length })
  }
  return {
    source: `dir:${path}`,
    train: toLabeledDocuments(texts, labels, classes),
    fingerprint: hash.digest('hex'),
  }
}
