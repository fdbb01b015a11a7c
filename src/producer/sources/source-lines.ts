/**
 * The rules every line-oriented source applies to a line (stdin, JSON Lines and CSV replays):
 * strict UTF-8 and a size limit, checked before anything parses it.
 */
import { isUtf8 } from 'node:buffer'
import type { TopicstreamError } from '../../errors.js'
import { DEFAULT_MAX_TEXT_BYTES } from '../../limits.js'
import type { InputLine } from '../../line-reader.js'
import { decodeStrictUtf8 } from '../../utf8.js'
import { invalid } from './normalize.js'

/**
 * Longest line a source reads: 1 MiB. A line carries one tweet, whose text the bridge takes up to
 * DEFAULT_MAX_TEXT_BYTES (64 KiB), but a JSON line holds more than the text: escapes (Python's
 * json.dumps writes every non-ASCII character as `\u00e9`, six bytes for two or three) and the
 * other fields (an X API v2 payload adds `includes` and `matching_rules`). So the limit is a
 * multiple of the text limit, and sixteen times it is also Kafka's default record size limit
 * (`message.max.bytes`, 1 MiB): a longer plain-text line could not travel as one record. `classify`
 * allows 64 MiB because it classifies whole documents in-process, where its limit only guards
 * memory; here every line is bound for Kafka and the bridge.
 */
export const MAX_SOURCE_LINE_BYTES = 16 * DEFAULT_MAX_TEXT_BYTES

/**
 * The line as text, or why it is rejected. A leading byte order mark is dropped, since JSON.parse
 * refuses one.
 */
export function sourceLineText(
  line: InputLine,
  where: string,
  maxLineBytes: number,
): string | TopicstreamError {
  if (line.bytes === undefined) return invalid({ where }, tooLong(line, maxLineBytes))
  return decodeStrictUtf8(line.bytes, { bom: 'drop' }) ?? invalid({ where }, NOT_UTF8)
}

/** What makes a line unusable before anything parses it: its size or its bytes, if either. */
export function lineProblem(line: InputLine, maxLineBytes: number): string | undefined {
  if (line.bytes === undefined) return tooLong(line, maxLineBytes)
  return isUtf8(line.bytes) ? undefined : NOT_UTF8
}

const NOT_UTF8 = 'is not valid UTF-8'

function tooLong(line: InputLine, maxLineBytes: number): string {
  return `is ${line.size} bytes, more than the ${maxLineBytes}-byte line limit`
}
