/**
 * The dashboard: a static page at `/` and a Server-Sent Events stream of classified records and
 * stats snapshots. It knows nothing of Kafka: records come from a `RecordFeed`, figures from a
 * `DashboardStats`, stream health (when given) from the process's `StreamMonitor`.
 *
 *   GET /                    the page
 *   GET /dashboard/<asset>   its script and stylesheet
 *   GET /dashboard/events    SSE: `records` (batched, newest last), `stats` and `health` (every second)
 *   GET /dashboard/snapshot  the current stats snapshot as JSON, with `health` when a source is given
 *
 * With `requireApiKey` (the REST API's key check), the two data routes need the key like /v1 does;
 * the page and its assets hold no data and stay open, so the page can ask for the key.
 */
import { readFileSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyPluginAsync, onRequestHookHandler } from 'fastify'
import type { StreamHealth } from '../../health/stream-monitor.js'
import { HEALTH_THRESHOLDS, type HealthThresholds } from '../../health/thresholds.js'
import { HealthHistory, healthView, selectStream, type HealthView } from './health-view.js'
import type { DashboardStats, FeedRecord, RecordFeed } from './types.js'

export interface DashboardOptions {
  readonly feed: RecordFeed
  readonly stats: DashboardStats
  /** Milliseconds between stats snapshots pushed to browsers (default 1000). */
  readonly statsIntervalMs?: number
  /** Milliseconds between record batches pushed to browsers (default 250). */
  readonly recordsIntervalMs?: number
  /** Records sent at most per batch, and kept for browsers that connect later (default 40). */
  readonly recentRecords?: number
  /** Told the number of connected browsers whenever it changes (e.g. for a gauge). */
  readonly onViewers?: (count: number) => void
  /**
   * Runs before the stream and the snapshot: the API key check of `buildApp` (its extension context's
   * `requireApiKey`), so the dashboard's data is refused exactly as /v1 refuses. Absent: open.
   */
  readonly requireApiKey?: onRequestHookHandler | undefined
  /**
   * The served model's streams (`StreamMonitor.snapshots`, narrowed by the caller): the bridge's,
   * else the API's, goes to browsers as a `health` event with every stats snapshot and into the
   * snapshot's `health`. Absent: neither, and the page keeps its health panel hidden.
   */
  readonly streamHealth?: (() => readonly StreamHealth[]) | undefined
  /** What the health banner warns about (default HEALTH_THRESHOLDS). */
  readonly healthThresholds?: HealthThresholds
  /** Milliseconds between the samples of the health chart (default 10 000: a sixth of a minute). */
  readonly healthSampleMs?: number
  /** Samples of the health chart kept (default 60: ten minutes). */
  readonly healthSamples?: number
}

/** A browser slower than this many buffered bytes misses batches until it catches up. */
const SLOW_CLIENT_BYTES = 1 << 20
/** A browser this far behind is disconnected; the page reconnects. */
const STUCK_CLIENT_BYTES = 8 << 20
const MAX_TEXT_CHARS = 600

const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
}

// The page may talk to this server only; no inline script or style.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"

/** The assets live beside the source; the compiled plugin finds them there too. */
function assetDirectory(): string {
  const candidates = [
    new URL('./public/', import.meta.url),
    new URL('../../../src/api/dashboard/public/', import.meta.url),
  ]
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate)
    if (existsSync(`${path}index.html`)) return path
  }
  return fileURLToPath(candidates[0] as URL)
}

/** What the browser receives for one record: the text is cut, nothing else is added. */
function toBrowser(record: FeedRecord): Record<string, unknown> {
  return {
    id: record.id,
    text: record.text.length > MAX_TEXT_CHARS ? `${record.text.slice(0, MAX_TEXT_CHARS)}…` : record.text,
    label: record.label,
    confidence: record.confidence,
    trueLabel: record.trueLabel,
    at: record.classifiedAt,
    endToEndMs: record.producedAt === undefined ? undefined : record.classifiedAt - record.producedAt,
  }
}

