/**
 * The transport-neutral classify step shared by REST and gRPC: checks the text against the limits,
 * picks the model, classifies and counts the result. Schemas have already checked the types.
 */
import type { ModelRef, ModelRegistry } from '../engine/model-registry.js'
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

export interface ClassifyResult extends Classification {
  readonly model: ModelRef
}

export type ClassifyFn = (request: ClassifyRequestFields) => ClassifyResult

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
    return { ...classification, model: entry.ref }
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

/** What the benchmark echo routes answer: the shape of a classification, without the engine. */
export const ECHO_RESULT: ClassifyResult = Object.freeze({
  label: 'echo-0',
  confidence: 0.98,
  // Three entries, like a default classification, so both routes serialise about the same bytes.
  top_k: Object.freeze(
    [0.98, 0.015, 0.005].map((probability, i) => Object.freeze({ label: `echo-${i}`, probability })),
  ),
  model: Object.freeze({ name: 'echo', version: '0' }),
})
