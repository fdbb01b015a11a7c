/**
 * Prometheus metrics. A fresh `Registry` per call (never prom-client's global one), so several
 * servers can live in one process and the embedded Kafka bridge registers into the same registry.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { ModelEntry } from '../engine/model-registry.js'
import type { ErrorCode } from '../errors.js'
import { registerStreamHealthMetrics } from '../health/metrics.js'
import {
  type StreamMonitor,
  type StreamMonitorOptions,
  createStreamMonitor,
} from '../health/stream-monitor.js'

export interface ApiMetrics {
  readonly registry: Registry
  readonly httpRequests: Counter<'method' | 'route' | 'status'>
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>
  readonly grpcRequests: Counter<'method' | 'code'>
  readonly grpcDuration: Histogram<'method' | 'code'>
  readonly grpcActiveStreams: Gauge
  readonly classifications: Counter<'model' | 'label'>
  /** Feedback items by channel (`rest`, `grpc`), outcome (`accepted`, `refused`) and error code. */
  readonly feedbackItems: Counter<'channel' | 'outcome' | 'code'>
  readonly modelInfo: Gauge<'model' | 'version' | 'default' | 'classes'>
  /** Stream health of everything the process classifies (REST, gRPC, the bridge), on /metrics too. */
  readonly streamHealth: StreamMonitor
}

export interface CreateMetricsOptions {
  /** Process metrics (CPU, memory, event loop lag); default true. */
  readonly defaultMetrics?: boolean
  readonly prefix?: string
  readonly streamHealth?: StreamMonitorOptions
}

/** The `label` of classifications the model abstained from (`--min-confidence`). */
export const ABSTAINED_LABEL = '(abstained)'

// Classification takes microseconds, so the interesting latencies sit well below prom-client's defaults.
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]

export function createMetrics(options: CreateMetricsOptions = {}): ApiMetrics {
  const prefix = options.prefix ?? 'topicstream_'
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix })
  const registers = [registry]
  const streamHealth = createStreamMonitor(options.streamHealth)
  registerStreamHealthMetrics(registry, streamHealth)
  return {
    registry,
    streamHealth,
    httpRequests: new Counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'HTTP request latency by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    grpcRequests: new Counter({
      name: `${prefix}grpc_requests_total`,
      help: 'gRPC calls (unary) and stream messages by method and status code',
      labelNames: ['method', 'code'],
      registers,
    }),
    grpcDuration: new Histogram({
      name: `${prefix}grpc_request_duration_seconds`,
      help: 'gRPC unary call latency by method and status code',
      labelNames: ['method', 'code'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    grpcActiveStreams: new Gauge({
      name: `${prefix}grpc_active_streams`,
      help: 'Open gRPC streaming calls (ClassifyStream, FeedbackStream, and EchoStream when benchmark routes are on)',
      registers,
    }),
    classifications: new Counter({
      name: `${prefix}classifications_total`,
      help: `Texts classified over REST and gRPC, by model and winning label (${ABSTAINED_LABEL} when the model abstained)`,
      labelNames: ['model', 'label'],
      registers,
    }),
    feedbackItems: new Counter({
      name: `${prefix}feedback_items_total`,
      help: 'Feedback items over REST and gRPC by outcome; code is the error code of refused items, empty for accepted ones',
      labelNames: ['channel', 'outcome', 'code'],
      registers,
    }),
    modelInfo: new Gauge({
      name: `${prefix}model_info`,
      help: 'Served models (value 1), with their version and number of classes',
      labelNames: ['model', 'version', 'default', 'classes'],
      registers,
    }),
  }
}

export type FeedbackChannel = 'rest' | 'grpc'

/** Counts feedback items; `code` undefined: accepted. */
export function countFeedback(
  metrics: ApiMetrics,
  channel: FeedbackChannel,
  items: number,
  code?: ErrorCode,
): void {
  if (items <= 0) return
  const outcome = code === undefined ? 'accepted' : 'refused'
  metrics.feedbackItems.inc({ channel, outcome, code: code ?? '' }, items)
}

/** Sets the model-info gauge to the registry's current models (call after every load). */
export function recordModels(metrics: ApiMetrics, entries: readonly ModelEntry[]): void {
  metrics.modelInfo.reset()
  for (const entry of entries) {
    if (entry.model === undefined) continue
    metrics.modelInfo.set(
      {
        model: entry.name,
        version: entry.model.metadata.version,
        default: String(entry.isDefault),
        classes: String(entry.model.classes.length),
      },
      1,
    )
  }
}
