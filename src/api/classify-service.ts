/**
 * The transport-neutral classify step shared by REST and gRPC: checks the text against the limits,
 * picks the model, classifies and counts the result. Schemas have already checked the types.
 */
import { type AttributedClassification, type ModelRegistry, attribute } from '../engine/model-registry.js'
import { TopicstreamError } from '../errors.js'
import type { ApiConfig } from './api-config.js'
import type { ApiMetrics } from './metrics.js'

export interface ClassifyRequestFields {
  readonly text: string
  readonly top_k?: number | undefined
  readonly explain?: boolean | undefined
  readonly model?: string | undefined
}

export type ClassifyFn = (request: ClassifyRequestFields) => AttributedClassification

export function createClassify(registry: ModelRegistry, config: ApiConfig, metrics: ApiMetrics): ClassifyFn {
  const checkText: TextCheck = createTextCheck(config.maxTextBytes)
  return (request) => {
    checkText(request.text)
    const entry = registry.entry(request.model)
    const classification = entry.model.classify(request.text, {
      topK: request.top_k,
      explain: request.explain === true,
    })
    metrics.classifications.inc({ model: entry.name, label: classification.label })
    return attribute(classification, entry.ref)
  }
}

export type TextCheck = (text: unknown) => asserts text is string

/** Throws ERR_TEXT_INVALID / ERR_TEXT_TOO_LARGE. */
export function createTextCheck(maxTextBytes: number): TextCheck {
  // A UTF-16 code unit encodes to at most 3 UTF-8 bytes, so short texts skip the byte count.
  const safeLength = Math.floor(maxTextBytes / 3)
  return (text) => {
    if (typeof text !== 'string') throw new TopicstreamError('ERR_TEXT_INVALID', '`text` must be a string')
    if (text.length > safeLength && Buffer.byteLength(text, 'utf8') > maxTextBytes) {
      throw new TopicstreamError('ERR_TEXT_TOO_LARGE', `The text is larger than ${maxTextBytes} bytes`, {
        details: { maxTextBytes },
      })
    }
  }
}

/**
 * What the benchmark echo routes answer: a typical classification of a tweet by the 20 Newsgroups
 * model, so both routes serialise the same kind of bytes (label lengths, 17-digit probabilities,
 * a 16-hex version), only without the engine.
 */
export const ECHO_RESULT: AttributedClassification = Object.freeze({
  label: 'comp.sys.mac.hardware',
  confidence: 0.17919674117330148,
  top_k: Object.freeze(
    (
      [
        ['comp.sys.mac.hardware', 0.17919674117330148],
        ['comp.os.ms-windows.misc', 0.1032867584183111],
        ['comp.sys.ibm.pc.hardware', 0.07880707294956162],
      ] as const
    ).map(([label, probability]) => Object.freeze({ label, probability })),
  ),
  model: Object.freeze({ name: 'echo', version: '3515d50d08afee9a' }),
})

/**
 * `ECHO_RESULT` with its probabilities moved in their last digits by `sequence`, a fresh object
 * each time. V8 keeps the strings of recently formatted numbers, so answering the same doubles on
 * every request would serialise them almost for free, while a real answer's are new each time
 * (profiled under load: number formatting took 3.7% of the server's time answering classify and
 * 0.3% answering the constant echo).
 */
export function echoResult(sequence: number): AttributedClassification {
  const shift = 1 + (sequence % 1_000_000) * 1e-13
  const top = ECHO_RESULT.top_k
  return {
    label: ECHO_RESULT.label,
    confidence: ECHO_RESULT.confidence * shift,
    top_k: top.map(({ label, probability }) => ({ label, probability: probability * shift })),
    model: ECHO_RESULT.model,
  }
}
