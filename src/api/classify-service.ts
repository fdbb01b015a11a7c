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
