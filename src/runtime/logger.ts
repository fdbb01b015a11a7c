/**
 * The one logger of every command and part: pino, JSON lines on stderr (stdout carries a command's
 * own output), or pino-pretty's human lines when asked for. Credentials are redacted whatever a
 * caller logs.
 */
import type { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import prettyFactory from 'pino-pretty'
import type { OptionSpecs, Options } from '../config.js'

export type { Logger } from 'pino'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** The logging options every long-running command takes: one definition of their flags. */
export const LOG_OPTIONS = {
  logLevel: {
    kind: 'string',
    env: 'TOPICSTREAM_LOG_LEVEL',
    default: 'info',
    choices: LOG_LEVELS,
    description: 'Log level (logs go to stderr)',
  },
  logFormat: {
    kind: 'string',
    env: 'TOPICSTREAM_LOG_FORMAT',
    default: 'json',
    choices: ['json', 'pretty'],
    description: 'json: one JSON object per line; pretty: coloured lines for a terminal',
  },
} as const satisfies OptionSpecs

export type LogOptions = Options<typeof LOG_OPTIONS>

/** Never log credentials, whatever a caller adds to a log line. */
export const LOG_REDACT: readonly string[] = [
  'req.headers.authorization',
  'headers.authorization',
  'apiKey',
  'bearerToken',
]

export interface CreateLoggerOptions {
  readonly level: string
  readonly format?: 'json' | 'pretty' | string
  /** Where lines go (default stderr). */
  readonly destination?: Writable
  /** The `name` field of every line, e.g. the command. */
  readonly name?: string
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const settings = {
    level: options.level,
    redact: [...LOG_REDACT],
    ...(options.name ? { name: options.name } : {}),
  }
  const destination = options.destination ?? process.stderr
  if (options.format === 'pretty') return pino(settings, prettyStream(destination))
  return pino(settings, destination)
}

/** pino-pretty as a plain stream in this thread: no worker, nothing to flush at exit. */
function prettyStream(destination: Writable): Writable {
  return prettyFactory({
    destination,
    colorize: destination === process.stderr && process.stderr.isTTY,
    sync: true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname',
  })
}
