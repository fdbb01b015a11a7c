/**
 * Datasets named by a spec string, `<kind>:<path>`: `20news:PATH` (the bydate .tar.gz), `20news`
 * (TOPICSTREAM_20NEWS, else the cached download), `dir:PATH`, `csv:PATH`, `jsonl:PATH`. The
 * engine's loaders read the path; this module picks the loader, finds the 20 Newsgroups archive
 * and holds out a test split when asked.
 */
import { loadCsv, loadDirectory, loadJsonl, loadTwentyNewsgroups, splitTrainTest } from '../engine/index.js'
import type { Dataset, ProgressListener, TextEncoding } from '../engine/index.js'
import { TopicstreamError } from '../errors.js'
import { loadCachedTwentyNewsgroups } from './download.js'

export interface LoadDatasetOptions {
  /** Keep only these classes; an unknown name is ERR_DATASET_UNKNOWN_CATEGORY. */
  readonly categories?: readonly string[]
  /** `dir:` file encoding (default strict `utf8`). */
  readonly encoding?: TextEncoding
  /** `csv:`/`jsonl:` text column (default `text`). */
  readonly textColumn?: string
  /** `csv:`/`jsonl:` label column (default `label`). */
  readonly labelColumn?: string
  /**
   * Hold out this share of each class as a test split, in (0, 1). Ignored by datasets that come
   * with their own test split (20 Newsgroups).
   */
  readonly testSize?: number
  /** Seed of the held-out split (default 42). */
  readonly seed?: number
  readonly onProgress?: ProgressListener
  /**
   * Environment for `20news` without a path (TOPICSTREAM_20NEWS, TOPICSTREAM_20NEWS_URL,
   * XDG_CACHE_HOME; default `process.env`).
   */
  readonly env?: NodeJS.ProcessEnv
  readonly signal?: AbortSignal
}

export const DATASET_KINDS = ['20news', 'dir', 'csv', 'jsonl'] as const

export async function loadDataset(spec: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const colon = spec.indexOf(':')
  const kind = colon === -1 ? spec : spec.slice(0, colon)
  const path = colon === -1 ? '' : spec.slice(colon + 1)
  const common = { categories: options.categories, onProgress: options.onProgress }

  let dataset: Dataset
  switch (kind) {
    case '20news': {
      const local = path || (options.env ?? process.env).TOPICSTREAM_20NEWS
      dataset = local
        ? await loadTwentyNewsgroups(local, common)
        : await loadCachedTwentyNewsgroups({
            ...common,
            ...(options.env ? { env: options.env } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          })
      break
    }
    case 'dir':
      dataset = await loadDirectory(requirePath(spec, path), { ...common, encoding: options.encoding })
      break
    case 'csv':
    case 'jsonl': {
      const load = kind === 'csv' ? loadCsv : loadJsonl
      dataset = await load(requirePath(spec, path), {
        categories: options.categories,
        textColumn: options.textColumn,
        labelColumn: options.labelColumn,
      })
      break
    }
    default:
      throw new TopicstreamError(
        'ERR_CONFIG_INVALID',
        `unknown dataset "${spec}": expected ${DATASET_KINDS.map((k) => `${k}:PATH`).join(', ')} or 20news`,
        { details: { spec } },
      )
  }
  if (options.testSize === undefined || options.testSize === 0 || dataset.test !== undefined) return dataset
  const { train, test } = splitTrainTest(dataset.train, {
    testSize: options.testSize,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  })
  return { ...dataset, train, test }
}

function requirePath(spec: string, path: string): string {
  if (path !== '') return path
  throw new TopicstreamError('ERR_CONFIG_INVALID', `dataset "${spec}" needs a path: ${spec}:PATH`, {
    details: { spec },
  })
}
