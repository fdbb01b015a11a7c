/**
 * The named models a server answers with. The first model is the default. Lookups are a Map read
 * on the hot path; `reload` loads the file again and `install` takes a model built elsewhere (the
 * models topic); both swap the instance in one assignment, so a classification already running
 * finishes on the old instance and no request sees a gap.
 */
import { readdir } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import { loadModel } from './model-file.js'
import type { TextClassifier } from './text-classifier.js'
import type { Classification } from './types.js'

export const MODEL_FILE_EXTENSION = '.tsmodel'

export interface ModelSource {
  readonly name: string
  /** File the model is (re)loaded from; absent for models built in memory. */
  readonly path?: string
  /** An already loaded model (tests, embedding); otherwise `path` is loaded by `loadAll`. */
  readonly model?: TextClassifier
}

/** What a transport needs about one served model. */
export interface ModelEntry {
  readonly name: string
  readonly path: string | undefined
  readonly isDefault: boolean
  /** Undefined until loaded. */
  readonly model: TextClassifier | undefined
  /** `{ name, version }` as responses carry it; one frozen object per loaded instance. */
  readonly ref: ModelRef | undefined
  readonly loadedAt: Date | undefined
}

export interface ModelRef {
  readonly name: string
  readonly version: string
}

/** A classification with the model that made it: what REST, gRPC and Kafka answer. */
export interface AttributedClassification extends Classification {
  readonly model: ModelRef
}

/**
 * Adds `model` to a classification. Built field by field: spreading an object that holds a double
 * takes V8's slow path, about 1 µs a call, a third of the classification itself (measured).
 */
export function attribute(classification: Classification, model: ModelRef): AttributedClassification {
  const { label, confidence, abstained, top_k, explanation } = classification
  return explanation === undefined
    ? { label, confidence, abstained, top_k, model }
    : { label, confidence, abstained, top_k, explanation, model }
}

export type ModelLoader = (path: string) => Promise<TextClassifier>

export interface ModelRegistryOptions {
  /** Replaces the engine's `loadModel` (tests). */
  readonly load?: ModelLoader
}

interface MutableEntry {
  name: string
  path: string | undefined
  isDefault: boolean
  model: TextClassifier | undefined
  ref: ModelRef | undefined
  loadedAt: Date | undefined
  /** Serialises reloads of one model so two swaps never interleave. */
  pending: Promise<unknown>
  /** Numbers each reload and install when asked for; the latest asked for wins. */
  asked: number
  /** The number of the reload or install whose model serves now. */
  applied: number
}

export type ModelRegistryListener = (entry: ModelEntry) => void

export class ModelRegistry {
  readonly defaultName: string
  readonly #entries = new Map<string, MutableEntry>()
  readonly #load: ModelLoader
  readonly #listeners = new Set<ModelRegistryListener>()

