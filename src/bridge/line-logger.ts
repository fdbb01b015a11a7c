/**
 * A minimal pino-compatible logger (one JSON object per line, pino's field names) for the standalone
 * bridge, which has no Fastify instance to borrow a logger from.
 */
import type { Writable } from 'node:stream'
import type { KafkaLogger } from '../kafka/client.js'

export type LineLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity } as const

export function createLineLogger(stream: Writable, level: LineLogLevel, name: string): KafkaLogger {
  const threshold = LEVELS[level]
  const write = (value: number) => (object: object, message?: string) => {
    if (value < threshold) return
    const fields: Record<string, unknown> = { level: value, time: Date.now(), name }
    for (const [key, field] of Object.entries(object)) {
      fields[key] = field instanceof Error ? serializeError(field) : field
    }
    if (message !== undefined) fields.msg = message
    stream.write(`${JSON.stringify(fields)}\n`)
  }
  return { debug: write(20), info: write(30), warn: write(40), error: write(50) }
}

function serializeError(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code
  return { type: error.name, message: error.message, ...(code === undefined ? {} : { code }) }
}
