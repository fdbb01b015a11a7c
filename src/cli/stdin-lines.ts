/**
 * Line-oriented stdin for the streaming commands (`classify`, `tokenize`). Splits raw bytes
 * itself rather than with readline so that each line can be checked as strict UTF-8, a line
 * larger than the limit is reported (and its bytes dropped as they arrive, keeping memory flat)
 * instead of buffered, and lines come in batches: one await per input chunk, not per line.
 */
import { once } from 'node:events'
import type { Readable, Writable } from 'node:stream'
import type { OptionSpec } from '../config.js'
import { TopicstreamError } from '../errors.js'
import { decodeStrictUtf8 } from '../utf8.js'

export interface InputLine {
  /** 1-based line number. */
  readonly number: number
  /** The line without its `\n` / `\r\n`; undefined when it was longer than the limit. */
  readonly bytes: Buffer | undefined
  /** Size of the line in bytes. */
  readonly size: number
}

/** The `--max-line-bytes` option of every command that reads stdin line by line. */
export const MAX_LINE_BYTES_SPEC = {
  kind: 'integer',
  min: 1,
  default: 64 * 1024 * 1024,
  description: 'Longer lines are answered with ERR_TEXT_TOO_LARGE',
} as const satisfies OptionSpec

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

export async function* readLineBatches(input: Readable, maxLineBytes: number): AsyncGenerator<InputLine[]> {
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
  for await (const data of input) {
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
  if (pendingSize > 0) yield [line(Buffer.alloc(0))]
}

/** Decodes a line as strict UTF-8, or returns the error to answer in its place. */
export function decodeLine(line: InputLine): string | TopicstreamError {
  if (line.bytes === undefined) {
    return new TopicstreamError(
      'ERR_TEXT_TOO_LARGE',
      `line ${line.number} is ${line.size} bytes, more than the --max-line-bytes limit`,
    )
  }
  return (
    decodeStrictUtf8(line.bytes) ??
    new TopicstreamError('ERR_TEXT_NOT_UTF8', `line ${line.number} is not valid UTF-8`)
  )
}

/** Writes with backpressure: waits for `drain` when the destination's buffer is full. */
export async function writeAll(output: Writable, text: string): Promise<void> {
  if (text !== '' && !output.write(text)) await once(output, 'drain')
}

/**
 * Answers every input line with one output line, in order, one write per input chunk. When the
 * reader goes away (`... | head`) it stops quietly, like other Unix filters.
 */
export async function mapLines(
  input: Readable,
  output: Writable,
  maxLineBytes: number,
  answer: (line: InputLine) => string,
): Promise<void> {
  let failure: unknown
  const onError = (error: unknown) => (failure ??= error)
  output.on('error', onError)
  try {
    for await (const batch of readLineBatches(input, maxLineBytes)) {
      let out = ''
      for (const line of batch) out += `${answer(line)}\n`
      await writeAll(output, out)
      if (failure !== undefined) break
    }
  } catch (error) {
    failure ??= error
  } finally {
    output.off('error', onError)
  }
  if (failure !== undefined && (failure as NodeJS.ErrnoException).code !== 'EPIPE') throw failure
}
