/**
 * One publication from a process that does not follow the topic (`topicstream train --publish`):
 * creates the topic if needed, reads it up to its end for the model's current pointer (so the new
 * pointer's history continues it, and versions pushed out of the window get their tombstones), then
 * publishes with an idempotent producer.
 */
import type { SaveModelExtra } from '../engine/model-file.js'
import type { TextClassifier } from '../engine/text-classifier.js'
import { createKafkaClient } from '../kafka/client.js'
import type { KafkaLibrary } from '../kafka/client.js'
import type { Logger } from '../runtime/logger.js'
import { createModelsFollower } from './follower.js'
import { publishModel } from './publish.js'
import { nextHistory } from './records.js'
import type { CurrentPointer, Manifest, SnapshotSource } from './records.js'

export interface PublishOnceOptions {
  readonly brokers: readonly string[]
  readonly library?: KafkaLibrary
  readonly topic: string
  readonly name: string
  readonly model: TextClassifier
  readonly extra?: SaveModelExtra
  readonly source: SnapshotSource
  readonly evaluation?: Readonly<Record<string, unknown>>
  readonly keepVersions?: number
  readonly chunkBytes?: number
  readonly logger: Logger
}

export interface Publication {
  readonly manifest: Manifest
  /** The pointer the new one replaced, if the model had one. */
  readonly replaced: CurrentPointer | undefined
}

export async function publishOnce(options: PublishOnceOptions): Promise<Publication> {
  const { topic, name, logger } = options
  const client = createKafkaClient({
    brokers: options.brokers,
    clientId: 'topicstream-publish',
    logger,
    logLevel: 'error',
    library: options.library,
  })
  const follower = createModelsFollower({ client, topic, logger })
  let replaced: CurrentPointer | undefined
  let manifests: Map<string, Manifest>
  try {
    await follower.start()
    replaced = follower.current(name)
    manifests = new Map()
    for (const version of nextHistory(replaced)) {
      const manifest = follower.manifest(name, version)
      if (manifest !== undefined) manifests.set(version, manifest)
    }
  } finally {
    await follower.stop()
  }
  const producer = client.producer({ idempotent: true })
  await producer.connect()
  try {
    const manifest = await publishModel(producer, {
      topic,
      name,
      model: options.model,
      extra: options.extra,
      source: options.source,
      previous: replaced?.version,
      history: nextHistory(replaced),
      evaluation: options.evaluation,
      keepVersions: options.keepVersions,
      chunkBytes: options.chunkBytes,
      manifestOf: (version) => manifests.get(version),
    })
    return { manifest, replaced }
  } finally {
    await producer.disconnect().catch(() => undefined)
  }
}
