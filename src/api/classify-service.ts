/**
 * The transport-neutral classify step shared by REST and gRPC: checks the text against the limits,
 * picks the model, classifies and counts the result. Schemas have already checked the types.
 */
import { type AttributedClassification, type ModelRegistry, attribute } from '../engine/model-registry.js'
import type { Classification } from '../engine/types.js'
import { TopicstreamError } from '../errors.js'
import type { ApiConfig } from './api-config.js'
import type { ApiMetrics } from './metrics.js'

export interface ClassifyRequestFields {
  readonly text: string
  readonly top_k?: number | undefined
  readonly explain?: boolean | undefined
  readonly model?: string | undefined
}

/** A servable model as the registry hands it out. */
export type ServedModel = ReturnType<ModelRegistry['entry']>

/**
 * Classifies one request with `entry`, or with the model the request names. A batch resolves its
 * model once, so an unknown model fails before any text and every text sees the same version.
 */
export type ClassifyFn = (request: ClassifyRequestFields, entry?: ServedModel) => AttributedClassification

export function createClassify(registry: ModelRegistry, config: ApiConfig, metrics: ApiMetrics): ClassifyFn {
  const checkText: TextCheck = createTextCheck(config.maxTextBytes)
  return (request, entry = registry.entry(request.model)) => {
    checkText(request.text)
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
 * `result`'s label and probabilities, fresh, the probabilities moved in their last digits by `sequence`, for
 * the benchmark baselines (echo routes, the bridge's pass-through). V8 keeps the strings of
 * recently formatted numbers, so answering the same doubles every time would serialise them almost
 * for free, while a real answer's are new each time (profiled under load: number formatting took
 * 3.7% of the server's time answering classify and 0.3% answering a constant echo).
 */
export function withFreshProbabilities(result: Classification, sequence: number): Classification {
  const shift = 1 + (sequence % 1_000_000) * 1e-13
  // Field by field, not spread: spreading an object that holds a double is V8's slow path.
  return {
    label: result.label,
    confidence: result.confidence * shift,
    top_k: result.top_k.map(({ label, probability }) => ({ label, probability: probability * shift })),
  }
}
