/**
 * What happens around the routes: the HTTP server's timeouts, errors Node raises before Fastify
 * sees a request (malformed framing, oversized headers, timeouts), 405 for known paths, the
 * UTF-8-checking JSON parser and the `/classify` short form. Each answers with the same
 * `{"error":{"code","message"}}` body as the routes.
 */
import { STATUS_CODES, type ServerOptions } from 'node:http'
import type { Socket } from 'node:net'
import { isUtf8 } from 'node:buffer'
import {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  errorCodes,
} from 'fastify'
import { type ErrorCode, TopicstreamError } from '../errors.js'
import type { ApiConfig } from './api-config.js'
import { errorBody, httpStatusOf } from './http-errors.js'
import { InvalidJsonError, OFF_THREAD_JSON_BYTES, OffThreadJsonParser } from './off-thread-json.js'

/**
 * Fastify and Node server options for the timeouts. Node's `requestTimeout` is what closes a body
 * that stalls (a chunked upload that never ends, or one that trickles a byte at a time): Fastify's
 * `connectionTimeout` is an idle timeout a slow client defeats. Node checks both timeouts every
 * `connectionsCheckingInterval`, so that interval is kept well below them.
 */
export function timeoutOptions(
  config: Pick<ApiConfig, 'requestTimeoutMs' | 'headersTimeoutMs'>,
): Pick<FastifyServerOptions, 'requestTimeout'> & { http: ServerOptions } {
  const shortest = Math.min(...[config.requestTimeoutMs, config.headersTimeoutMs].filter((ms) => ms > 0))
  const interval = Number.isFinite(shortest) ? Math.max(50, Math.min(1000, Math.floor(shortest / 4))) : 1000
  return {
    requestTimeout: config.requestTimeoutMs,
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: interval },
  }
}

/** Writes a raw error response on a socket Node could not hand to Fastify, then closes it. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  let ours: TopicstreamError
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    ours = new TopicstreamError('ERR_REQUEST_TIMEOUT', 'The request did not arrive within the timeout')
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    ours = new TopicstreamError('ERR_HEADERS_TOO_LARGE', 'The request headers are too large')
  } else {
    ours = new TopicstreamError(
      'ERR_REQUEST_INVALID',
      `Malformed HTTP request (${error.code ?? 'parse error'})`,
    )
  }
  if (socket.writable) {
    const status = httpStatusOf(ours)
    const body = JSON.stringify(errorBody(ours))
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

/** Errors Fastify raises before routing (a URL it cannot decode), in our body. */
export function frameworkErrors(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const ours = new TopicstreamError('ERR_REQUEST_INVALID', error.message || 'Invalid request')
  void reply.code(httpStatusOf(ours)).send(errorBody(ours))
}

/**
 * The paths the app serves and their methods, so the not-found handler can tell an unknown path
 * (404 ERR_ROUTE_NOT_FOUND) from a known one asked with another method (405 ERR_METHOD_NOT_ALLOWED
 * with `allow`). Collected from `onRoute`; only consulted on the error path.
 */
export function createRouteTable(app: FastifyInstance): (url: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = []
  app.addHook('onRoute', (route) => {
    // Catch-alls (CORS preflight's `OPTIONS *`) would make every unknown path "known".
    if (route.url === '*' || route.url === '/*') return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const source = route.url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : escape(part)))
      .join('/')
    routes.push({ pattern: new RegExp(`^${source}/?$`), methods: methods.map(String) })
  })
  return (url) => {
    const path = url.split('?', 1)[0] ?? url
    const allowed = new Set<string>()
    for (const route of routes) if (route.pattern.test(path)) for (const m of route.methods) allowed.add(m)
    return [...allowed].sort()
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The not-found handler: 405 with `allow` for known paths, 404 otherwise. */
export function notFoundHandler(allowedMethods: (url: string) => string[]) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const allowed = allowedMethods(request.url)
    const code: ErrorCode = allowed.length > 0 ? 'ERR_METHOD_NOT_ALLOWED' : 'ERR_ROUTE_NOT_FOUND'
    const path = request.url.split('?', 1)[0] ?? ''
    const error = new TopicstreamError(
      code,
      allowed.length > 0
        ? `${request.method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`
        : `No route ${request.method} ${path}`,
    )
    if (allowed.length > 0) void reply.header('allow', allowed.join(', '))
    return reply.code(httpStatusOf(error)).send(errorBody(error))
  }
}

/**
 * Replaces Fastify's JSON parser with one that refuses invalid UTF-8 (400 ERR_TEXT_NOT_UTF8) on the
 * raw bytes, before decoding would turn them into U+FFFD. `isUtf8` is simdutf-backed: a few tens
 * of nanoseconds on a tweet-sized body. Parsing follows Fastify's rules (prototype poisoning
 * refused): on the event loop for ordinary bodies, on a worker thread from OFF_THREAD_JSON_BYTES up.
 */
export function useUtf8JsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  const offThread = new OffThreadJsonParser()
  app.addHook('onClose', () => offThread.close())
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    if (!isUtf8(bytes)) {
      done(new TopicstreamError('ERR_TEXT_NOT_UTF8', 'The request body is not valid UTF-8'), undefined)
      return
    }
    if (bytes.length < OFF_THREAD_JSON_BYTES) {
      parseJson(request, bytes.toString('utf8'), done)
      return
    }
    offThread.parse(bytes).then(
      (value) => done(null, value),
      (error: unknown) =>
        done(
          error instanceof InvalidJsonError
            ? new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY()
            : new TopicstreamError('ERR_INTERNAL', 'The request body could not be parsed', { cause: error }),
          undefined,
        ),
    )
  })
}

/**
 * `POST /classify` is the short form of `POST /v1/classify`: the URL is rewritten before routing,
 * so it shares the route's schema, authentication, rate-limit bucket and metrics.
 */
export function rewriteShortForms(request: { url?: string }): string {
  const url = request.url ?? '/'
  if (url === '/classify' || url.startsWith('/classify?')) return `/v1${url}`
  return url
}

/** The OpenAPI entry of the short form: the same operation as /v1/classify. */
export function addShortFormsToDocument<T extends { paths?: Record<string, unknown> }>(document: T): T {
  const full = document.paths?.['/v1/classify'] as Record<string, Record<string, unknown>> | undefined
  if (full === undefined || document.paths === undefined) return document
  const short: Record<string, unknown> = {}
  for (const [method, operation] of Object.entries(full)) {
    short[method] = {
      ...operation,
      summary: `${String(operation.summary ?? '')} (short form of /v1/classify)`,
      ...(typeof operation.operationId === 'string' ? { operationId: `${operation.operationId}Short` } : {}),
    }
  }
  return { ...document, paths: { '/classify': short, ...document.paths } }
}
