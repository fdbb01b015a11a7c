/**
 * `topicstream tokenize`: the tokens of each stdin line as one JSON array per line, exactly as
 * the model's analyzer (scikit-learn's CountVectorizer default) produces them.
 */
import { parseCommandLine, renderHelp } from '../../config.js'
import type { OptionSpecs } from '../../config.js'
import { analyze } from '../../engine/index.js'
import type { Command } from '../command.js'
import { decodeLine, mapLines } from '../stdin-lines.js'
import { parseNgramRange } from '../training-options.js'

const SPECS = {
  ngram: {
    kind: 'list',
    default: ['1', '1'],
    description: 'n-gram range: 1,1 (words) or 1,2 (words and pairs)',
  },
  maxLineBytes: {
    kind: 'integer',
    min: 1,
    default: 64 * 1024 * 1024,
    description: 'Longer lines are answered with ERR_TEXT_TOO_LARGE',
  },
} as const satisfies OptionSpecs

const USAGE = 'topicstream tokenize [--ngram 1,2] < input'
const SUMMARY = `Prints one JSON array of terms per stdin line (a debugging aid). A line that is not UTF-8 is
answered with {"error": {"code", "message"}}.`

export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: 'Print the tokens of each stdin line, as the model sees them',
  async run(argv, io) {
    const { options, help } = parseCommandLine(SPECS, argv, io.env)
    if (help) {
      io.stdout.write(renderHelp(USAGE, SUMMARY, SPECS))
      return 0
    }
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
