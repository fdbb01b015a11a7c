/**
 * The engine's public surface: scikit-learn-exact CountVectorizer (or HashingVectorizer) →
 * TfidfTransformer → MultinomialNB / ComplementNB, model files, and the loaders of datasets at a
 * local path.
 */
export * from './types.js'
export { TextClassifier } from './text-classifier.js'
export { trainClassifier } from './train.js'
export type { TrainingSource } from './train.js'
export { encodeModel, loadModel, modelFromBytes, saveModel, MODEL_FORMAT_VERSION } from './model-file.js'
export { MAX_N_FEATURES } from './training-params.js'
export type { SaveModelExtra } from './model-file.js'
export { tokenize, analyze } from './tokenizer.js'
export * from './datasets/index.js'
