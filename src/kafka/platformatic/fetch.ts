/** A fetch response → per-partition batches of records, stepping over control markers and aborted data. */
import type { Consumer } from '@platformatic/kafka'
import type { IncomingRecord } from '../types.js'

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>

/** The consumer's key for a topic-partition. */
export const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`

export interface FetchedPartition {
  readonly topic: string
  readonly partition: number
  readonly generation: number
  readonly highWatermark: bigint
  readonly records: IncomingRecord[]
  /** Next offset after everything the response held (records, control markers, aborted data). */
  readonly end: bigint
}

const IS_CONTROL = 0b10_0000

export function toFetched(
  response: FetchResponse,
  topicNames: ReadonlyMap<string, string>,
  requested: ReadonlyMap<string, bigint>,
  generation: number,
): FetchedPartition[] {
  const fetched: FetchedPartition[] = []
  for (const topicResponse of response.responses) {
    const topic = topicNames.get(topicResponse.topicId) ?? topicResponse.topicId
    for (const partitionResponse of topicResponse.partitions) {
      const partition = partitionResponse.partitionIndex
      const from = requested.get(keyOf(topic, partition))
      // A fetch session may return partitions that were not asked for: their data is stale.
      if (from === undefined || !partitionResponse.records || partitionResponse.records.length === 0) continue
      const records: IncomingRecord[] = []
      let end = from
      for (const batch of partitionResponse.records) {
        const batchEnd = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n
        if (batchEnd > end) end = batchEnd
        if (batch.attributes & IS_CONTROL) continue
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta)
          if (offset < from) continue
          records.push({
            key: record.key,
            value: record.value,
            headers: record.headers.map(
              ([name, value]) => [name?.toString() ?? '', value ?? Buffer.alloc(0)] as const,
            ),
            offset: offset.toString(),
            timestamp: (batch.firstTimestamp + record.timestampDelta).toString(),
          })
        }
      }
      if (end > from) {
        fetched.push({
          topic,
          partition,
          generation,
          highWatermark: partitionResponse.highWatermark,
          records,
          end,
        })
      }
    }
  }
  return fetched
}
