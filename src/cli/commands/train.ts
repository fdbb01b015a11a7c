/**
 * `topicstream train`: loads a dataset, fits the vectorizer and Naive Bayes, measures accuracy on
 * the held-out split when there is one, and writes the model file (accuracy included); with
 * --publish, also publishes it to the models topic, where every serving process picks it up.
 */
import { basename } from 'node:path'
import { performance } from 'node:perf_hooks'
import { BRIDGE_KAFKA_OPTIONS } from '../../bridge/options.js'
import type { OptionSpecs } from '../../config.js'
import { evaluateModel, saveModel, trainClassifier } from '../../engine/index.js'
import { MODEL_FILE_EXTENSION } from '../../engine/model-registry.js'
import { TopicstreamError } from '../../errors.js'
import type { KafkaLibrary } from '../../kafka/client.js'
import { MODELS_TOPIC_OPTIONS } from '../../models-topic/options.js'
import { isKeyPart } from '../../models-topic/records.js'
import { createLogger } from '../../runtime/logger.js'
import { defineCommand } from '../command.js'
import { formatFields, formatVocabulary } from '../format.js'
import { DATASET_SPECS, loadDatasetOption } from '../dataset-options.js'
import { createProgressPrinter } from '../progress.js'
import { TRAINING_SPECS, toTrainingParams } from '../training-options.js'

const SPECS = {
  ...DATASET_SPECS,
  ...TRAINING_SPECS,
  out: { kind: 'string', required: true, description: 'Where to write the model file (.tsmodel)' },
  json: { kind: 'boolean', description: 'Print the summary as one JSON object' },
  quiet: { kind: 'boolean', description: 'No progress on stderr' },
  publish: {
    kind: 'list',
    description:
      'After writing the file, publish the model to the models topic on these Kafka brokers (host:port, comma-separated)',
  },
  ...MODELS_TOPIC_OPTIONS,
  modelName: {
    kind: 'string',
    description: 'Name the model is published under (default: the --out file name without .tsmodel)',
  },
  kafkaClient: BRIDGE_KAFKA_OPTIONS.kafkaClient,
} as const satisfies OptionSpecs

export const trainCommand = defineCommand({
  usage: 'topicstream train --dataset SPEC [options] --out FILE',
  description: `Trains CountVectorizer → TfidfTransformer → MultinomialNB (or ComplementNB), with scikit-learn's
math and defaults, and writes a model file. --vectorizer hashing uses HashingVectorizer(alternate_sign=False,
norm=None) instead: no vocabulary, so partial updates learn words first seen later. Example:
  topicstream train --dataset 20news:20news-bydate.tar.gz --categories sci.space,rec.autos --out space-autos.tsmodel
With --publish BROKERS the model is also published to the models topic (--models-topic), under --model-name,
as the version every process serving that name switches to.`,
  options: SPECS,
  async run({ options, io }) {
    const params = toTrainingParams(options)
    const modelName = options.modelName ?? basename(options.out, MODEL_FILE_EXTENSION)
    if (options.publish !== undefined && !isKeyPart(modelName)) {
      throw new TopicstreamError(
        'ERR_CONFIG_INVALID',
        `--model-name: "${modelName}" cannot name a model (letters, digits, ".", "_" and "-" only)`,
      )
    }
    const progress = createProgressPrinter(io.stderr, options.quiet)
    const dataset = await loadDatasetOption(options, io.env, progress)

    const started = performance.now()
    const model = trainClassifier(dataset.train, params, dataset, progress)
    const trainSeconds = (performance.now() - started) / 1000
    const evaluation = dataset.test ? evaluateModel(model, dataset.test, progress) : undefined
    const extra =
      evaluation === undefined
        ? undefined
        : { testAccuracy: evaluation.accuracy, reference: evaluation.reference }
    await saveModel(model, options.out, extra)

    let published: { readonly chunks: number; readonly bytes: number } | undefined
    if (options.publish !== undefined) {
      if (!options.quiet)
        io.stderr.write(`publish: ${modelName}@${model.metadata.version} to ${options.modelsTopic}\n`)
      const { publishOnce } = await import('../../models-topic/publish-once.js')
      const { manifest } = await publishOnce({
        brokers: options.publish,
        library: options.kafkaClient as KafkaLibrary,
        topic: options.modelsTopic,
        name: modelName,
        model,
        extra,
        source: 'train',
        evaluation:
          evaluation === undefined
            ? undefined
            : {
                testAccuracy: evaluation.accuracy,
                macroF1: evaluation.macroF1,
                testDocuments: evaluation.documents,
              },
        logger: createLogger({ level: 'warn', destination: io.stderr, name: 'train' }),
      })
      published = manifest
    }

    const summary = {
      model: options.out,
      version: model.metadata.version,
      classes: model.classes.length,
      trainDocuments: dataset.train.texts.length,
      vocabularySize: model.metadata.vocabularySize,
      trainSeconds: Math.round(trainSeconds * 1000) / 1000,
      ...(evaluation === undefined
        ? {}
        : {
            testDocuments: evaluation.documents,
            testAccuracy: evaluation.accuracy,
            macroF1: evaluation.macroF1,
          }),
      ...(published === undefined
        ? {}
        : {
            published: {
              name: modelName,
              topic: options.modelsTopic,
              brokers: options.publish,
              chunks: published.chunks,
              bytes: published.bytes,
            },
          }),
    }
    if (options.json) {
      io.stdout.write(`${JSON.stringify(summary)}\n`)
      return 0
    }
    const rows: Array<[string, string]> = [
      ['classes', String(summary.classes)],
      ['train docs', summary.trainDocuments.toLocaleString('en-US')],
      ['vocabulary', formatVocabulary(model.metadata)],
      ['train time', `${trainSeconds.toFixed(2)} s`],
      [
        'test accuracy',
        evaluation === undefined
          ? 'no test split (use --test-size)'
          : `${evaluation.accuracy.toFixed(4)} on ${evaluation.documents.toLocaleString('en-US')} docs (macro-F1 ${evaluation.macroF1.toFixed(4)})`,
      ],
      ['model', `${options.out} (version ${summary.version})`],
    ]
    if (published !== undefined) {
      rows.push([
        'published',
        `${modelName}@${summary.version} to ${options.modelsTopic} on ${(options.publish ?? []).join(',')} (${published.chunks} chunk${published.chunks === 1 ? '' : 's'}, ${(published.bytes / 1e6).toFixed(1)} MB)`,
      ])
    }
    io.stdout.write(formatFields(rows))
    return 0
  },
})
