/**
 * Strict UTF-8 decoding, shared by every edge that reads bytes (dataset files, stdin lines, Kafka
 * records): invalid sequences are refused instead of silently becoming U+FFFD.
 */

// Python's 'utf-8' codec keeps a leading U+FEFF; so do the engine's inputs, for parity.
const keepingBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
// JSON.parse refuses a leading U+FEFF, so values that may be JSON drop it.
const droppingBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

export interface DecodeOptions {
  /** What to do with a leading byte order mark (default `keep`). */
  readonly bom?: 'keep' | 'drop'
}

/** The text, or undefined when the bytes are not valid UTF-8. */
export function decodeStrictUtf8(bytes: Uint8Array, options: DecodeOptions = {}): string | undefined {
  try {
    return (options.bom === 'drop' ? droppingBom : keepingBom).decode(bytes)
  } catch {
    return undefined
  }
}
