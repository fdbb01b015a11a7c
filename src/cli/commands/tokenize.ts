/**
 * `topicstream tokenize`: the tokens of each stdin line as one JSON array per line, exactly as
 * the model's analyzer (scikit-learn's CountVectorizer default) produces them.
 */
import type { OptionSpecs } from '../../config.js'
import { analyze } from '../../engine/index.js'
import { type Command, type CommandHelp, parseArguments } from '../command.js'
import { MAX_LINE_BYTES_SPEC, decodeLine, mapLines } from '../stdin-lines.js'
import { TRAINING_SPECS, parseNgramRange } from '../training-options.js'

const SPECS = {
  ngram: TRAINING_SPECS.ngram,
  maxLineBytes: MAX_LINE_BYTES_SPEC,
} as const satisfies OptionSpecs

const HELP: CommandHelp = {
  usage: 'topicstream tokenize [--ngram 1,2] < input',
  summary: `Prints one JSON array of terms per stdin line (a debugging aid). A line that is not UTF-8 is
answered with {"error": {"code", "message"}}.`,
}

export const tokenizeCommand: Command = {
  name: 'tokenize',
  options: SPECS,
  summary: 'Print the tokens of each stdin line, as the model sees them',
  async run(argv, io) {
    const parsed = parseArguments(SPECS, argv, io, HELP)
    if (parsed === undefined) return 0
    const { options } = parsed
    const ngramRange = parseNgramRange(options.ngram)
    await mapLines(io.stdin, io.stdout, options.maxLineBytes, (line) => {
      const text = decodeLine(line)
      return typeof text === 'string'
        ? JSON.stringify(analyze(text, ngramRange))
        : JSON.stringify({ error: { code: text.code, message: text.message } })
    })
    return 0
  },
}
