import { TopicstreamError } from '../../errors.js'

// `ignoreBOM` keeps a leading U+FEFF like Python's 'utf-8' codec does.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Strict UTF-8 decoding: invalid bytes are an error that names where they are. */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return strictUtf8.decode(bytes)
  } catch (error) {
    throw new TopicstreamError(
      'ERR_DATASET_INVALID',
      `${where} is not valid UTF-8 (use --encoding latin1 for Latin-1 files)`,
      { cause: error, details: { file: where } },
    )
  }
}
