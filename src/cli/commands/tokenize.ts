/**
 * `topicstream tokenize`: the tokens of each stdin line as one JSON array per line, exactly as
 * the model's analyzer (scikit-learn's CountVectorizer default) produces them.
 */
import type { OptionSpecs } from '../../config.js'
import { analyze } from '../../engine/index.js'
import { defineCommand } from '../command.js'
import { MAX_LINE_BYTES_SPEC, decodeLine, mapLines } from '../stdin-lines.js'
import { TRAINING_SPECS, parseNgramRange } from '../training-options.js'

const SPECS = {
  ngram: TRAINING_SPECS.ngram,
  maxLineBytes: MAX_LINE_BYTES_SPEC,
} as const satisfies OptionSpecs

export const tokenizeCommand = defineCommand({
  usage: 'topicstream tokenize [--ngram 1,2] < input',
  description: `Prints one JSON array of terms per stdin line (a debugging aid). A line that is not UTF-8 is
answered with {"error": {"code", "message"}}.`,
  options: SPECS,
  async run({ options, io }) {
    const ngramRange = parseNgramRange(options.ngram)
    await mapLines(io.stdin, io.stdout, options.maxLineBytes, (line) => {
      const text = decodeLine(line)
      return typeof text === 'string'
        ? JSON.stringify(analyze(text, ngramRange))
        : JSON.stringify({ error: { code: text.code, message: text.message } })
    })
    return 0
  },
})
