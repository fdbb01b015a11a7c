/** Conversions between the engine/registry shapes and the generated protobuf messages. */
import type { AttributedClassification, ModelEntry } from '../../engine/model-registry.js'
import type { ClassifyRequestFields } from '../classify-service.js'
import type { ClassifyResponse, ModelInfo } from './generated/topicstream/v1/classifier.js'
import { TopicstreamError } from '../../errors.js'
import { MAX_TOP_K } from '../schemas.js'

interface ProtoClassifyFields {
  readonly text?: string | undefined
  readonly top_k?: number | undefined
  readonly explain: boolean
  readonly model: string
}

/**
 * `text` has field presence: absent is refused like a REST body without `text` (ERR_TEXT_INVALID);
 * a present empty text classifies from the priors, as in REST.
 */
export function fromProtoRequest(request: ProtoClassifyFields): ClassifyRequestFields {
  if (request.text === undefined) throw new TopicstreamError('ERR_TEXT_INVALID', '`text` is required')
  const topK = request.top_k
  if (topK !== undefined && (topK < 1 || topK > MAX_TOP_K)) {
    throw new TopicstreamError('ERR_REQUEST_INVALID', `top_k must be between 1 and ${MAX_TOP_K}`)
  }
  return {
    text: request.text,
    top_k: topK,
    explain: request.explain,
    model: request.model === '' ? undefined : request.model,
  }
}

// Shared by every response without an explanation (the encoder only reads it).
const NO_EXPLANATION: ClassifyResponse['explanation'] = []

export function toProtoResponse(result: AttributedClassification): ClassifyResponse {
  return {
    label: result.label ?? undefined,
    confidence: result.confidence,
    abstained: result.abstained,
    top_k: result.top_k as ClassifyResponse['top_k'],
    explanation: (result.explanation ?? NO_EXPLANATION) as ClassifyResponse['explanation'],
    model: result.model,
  }
}

export function toProtoModelInfo(entry: ModelEntry): ModelInfo {
  const metadata = entry.model?.metadata
  const params = metadata?.params
  return {
    name: entry.name,
    version: metadata?.version ?? '',
    is_default: entry.isDefault,
    classes: [...(metadata?.classes ?? [])],
    vocabulary_size: metadata?.vocabularySize ?? 0,
    params:
      params === undefined
        ? undefined
        : {
            algorithm: params.algorithm,
            alpha: params.alpha,
            fit_prior: params.fitPrior,
            complement_norm: params.complementNorm,
            use_idf: params.useIdf,
            norm: params.norm,
            sublinear_tf: params.sublinearTf,
            smooth_idf: params.smoothIdf,
            ngram_range: [...params.ngramRange],
            min_df: params.minDf,
            max_df: params.maxDf,
            vectorizer: params.vectorizer,
            n_features: params.nFeatures,
          },
    test_accuracy: metadata?.testAccuracy,
    dataset_source: metadata?.dataset.source ?? '',
    train_documents: metadata?.dataset.trainDocuments ?? 0,
    created_at: metadata?.createdAt ?? '',
    loaded_at: entry.loadedAt?.toISOString() ?? '',
  }
}
