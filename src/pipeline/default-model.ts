/**
 * The model file `topicstream up` serves: the file at the given path when it exists, otherwise one
 * trained from 20 Newsgroups (all categories, the engine's defaults), scored on the held-out
 * split and saved there, so the next start is instant. The registry loads it from there.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { cacheHome } from '../cache-dir.js'
import { loadDataset } from '../datasets/spec.js'
import { evaluateModel, saveModel, trainClassifier } from '../engine/index.js'
import type { Progress } from '../engine/index.js'

export function defaultModelPath(env: NodeJS.ProcessEnv): string {
  return join(cacheHome(env), 'topicstream', 'models', '20news.tsmodel')
}

export interface EnsureModelOptions {
  readonly path: string
  /** Dataset spec used when the file is missing (default `20news`: TOPICSTREAM_20NEWS or the cache). */
  readonly dataset?: string
  readonly env?: NodeJS.ProcessEnv
  /** One line per step, for the terminal. */
  readonly onStep?: (message: string) => void
  readonly onProgress?: (progress: Progress) => void
}

export interface EnsuredModel {
  readonly path: string
  readonly trained: boolean
  /** Accuracy on the held-out split, when the model was just trained. */
  readonly testAccuracy?: number
  readonly seconds: number
}

export async function ensureModelFile(options: EnsureModelOptions): Promise<EnsuredModel> {
  const started = performance.now()
  const step = options.onStep ?? (() => {})
  if (existsSync(options.path)) return { path: options.path, trained: false, seconds: 0 }

  const spec = options.dataset ?? '20news'
  step(`no model at ${options.path}: training one from ${spec === '20news' ? '20 Newsgroups' : spec}`)
  const dataset = await loadDataset(spec, {
    ...(options.env ? { env: options.env } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  step(`loaded ${dataset.train.texts.length} training texts in ${dataset.train.classes.length} categories`)
  const model = trainClassifier(
    dataset.train,
    {},
    { source: dataset.source, fingerprint: dataset.fingerprint },
    options.onProgress,
  )
  const held = dataset.test?.texts.length ?? 0
  const evaluation = dataset.test !== undefined && held > 0 ? evaluateModel(model, dataset.test) : undefined
  const testAccuracy = evaluation?.accuracy
  if (dataset.test !== undefined)
    step(`test accuracy ${testAccuracy?.toFixed(4) ?? 'n/a'} on ${held} held-out texts`)

  // saveModel renames a complete temporary file into place: an interrupted save leaves no half model.
  await saveModel(model, options.path, { testAccuracy, reference: evaluation?.reference })
  step(`saved the model to ${options.path}`)
  return {
    path: options.path,
    trained: true,
    ...(testAccuracy === undefined ? {} : { testAccuracy }),
    seconds: (performance.now() - started) / 1000,
  }
}
