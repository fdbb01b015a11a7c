import { TopicstreamError } from '../../errors.js'
import { decodeStrictUtf8 } from '../../utf8.js'

/** Strict UTF-8 decoding: invalid bytes are an error that names where they are. */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  const text = decodeStrictUtf8(bytes)
  if (text !== undefined) return text
  throw new TopicstreamError(
    'ERR_DATASET_INVALID',
    `${where} is not valid UTF-8 (use --encoding latin1 for Latin-1 files)`,
    { details: { file: where } },
  )
}
