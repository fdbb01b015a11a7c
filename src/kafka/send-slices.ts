/**
 * Sends in slices. Neither client library nor the broker splits a send: all records for one
 * partition become one record batch, and the broker refuses batches over `message.max.bytes`
 * (1 MiB by default). So large sends go out in slices, one after the other to keep their order.
 */
import type { OutgoingRecord, SendOptions } from './types.js'

export const MAX_SEND_BYTES = 512 * 1024
const RECORD_OVERHEAD_BYTES = 70

/** About how many bytes `record` takes in a record batch (a little more, never less). */
export function recordBytes(record: OutgoingRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + sizeOf(record.key) + sizeOf(record.value)
  for (const [name, value] of record.headers ?? []) bytes += 10 + Buffer.byteLength(name) + sizeOf(value)
  return bytes
}

function sizeOf(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length
}

/** Slices of at most `maxBytes` (estimated) and `maxRecords` records, in order. */
export function sliceBySize(
  records: readonly OutgoingRecord[],
  maxBytes = MAX_SEND_BYTES,
  maxRecords = Number.POSITIVE_INFINITY,
): OutgoingRecord[][] {
  const slices: OutgoingRecord[][] = []
  let current: OutgoingRecord[] = []
  let bytes = 0
  for (const record of records) {
    const size = recordBytes(record)
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxRecords)) {
      slices.push(current)
      current = []
      bytes = 0
    }
    current.push(record)
    bytes += size
  }
  if (current.length > 0) slices.push(current)
  return slices
}

/**
 * Sends `records` slice by slice with `sendSlice`, telling `options.onAcknowledged` how many records
 * were acknowledged after each slice, so that a failed send tells how far it got.
 */
export async function sendInSlices(
  records: readonly OutgoingRecord[],
  options: SendOptions,
  maxRecords: number | undefined,
  sendSlice: (slice: OutgoingRecord[]) => Promise<unknown>,
): Promise<void> {
  let acknowledged = 0
  for (const slice of sliceBySize(records, MAX_SEND_BYTES, maxRecords)) {
    await sendSlice(slice)
    acknowledged += slice.length
    options.onAcknowledged?.(acknowledged)
  }
}
