/**
 * What the API needs of the learning loop: the versions and figures of a model, and the two
 * actions. Promote and rollback act through the models topic, so any replica can take them and
 * every replica follows.
 */
import type { LearningStatus } from '../learning/model-learner.js'

export interface ModelVersions {
  readonly current: string
  /** Versions live before, newest first: `history[0]` is what a rollback returns to. */
  readonly history: readonly string[]
  readonly action: string
  readonly at: string
}

export interface LearningControl {
  versions(name: string): ModelVersions | undefined
  /** The learner's latest figures for the model, wherever the learner runs. */
  status(name: string): LearningStatus | undefined
  /** Asks the learner to promote its candidate; resolves once the request is on the models topic. */
  promote(name: string): Promise<{ readonly requestId: string }>
  /** Makes the previous version current on every replica; ERR_PROMOTION_REFUSED when there is none. */
  rollback(name: string): Promise<{ readonly version: string; readonly previous: string }>
}
