/** The parts of `topicstream bridge`: the model, the optional metrics server, the bridge. */
import { basename, extname } from 'node:path'
import { Registry } from 'prom-client'
import { createBridge } from '../bridge/bridge.js'
import { metricsServerPart } from '../bridge/metrics-server.js'
import { type BridgeKafkaOptions, bridgeConfig } from '../bridge/options.js'
import { bridgePart } from '../bridge/part.js'
import { ModelRegistry } from '../engine/model-registry.js'
import { registerStreamHealthMetrics } from '../health/metrics.js'
import { streamHealthSettings } from '../health/options.js'
import { createStreamMonitor } from '../health/stream-monitor.js'
import type { Logger } from '../runtime/logger.js'
import { type Part, part } from '../runtime/part.js'
import type { ServicePlan } from '../runtime/service.js'
import { registryClassifier } from './registry-classifier.js'

export interface BridgeCommandOptions extends BridgeKafkaOptions {
  readonly model: string
  readonly minConfidence: number | undefined
  readonly healthWindow: number
  readonly metricsPort: number | undefined
  readonly metricsHost: string
}

export function bridgeCommandParts(options: BridgeCommandOptions, logger: Logger): ServicePlan {
  const name = basename(options.model, extname(options.model))
  const registry = new ModelRegistry([{ name, path: options.model }])
  const metrics = new Registry()
  const health = streamHealthSettings(options)
  const streamHealth = createStreamMonitor(health.monitor)
  registerStreamHealthMetrics(metrics, streamHealth)
  const bridge = createBridge({
    ...bridgeConfig(options),
    brokers: options.brokers,
    classify: registryClassifier(registry, {
      classify: { topK: options.topK, minConfidence: health.minConfidence },
      streamHealth,
    }),
    metrics,
    logger,
  })
  const parts: Part[] = [part('the model', () => registry.loadAll())]
  if (options.metricsPort !== undefined) {
    parts.push(
      metricsServerPart({
        registry: metrics,
        state: () => bridge.state(),
        host: options.metricsHost,
        port: options.metricsPort,
        logger,
      }),
    )
  }
  parts.push(bridgePart(bridge))
  return {
    parts,
    onStarted: () =>
      logger.info(
        {
          input: options.inputTopic,
          output: options.outputTopic,
          dlq: options.dlqTopic,
          group: options.group,
          exactlyOnce: options.exactlyOnce,
          model: registry.entry().ref,
        },
        'Bridge started',
      ),
  }
}
