/** Command-line options that choose and shape a dataset, shared by `train` and `evaluate`. */
import type { OptionSpecs, Options } from '../config.js'
import { loadDataset } from '../datasets/spec.js'
import type { LoadDatasetOptions } from '../datasets/spec.js'
import type { Dataset, ProgressListener } from '../engine/index.js'
import { TopicstreamError, isTopicstreamError } from '../errors.js'

export const DATASET_SPECS = {
  dataset: {
    kind: 'string',
    required: true,
    env: 'TOPICSTREAM_DATASET',
    description:
      'Dataset: 20news:PATH (bydate .tar.gz), 20news (cached download), dir:PATH, csv:PATH or jsonl:PATH',
  },
  categories: { kind: 'list', description: 'Keep only these classes (comma-separated)' },
  textColumn: { kind: 'string', default: 'text', description: 'csv/jsonl: column holding the text' },
  labelColumn: { kind: 'string', default: 'label', description: 'csv/jsonl: column holding the label' },
  encoding: {
    kind: 'string',
    choices: ['utf8', 'latin1'],
    default: 'utf8',
    description: 'dir: encoding of the files (utf8 is strict)',
  },
  testSize: {
    kind: 'number',
    min: 0,
    max: 0.99,
    description: 'Hold out this share of each class for testing (datasets without a test split)',
  },
  seed: { kind: 'integer', default: 42, description: 'Seed of the --test-size split' },
} as const satisfies OptionSpecs

export function toLoadDatasetOptions(
  options: Options<typeof DATASET_SPECS>,
  env: NodeJS.ProcessEnv,
  onProgress: ProgressListener,
): LoadDatasetOptions {
  return {
    ...(options.categories === undefined ? {} : { categories: options.categories }),
    encoding: options.encoding as LoadDatasetOptions['encoding'],
    textColumn: options.textColumn,
    labelColumn: options.labelColumn,
    ...(options.testSize === undefined ? {} : { testSize: options.testSize }),
    seed: options.seed,
    env,
    onProgress,
  }
}

/** Loads `--dataset`; a `dir:` file that is not UTF-8 is reported with the flag that reads it as Latin-1. */
export async function loadDatasetOption(
  options: Options<typeof DATASET_SPECS>,
  env: NodeJS.ProcessEnv,
  onProgress: ProgressListener,
): Promise<Dataset> {
  try {
    return await loadDataset(options.dataset, toLoadDatasetOptions(options, env, onProgress))
  } catch (error) {
    if (
      isTopicstreamError(error) &&
      error.details?.encoding === 'utf8' &&
      options.dataset.startsWith('dir:')
    ) {
      throw new TopicstreamError(error.code, `${error.message} (use --encoding latin1 for Latin-1 files)`, {
        cause: error,
        details: error.details,
      })
    }
    throw error
  }
}