function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (
  app: FastifyInstance,
  options: DashboardOptions,
) => {
  const { feed, stats } = options
  const statsIntervalMs = options.statsIntervalMs ?? 1000
  const recordsIntervalMs = options.recordsIntervalMs ?? 250
  const keep = options.recentRecords ?? 40

  const directory = assetDirectory()
  const assets = new Map<string, { body: Buffer; type: string }>()
  for (const [name, type] of Object.entries(ASSETS)) {
    assets.set(name, { body: readFileSync(`${directory}${name}`), type })
  }

  const healthSource = options.streamHealth
  const healthThresholds = options.healthThresholds ?? HEALTH_THRESHOLDS
  const healthSampleMs = options.healthSampleMs ?? 10_000
  const history = new HealthHistory(options.healthSamples ?? 60, healthSampleMs)
  // Sampled whether or not anyone watches, like the records, so a page opened later has a chart:
  // one snapshot of the monitor's buckets per sample. Unref'd: it never keeps a process alive.
  const sampleTimer =
    healthSource === undefined
      ? undefined
      : setInterval(() => {
          const stream = selectStream(healthSource())
          if (stream !== undefined) history.add(stream.window, Date.now())
        }, healthSampleMs).unref()

  /** The panel's data now; null before the first classified record, undefined without a source. */
  function health(): HealthView | null | undefined {
    if (healthSource === undefined) return undefined
    const stream = selectStream(healthSource())
    return stream === undefined ? null : healthView(stream, healthThresholds, history.series(), Date.now())
  }

  const clients = new Set<ServerResponse>()
  const recent: Record<string, unknown>[] = []
  let pending: Record<string, unknown>[] = []
  let statsTimer: NodeJS.Timeout | undefined
  let recordsTimer: NodeJS.Timeout | undefined

  // Aggregation runs whether or not anyone watches, so a page opened later still has history.
  const unsubscribe = feed.subscribe((record) => {
    stats.record(record)
    const entry = toBrowser(record)
    recent.push(entry)
    if (recent.length > keep) recent.shift()
    if (clients.size > 0) {
      pending.push(entry)
      if (pending.length > keep) pending.shift()
    }
  })

  function broadcast(chunk: string): void {
    for (const client of clients) {
      if (client.writableLength > STUCK_CLIENT_BYTES) {
        client.destroy()
        continue
      }
      if (client.writableLength > SLOW_CLIENT_BYTES) continue
      client.write(chunk)
    }
  }

  // Timers run only while a browser is connected.
  function startTimers(): void {
    if (statsTimer !== undefined) return
    statsTimer = setInterval(() => {
      broadcast(sseEvent('stats', stats.snapshot()))
      if (healthSource !== undefined) broadcast(sseEvent('health', health()))
    }, statsIntervalMs)
    recordsTimer = setInterval(() => {
      if (pending.length === 0) return
      const batch = pending
      pending = []
      broadcast(sseEvent('records', batch))
    }, recordsIntervalMs)
  }

  function stopTimers(): void {
    clearInterval(statsTimer)
    clearInterval(recordsTimer)
    statsTimer = undefined
    recordsTimer = undefined
    pending = []
  }

  function remove(client: ServerResponse): void {
    if (!clients.delete(client)) return
    if (clients.size === 0) stopTimers()
    options.onViewers?.(clients.size)
  }

  for (const [name, asset] of assets) {
    const url = name === 'index.html' ? '/' : `/dashboard/${name}`
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', asset.type).header('cache-control', 'no-cache')
      if (name === 'index.html') {
        reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
        reply.header('x-content-type-options', 'nosniff')
      }
      return asset.body
    })
  }

  // Route hooks run before the handler, so a refused stream is never hijacked.
  const dataRoute = () => ({
    schema: { hide: true },
    ...(options.requireApiKey ? { onRequest: options.requireApiKey } : {}),
  })

  app.get('/dashboard/snapshot', dataRoute(), async () =>
    healthSource === undefined ? stats.snapshot() : { ...stats.snapshot(), health: health() },
  )

  app.get('/dashboard/events', dataRoute(), (request, reply) => {
    reply.hijack()
    const response = reply.raw
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    response.write(`retry: 2000\n\n`)
    // Stats first: they carry the model's class order, which fixes the category colours.
    response.write(sseEvent('stats', stats.snapshot()))
    if (healthSource !== undefined) response.write(sseEvent('health', health()))
    response.write(sseEvent('records', recent))
    clients.add(response)
    startTimers()
    options.onViewers?.(clients.size)
    const close = (): void => remove(response)
    request.raw.once('close', close)
    response.once('close', close)
    response.once('error', close)
  })

  // SSE responses never end on their own: end them before the server waits for its connections.
  app.addHook('preClose', async () => {
    for (const client of clients) client.end()
    clients.clear()
    stopTimers()
    options.onViewers?.(0)
  })
  app.addHook('onClose', async () => {
    clearInterval(sampleTimer)
    unsubscribe()
  })
}
