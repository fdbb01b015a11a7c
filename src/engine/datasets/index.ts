/**
 * Dataset loaders. Each one reads a dataset from a local path: the 20 Newsgroups bydate archive,
 * a folder in `load_files` layout, a CSV file or a JSON Lines file. Plus the held-out split and the
 * evaluation metrics.
 */
export { compareCodePoints } from '../tokenizer.js'
export { loadDirectory } from './directory.js'
export type { DirectoryOptions, TextEncoding } from './directory.js'
export { splitTrainTest } from './split.js'
export type { SplitOptions } from './split.js'
export { loadCsv, loadJsonl } from './tabular.js'
export type { TabularOptions } from './tabular.js'
export { loadTwentyNewsgroups } from './twenty-newsgroups.js'
export type { TwentyNewsgroupsOptions } from './twenty-newsgroups.js'
export * from './evaluation.js'
