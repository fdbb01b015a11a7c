/**
 * `topicstream train`: loads a dataset, fits the vectorizer and Naive Bayes, measures accuracy on
 * the held-out split when there is one, and writes the model file (accuracy included).
 */
import { performance } from 'node:perf_hooks'
import type { OptionSpecs } from '../../config.js'
import { evaluateModel, saveModel, trainClassifier } from '../../engine/index.js'
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
} as const satisfies OptionSpecs

export const trainCommand = defineCommand({
  usage: 'topicstream train --dataset SPEC [options] --out FILE',
  description: `Trains CountVectorizer → TfidfTransformer → MultinomialNB (or ComplementNB), with scikit-learn's
math and defaults, and writes a model file. --vectorizer hashing uses HashingVectorizer(alternate_sign=False,
norm=None) instead: no vocabulary, so partial updates learn words first seen later. Example:
  topicstream train --dataset 20news:20news-bydate.tar.gz --categories sci.space,rec.autos --out space-autos.tsmodel`,
  options: SPECS,
  async run({ options, io }) {
    const params = toTrainingParams(options)
    const progress = createProgressPrinter(io.stderr, options.quiet)
    const dataset = await loadDatasetOption(options, io.env, progress)

    const started = performance.now()
    const model = trainClassifier(dataset.train, params, dataset, progress)
    const trainSeconds = (performance.now() - started) / 1000
    const evaluation = dataset.test ? evaluateModel(model, dataset.test, progress) : undefined
    await saveModel(
      model,
      options.out,
      evaluation === undefined
        ? undefined
        : { testAccuracy: evaluation.accuracy, reference: evaluation.reference },
    )

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
    io.stdout.write(formatFields(rows))
    return 0
  },
})
