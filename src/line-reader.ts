/**
 * Line-oriented reading of a byte stream, shared by every edge that takes one record per line:
 * the stdin of `classify` and `tokenize`, and the producer's stdin and replay-file sources. Splits
 * raw bytes itself rather than with readline so that each line can be checked as strict UTF-8
 * (readline would have turned bad bytes into U+FFFD already), a line larger than the limit is
 * reported (its bytes dropped as they arrive, keeping memory flat) instead of buffered, and lines
 * come in batches: one await per input chunk, not per line.
 */
import type { Readable } from 'node:stream'
import { finished } from 'node:stream'

export interface InputLine {
  /** 1-based line number. */
  readonly number: number
  /** The line without its `\n` / `\r\n`; undefined when it was longer than the limit. */
  readonly bytes: Buffer | undefined
  /** Size of the line in bytes, a final `\r` included. */
  readonly size: number
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * The lines of `input`, batched per chunk read. With a `signal`, reading ends quietly when it
 * aborts, even while waiting for input (a quiet stdin), and an unfinished last line is dropped.
 */
export async function* readLineBatches(
  input: Readable,
  maxLineBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<InputLine[]> {
  let pending: Buffer[] = []
  let pendingSize = 0
  let number = 0
  const line = (last: Buffer): InputLine => {
    const size = pendingSize + last.length
    number++
    if (size > maxLineBytes) return { number, bytes: undefined, size }
    let bytes = pending.length === 0 ? last : Buffer.concat([...pending, last], size)
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, -1)
    return { number, bytes, size }
  }
  const chunks = signal === undefined ? input : chunksUntilAborted(input, signal)
  for await (const data of chunks) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer)
    const batch: InputLine[] = []
    let start = 0
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      batch.push(line(chunk.subarray(start, end)))
      pending = []
      pendingSize = 0
      start = end + 1
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      // Past the limit only the size is kept: the line will be answered with an error.
      if (pendingSize + rest.length <= maxLineBytes) pending.push(Buffer.from(rest))
      else pending = []
      pendingSize += rest.length
    }
    if (batch.length > 0) yield batch
  }
  if (pendingSize > 0 && signal?.aborted !== true) yield [line(Buffer.alloc(0))]
}

/** The lines of `input` one by one, for consumers that hand them on individually. */
export async function* readLines(
  input: Readable,
  maxLineBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<InputLine> {
  for await (const batch of readLineBatches(input, maxLineBytes, signal)) yield* batch
}

/**
 * The chunks of `input` until it ends or `signal` aborts. A stream's own async iterator cannot be
 * left while it waits for data, so this reads in flowing mode like readline, pausing while a
 * buffer's worth is queued. On abort the input is detached and paused, not destroyed: it belongs to
 * the caller (process.stdin stops reading once paused, so it does not keep the process alive).
 */
async function* chunksUntilAborted(input: Readable, signal: AbortSignal): AsyncGenerator<Buffer | string> {
  const queue: (Buffer | string)[] = []
  let queued = 0
  let ended = false
  let failure: unknown
  let wake: (() => void) | undefined
  const notify = (): void => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  const onData = (chunk: Buffer | string): void => {
    queue.push(chunk)
    queued += chunk.length
    if (queued >= input.readableHighWaterMark) input.pause()
    notify()
  }
  // Reports the end, an error, or a close without an end, after every queued `data` event.
  const stopWatching = finished(input, { writable: false }, (error) => {
    ended = true
    failure = error
    notify()
  })
  signal.addEventListener('abort', notify)
  input.on('data', onData)
  try {
    for (;;) {
      if (signal.aborted) return
      const chunk = queue.shift()
      if (chunk !== undefined) {
        queued -= chunk.length
        yield chunk
        continue
      }
      if (failure !== undefined) throw failure
      if (ended) return
      input.resume()
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    input.off('data', onData)
    signal.removeEventListener('abort', notify)
    stopWatching()
    input.pause()
  }
}
