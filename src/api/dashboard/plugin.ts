/**
 * The dashboard: a static page at `/` and a Server-Sent Events stream of classified records and
 * stats snapshots. It knows nothing of Kafka: records come from a `RecordFeed`, figures from a
 * `DashboardStats`, stream health (when given) from the process's `StreamMonitor`.
 *
 *   GET /                    the page
 *   GET /dashboard/<asset>   its script and stylesheet
 *   GET /dashboard/events    SSE: `records` (batched, newest last), `stats` and `health` (every second),
 *                            `review` (the review queue, when it changes)
 *   GET /dashboard/snapshot  the current stats snapshot as JSON, with `health` when a source is given
 *   GET /dashboard/records/<seq>  the whole text of a record the stream sent cut, for its feedback
 *
 * With `requireApiKey` (the REST API's key check), the data routes need the key like /v1 does;
 * the page and its assets hold no data and stay open, so the page can ask for the key.
 */
import { readFileSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyPluginAsync, onRequestHookHandler } from 'fastify'
import type { StreamHealth } from '../../health/stream-monitor.js'
import { HEALTH_THRESHOLDS, type HealthThresholds } from '../../health/thresholds.js'
import { TopicstreamError } from '../../errors.js'
import { HealthHistory, healthView, selectStream, type HealthView } from './health-view.js'
import { createReviewQueue } from './review-queue.js'
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
  /** The latest records the review queue chooses from (default 300). */
  readonly reviewWindow?: number
  /**
   * Records of the review queue sent to browsers (default 30): more than a page shows, so that the
   * records it has labelled leave room for the next ones.
   */
  readonly reviewSize?: number
}

/** A browser slower than this many buffered bytes misses batches until it catches up. */
const SLOW_CLIENT_BYTES = 1 << 20
/** A browser this far behind is disconnected; the page reconnects. */
const STUCK_CLIENT_BYTES = 8 << 20
const MAX_TEXT_CHARS = 600
/** Whole texts of cut records kept for labelling: the latest this many (the page's feed is far shorter). */
const CUT_TEXTS_KEPT = 1000

const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'labelling.js': 'text/javascript; charset=utf-8',
  'review.js': 'text/javascript; charset=utf-8',
  'learning.js': 'text/javascript; charset=utf-8',
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

/** One record as the browser receives it. */
interface BrowserRecord {
  /** This server's number for the record: the page's handle on it, the same in the feed and the queue. */
  readonly seq: number
  readonly id: string | undefined
  readonly text: string
  /** The text was cut for the page; GET /dashboard/records/<seq> has it whole. */
  readonly cut: true | undefined
  readonly label: string
  readonly confidence: number
  readonly abstained: true | undefined
  readonly trueLabel: string | undefined
  readonly model: string | undefined
  readonly at: number
  readonly endToEndMs: number | undefined
}

/** What the browser receives for one record: the text is cut, and the record numbered. */
function toBrowser(record: FeedRecord, seq: number): BrowserRecord {
  const cut = record.text.length > MAX_TEXT_CHARS
  return {
    seq,
    id: record.id,
    text: cut ? `${record.text.slice(0, MAX_TEXT_CHARS)}…` : record.text,
    cut: cut ? true : undefined,
    label: record.label,
    confidence: record.confidence,
    abstained: record.abstained === true ? true : undefined,
    trueLabel: record.trueLabel,
    model: record.model,
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
  const recent: BrowserRecord[] = []
  let pending: BrowserRecord[] = []
  let statsTimer: NodeJS.Timeout | undefined
  let recordsTimer: NodeJS.Timeout | undefined
  let seq = 0
  const review = createReviewQueue<BrowserRecord>(options.reviewWindow ?? 300)
  const reviewSize = options.reviewSize ?? 30
  let reviewed: { added: number; records: BrowserRecord[] } = { added: 0, records: [] }
  const cutTexts = new Map<number, string>()

  // Aggregation runs whether or not anyone watches, so a page opened later still has history.
  const unsubscribe = feed.subscribe((record) => {
    // Abstentions never counted in the figures; they are shown, and offered for review first.
    if (record.abstained !== true) stats.record(record)
    const entry = toBrowser(record, ++seq)
    if (entry.cut) {
      cutTexts.set(entry.seq, record.text)
      if (cutTexts.size > CUT_TEXTS_KEPT) cutTexts.delete(cutTexts.keys().next().value as number)
    }
    review.add(entry)
    recent.push(entry)
    if (recent.length > keep) recent.shift()
    if (clients.size > 0) {
      pending.push(entry)
      if (pending.length > keep) pending.shift()
    }
  })

  /** The queue's records now, and whether they differ from those last returned. */
  function reviewQueue(): { records: BrowserRecord[]; changed: boolean } {
    if (review.added === reviewed.added) return { records: reviewed.records, changed: false }
    const records = review.select(reviewSize)
    const changed =
      records.length !== reviewed.records.length ||
      records.some((record, i) => record !== reviewed.records[i])
    reviewed = { added: review.added, records }
    return { records, changed }
  }

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
      const queue = reviewQueue()
      if (queue.changed) broadcast(sseEvent('review', queue.records))
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

  app.get<{ Params: { seq: string } }>('/dashboard/records/:seq', dataRoute(), async (request) => {
    const text = cutTexts.get(Number(request.params.seq))
    if (text === undefined) {
      throw new TopicstreamError(
        'ERR_ROUTE_NOT_FOUND',
        'The dashboard no longer holds this record: label one of the latest records instead',
      )
    }
    return { seq: Number(request.params.seq), text }
  })

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
    response.write(sseEvent('review', reviewQueue().records))
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
