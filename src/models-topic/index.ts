/**
 * The models topic: model versions as chunked snapshots on one compacted partition, so that every
 * process serving a model (API replicas, bridges) serves the same version.
 */
export * from './records.js'
export { DEFAULT_MODELS_TOPIC, MODELS_TOPIC_CONFIGS, createModelsTopic, modelsTopicSpec } from './topic.js'
export { moveCurrent, publishModel, sendCommand, sendStatus } from './publish.js'
export type { MoveCurrentOptions, PublishModelOptions } from './publish.js'
export { STATUS_HISTORY } from './state.js'
export { createModelsFollower } from './follower.js'
export type {
  CurrentEvent,
  CurrentOutcome,
  FollowerCounters,
  ModelsFollower,
  ModelsFollowerOptions,
} from './follower.js'
export { MODELS_TOPIC_OPTIONS } from './options.js'