  constructor(sources: readonly ModelSource[], options: ModelRegistryOptions = {}) {
    const first = sources[0]
    if (first === undefined) {
      throw new TopicstreamError('ERR_CONFIG_INVALID', 'No models given: a registry needs at least one')
    }
    this.defaultName = first.name
    this.#load = options.load ?? loadModel
    for (const source of sources) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(source.name)) {
        throw new TopicstreamError(
          'ERR_CONFIG_INVALID',
          `Invalid model name "${source.name}" (letters, digits, ".", "_" and "-" only)`,
        )
      }
      if (this.#entries.has(source.name)) {
        throw new TopicstreamError('ERR_CONFIG_INVALID', `Model "${source.name}" is given twice`)
      }
      if (source.path === undefined && source.model === undefined) {
        throw new TopicstreamError(
          'ERR_CONFIG_INVALID',
          `Model "${source.name}" has neither a file nor a model`,
        )
      }
      const entry: MutableEntry = {
        name: source.name,
        path: source.path === undefined ? undefined : resolve(source.path),
        isDefault: source.name === first.name,
        model: undefined,
        ref: undefined,
        loadedAt: undefined,
        pending: Promise.resolve(),
        asked: 0,
        applied: 0,
      }
      if (source.model !== undefined) install(entry, source.model)
      this.#entries.set(source.name, entry)
    }
  }

  /** The loaded model, for the hot path. Unknown name → ERR_MODEL_NOT_FOUND; not loaded yet → ERR_NOT_READY. */
  get(name?: string): TextClassifier {
    return this.entry(name).model
  }

  /** Like `get`, with the name and version responses carry. Throws the same errors. */
  entry(name?: string): ModelEntry & { readonly model: TextClassifier; readonly ref: ModelRef } {
    const entry = this.#find(name === undefined || name === '' ? this.defaultName : name)
    if (entry.model === undefined || entry.ref === undefined) {
      throw new TopicstreamError('ERR_NOT_READY', `Model "${entry.name}" is still loading`, {
        canRetry: true,
      })
    }
    return entry as MutableEntry & { model: TextClassifier; ref: ModelRef }
  }

  list(): ModelEntry[] {
    return [...this.#entries.values()].map(snapshot)
  }

  /** True once every model is loaded. */
  isReady(): boolean {
    for (const entry of this.#entries.values()) if (entry.model === undefined) return false
    return true
  }

  /** Loads every model that has a file and is not loaded yet, all at once. */
  async loadAll(): Promise<void> {
    const waiting = [...this.#entries.values()].filter((entry) => entry.model === undefined)
    await Promise.all(waiting.map((entry) => this.reload(entry.name)))
  }

  /**
   * Loads the model's file again and swaps it in. On failure the current instance keeps serving
   * and the error (ERR_MODEL_NOT_FOUND, ERR_MODEL_FILE_INVALID, ERR_MODEL_FILE_VERSION) is thrown.
   */
  async reload(name: string): Promise<ModelEntry> {
    const entry = this.#find(name)
    const path = entry.path
    if (path === undefined) {
      throw new TopicstreamError('ERR_MODEL_NOT_FOUND', `Model "${name}" was not loaded from a file`, {
        details: { model: name },
      })
    }
    const ticket = ++entry.asked
    const run = entry.pending.then(async () => {
      let model: TextClassifier
      try {
        model = await this.#load(path)
      } catch (error) {
        throw toTopicstreamError(error, 'ERR_MODEL_FILE_INVALID')
      }
      // An install asked for while the file was read is newer than the file: it keeps serving.
      if (ticket < entry.applied) return snapshot(entry)
      return this.#swap(entry, model, ticket)
    })
    entry.pending = run.catch(() => undefined)
    return run
  }

  /**
   * Serves `model` under a known name from now on (a version received from the models topic). The
   * swap is the one `reload` makes: a request in flight finishes on the old instance, the listeners
   * hear of it, and a reload still reading its file when this is called does not replace it.
   * Unknown name → ERR_MODEL_NOT_FOUND.
   */
  install(name: string, model: TextClassifier): ModelEntry {
    const entry = this.#find(name)
    return this.#swap(entry, model, ++entry.asked)
  }

  #swap(entry: MutableEntry, model: TextClassifier, ticket: number): ModelEntry {
    entry.applied = ticket
    install(entry, model)
    const view = snapshot(entry)
    for (const listener of this.#listeners) listener(view)
    return view
  }

  #find(name: string): MutableEntry {
    const entry = this.#entries.get(name)
    if (entry === undefined) {
      throw new TopicstreamError('ERR_MODEL_NOT_FOUND', `No model named "${name}"`, {
        details: { model: name, available: [...this.#entries.keys()] },
      })
    }
    return entry
  }

  /** Called after every (re)load, e.g. to update a model-info gauge. Returns an unsubscribe function. */
  onLoad(listener: ModelRegistryListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

function install(entry: MutableEntry, model: TextClassifier): void {
  // Written together so a reader never sees a model with the previous version's ref.
  entry.ref = Object.freeze({ name: entry.name, version: model.metadata.version })
  entry.model = model
  entry.loadedAt = new Date()
}

function snapshot(entry: MutableEntry): ModelEntry {
  return Object.freeze({
    name: entry.name,
    path: entry.path,
    isDefault: entry.isDefault,
    model: entry.model,
    ref: entry.ref,
    loadedAt: entry.loadedAt,
  })
}

/** Every `*.tsmodel` in a directory, named after the file, sorted by name (the first is the default). */
export async function discoverModels(dir: string): Promise<ModelSource[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    throw new TopicstreamError('ERR_MODEL_NOT_FOUND', `Cannot read the models directory ${dir}`, {
      cause: error,
    })
  }
  const files = names.filter((file) => file.endsWith(MODEL_FILE_EXTENSION)).sort()
  if (files.length === 0) {
    throw new TopicstreamError('ERR_MODEL_NOT_FOUND', `No ${MODEL_FILE_EXTENSION} files in ${dir}`)
  }
  return files.map((file) => ({ name: basename(file, MODEL_FILE_EXTENSION), path: join(dir, file) }))
}
