/**
 * `topicstream evaluate`: scores a model on a labelled dataset (its test split when it has one,
 * otherwise every document) with scikit-learn's metrics.
 */
import type { OptionSpecs } from '../../config.js'
import { evaluateModel, loadModel } from '../../engine/index.js'
import type { Evaluation } from '../../engine/index.js'
import { defineCommand } from '../command.js'
import { formatFields } from '../format.js'
import { DATASET_SPECS, loadDatasetOption } from '../dataset-options.js'
import { createProgressPrinter } from '../progress.js'

const SPECS = {
  model: { kind: 'string', required: true, env: 'TOPICSTREAM_MODEL', description: 'Model file to score' },
  ...DATASET_SPECS,
  json: { kind: 'boolean', description: 'Print the metrics as one JSON object' },
  quiet: { kind: 'boolean', description: 'No progress on stderr' },
} as const satisfies OptionSpecs

export const evaluateCommand = defineCommand({
  usage: 'topicstream evaluate --model FILE --dataset SPEC [--json]',
  description: `Prints accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix, computed on the
dataset's test split (20 Newsgroups, or --test-size), or on every document when it has none.`,
  options: SPECS,
  async run({ options, io }) {
    const progress = createProgressPrinter(io.stderr, options.quiet)
    const model = await loadModel(options.model)
    const dataset = await loadDatasetOption(options, io.env, progress)
    const split = dataset.test === undefined ? 'all' : 'test'
    const documents = dataset.test ?? dataset.train
    const present = new Set(Array.from(documents.targets, (target) => documents.classes[target]))
    const known = new Set(model.classes)
    const unknown = [...present].filter((label) => label !== undefined && !known.has(label))
    if (unknown.length > 0) {
      io.stderr.write(
        `evaluate: warning: ${unknown.length} of the dataset's ${present.size} labels are not classes of the model: ${unknown.join(', ')}\n`,
      )
    }
    // Every prediction would be wrong by construction: a score would only mislead.
    if (unknown.length === present.size) {
      io.stderr.write(
        `evaluate: none of the dataset's labels is a class of the model (${model.classes.join(', ')}); nothing to score\n`,
      )
      return 1
    }
    const evaluation = evaluateModel(model, documents, progress)
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({ model: options.model, dataset: dataset.source, split, ...evaluation })}\n`,
      )
      return 0
    }
    io.stdout.write(renderReport(evaluation, split))
    return 0
  },
})

function renderReport(evaluation: Evaluation, split: string): string {
  const fixed = (n: number) => n.toFixed(4)
  const width = Math.max(5, ...evaluation.perClass.map((c) => c.label.length))
  const summary = formatFields([
    [
      'documents',
      `${evaluation.documents.toLocaleString('en-US')} (${split === 'test' ? 'test split' : 'all documents'})`,
    ],
    ['accuracy', fixed(evaluation.accuracy)],
    ['macro-F1', fixed(evaluation.macroF1)],
    ['weighted-F1', fixed(evaluation.weightedF1)],
  ])
  const lines = [
    '',
    `${'#'.padStart(3)}  ${'class'.padEnd(width)}  precision  recall     f1         support`,
    ...evaluation.perClass.map(
      (c, i) =>
        `${String(i).padStart(3)}  ${c.label.padEnd(width)}  ${fixed(c.precision).padEnd(9)}  ${fixed(c.recall).padEnd(9)}  ${fixed(c.f1).padEnd(9)}  ${c.support}`,
    ),
    '',
    'confusion matrix (rows: true class #, columns: predicted class #)',
  ]
  const cell = Math.max(3, ...evaluation.confusion.flat().map((n) => String(n).length)) + 1
  lines.push(`${''.padStart(3)} ${evaluation.perClass.map((_, i) => String(i).padStart(cell)).join('')}`)
  evaluation.confusion.forEach((row, i) =>
    lines.push(`${String(i).padStart(3)} ${row.map((n) => String(n).padStart(cell)).join('')}`),
  )
  return `${summary}${lines.join('\n')}\n`
}
