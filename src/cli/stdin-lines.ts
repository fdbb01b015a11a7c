/**
 * Line-oriented stdin for the streaming commands (`classify`, `tokenize`): the shared line reader
 * (strict UTF-8 per line, a line limit, batches per chunk), with answers in the CLI's own terms.
 */
import { once } from 'node:events'
import type { Readable, Writable } from 'node:stream'
import type { OptionSpec } from '../config.js'
import { TopicstreamError } from '../errors.js'
import { readLineBatches } from '../line-reader.js'
import type { InputLine } from '../line-reader.js'
import { decodeStrictUtf8 } from '../utf8.js'

/** The `--max-line-bytes` option of every command that reads stdin line by line. */
export const MAX_LINE_BYTES_SPEC = {
  kind: 'integer',
  min: 1,
  default: 64 * 1024 * 1024,
  description: 'Longer lines are answered with ERR_TEXT_TOO_LARGE',
} as const satisfies OptionSpec

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
