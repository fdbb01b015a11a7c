/**
 * Checks shared by the bridge's integration tests: a logger that keeps its lines, the group's
 * committed offsets against the high watermarks, and gauge values.
 */
import type { Registry } from 'prom-client'
import { expect } from 'vitest'
import type { KafkaLogger } from '../../src/kafka/client.js'
import { withAdmin } from '../helpers/kafka.js'

export interface LogLine {
  readonly level: 'error' | 'warn' | 'info' | 'debug'
  readonly fields: Record<string, unknown>
  readonly message: string
}

export function captureLogger(lines: LogLine[]): KafkaLogger {
  const record =
    (level: LogLine['level']) =>
    (fields: object, message?: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message: message ?? '' })
    }
  return { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug') }
}

/** Waits until the group has committed every offset of `topic` (lag 0 by Kafka's own numbers). */
export async function expectCommittedToEnd(group: string, topic: string): Promise<void> {
  await expect
    .poll(
      () =>
        withAdmin(async (admin) => {
          const ends = await admin.topicOffsets(topic)
          const committed = await admin.groupOffsets(group, topic)
          return ends.every(
            ({ partition, high }) =>
              committed.find((entry) => entry.partition === partition)?.offset === high,
          )
        }),
      { timeout: 30_000, interval: 500 },
    )
    .toBe(true)
}

export async function gaugeValues(registry: Registry, name: string): Promise<number[]> {
  const text = await registry.getSingleMetricAsString(name)
  return [...text.matchAll(new RegExp(`${name}\\{[^}]*\\} (\\d+)`, 'g'))].map((match) => Number(match[1]))
}
