/** `topicstream inspect`: what a model file holds, without classifying anything. */
import { stat } from 'node:fs/promises'
import type { OptionSpecs } from '../../config.js'
import { loadModel } from '../../engine/index.js'
import { defineCommand } from '../command.js'
import { formatFields, formatVocabulary } from '../format.js'

const SPECS = {
  model: { kind: 'string', required: true, env: 'TOPICSTREAM_MODEL', description: 'Model file to read' },
  json: { kind: 'boolean', description: 'Print the metadata as one JSON object' },
} as const satisfies OptionSpecs

export const inspectCommand = defineCommand({
  usage: 'topicstream inspect --model FILE [--json]',
  description:
    'Prints a model file’s metadata: classes, vocabulary size, training parameters, dataset, accuracy.',
  options: SPECS,
  async run({ options, io }) {
    const model = await loadModel(options.model)
    const { size } = await stat(options.model)
    const metadata = model.metadata
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ file: options.model, fileBytes: size, ...metadata }, null, 2)}\n`)
      return 0
    }
    const params = Object.entries(metadata.params)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
      .join(' ')
    const rows: Array<[string, string]> = [
      ['file', `${options.model} (${(size / 1e6).toFixed(1)} MB)`],
      ['version', `${metadata.version} (format ${metadata.formatVersion})`],
      ['created', metadata.createdAt],
      ['classes', `${metadata.classes.length}: ${metadata.classes.join(', ')}`],
      ['vocabulary', formatVocabulary(metadata)],
      ['params', params],
      ['dataset', metadata.dataset.source],
      ['fingerprint', metadata.dataset.fingerprint],
      ['train docs', metadata.dataset.trainDocuments.toLocaleString('en-US')],
      [
        'test accuracy',
        metadata.testAccuracy === undefined ? 'not measured' : metadata.testAccuracy.toFixed(4),
      ],
    ]
    io.stdout.write(formatFields(rows))
    return 0
  },
})
