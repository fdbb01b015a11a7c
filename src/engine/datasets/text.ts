import { TopicstreamError } from '../../errors.js'
import { decodeStrictUtf8 } from '../../utf8.js'

/**
 * Strict UTF-8 decoding: invalid bytes are an error that names where they are. Its details carry
 * `encoding: 'utf8'`, so a caller that offers another encoding can say how to choose it.
 */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  const text = decodeStrictUtf8(bytes)
  if (text !== undefined) return text
  throw new TopicstreamError('ERR_DATASET_INVALID', `${where} is not valid UTF-8`, {
    details: { file: where, encoding: 'utf8' },
  })
}
