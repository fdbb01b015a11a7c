/**
 * The one rule for inputs that are either a JSON object or plain text (a `classify` line, a
 * producer stdin line, a Kafka record value): the input is a JSON object when its first character
 * after JSON whitespace is `{`. JSON whitespace is what RFC 8259 allows around a value (space, tab,
 * LF, CR) and nothing else, so every input that JSON.parse would accept as an object is recognised,
 * and an input that merely looks like one after other Unicode whitespace (a no-break space, an
 * em space, U+FEFF past the start) is plain text. Anything else is plain text too, a JSON array,
 * string or number included: a tweet that happens to be `42` or `"quoted"` stays a tweet.
 *
 * A leading byte order mark is not part of the text: the edges that accept JSON drop it when they
 * decode (JSON.parse refuses it), and the byte version below reads past it in the same way.
 */

const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const OPEN_BRACE = 0x7b

function isJsonWhitespace(code: number | undefined): boolean {
  return code === SPACE || code === TAB || code === LF || code === CR
}

/** Whether `text` (from `start`, default 0) is a JSON object under the rule above. */
export function looksLikeJsonObject(text: string, start = 0): boolean {
  let i = start
  while (isJsonWhitespace(text.charCodeAt(i))) i++
  return text.charCodeAt(i) === OPEN_BRACE
}

/**
 * The same rule on UTF-8 bytes, without decoding or copying them: the answer is that of
 * looksLikeJsonObject on the text `decodeStrictUtf8(bytes, { bom: 'drop' })` gives, so one byte
 * order mark at the very start (EF BB BF) is read past, and the rest is the same check (JSON
 * whitespace and `{` are ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII).
 */
export function bytesLookLikeJsonObject(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
  while (isJsonWhitespace(bytes[i])) i++
  return bytes[i] === OPEN_BRACE
}
