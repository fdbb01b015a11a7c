/**
 * `topicstream classify`: JSONL (`{"id", "text"}`) or plain text lines on stdin, one JSON answer
 * per line on stdout, in input order. Streams with backpressure, so memory stays flat whatever
 * the input size. A bad line is answered with an error object in its place, never skipped.
 */
import type { OptionSpecs } from '../../config.js'
import { loadModel } from '../../engine/index.js'
import type { TextClassifier } from '../../engine/index.js'
import { TopicstreamError, toTopicstreamError } from '../../errors.js'
import { looksLikeJsonObject } from '../../json-line.js'
import { defineCommand } from '../command.js'
import { MAX_LINE_BYTES_SPEC, decodeLine, mapLines } from '../stdin-lines.js'

const SPECS = {
  model: { kind: 'string', required: true, env: 'TOPICSTREAM_MODEL', description: 'Model file to use' },
  proba: { kind: 'boolean', description: 'Add "probabilities": {class: probability} for every class' },
  topK: { kind: 'integer', min: 1, description: 'Add "top_k": the K most probable classes' },
  maxLineBytes: MAX_LINE_BYTES_SPEC,
} as const satisfies OptionSpecs

type Id = string | number
type Request = { id: Id; text: string; error?: undefined } | { id: Id; error: TopicstreamError }

export const classifyCommand = defineCommand({
  usage: 'topicstream classify --model FILE [--proba] [--top-k K] < input',
  description: `Classifies stdin line by line, answering in input order. A line starting with "{", after any byte order
mark and JSON whitespace (spaces, tabs, CR), must be a JSON object {"id", "text"}; any other line is plain
text (one with a no-break space before its "{" too), with its line number as id. Each answer is one line
{"id", "label", "confidence"}; a line that cannot be classified gets {"id", "error": {"code", "message"}}.`,
  options: SPECS,
  async run({ options, io }) {
    const model = await loadModel(options.model)
    const answer = createAnswerer(model, { proba: options.proba, topK: options.topK })
    await mapLines(io.stdin, io.stdout, options.maxLineBytes, (line) => {
      const text = decodeLine(line)
      return typeof text === 'string' ? answer(text, line.number) : errorLine(line.number, text)
    })
    return 0
  },
})

interface AnswerOptions {
  readonly proba: boolean
  readonly topK: number | undefined
}

function createAnswerer(
  model: TextClassifier,
  options: AnswerOptions,
): (line: string, number: number) => string {
  const classes = model.classes
  // With --proba every class is ranked, so one scoring pass gives both top_k and the probabilities.
  const classifyOptions = { topK: options.proba ? classes.length : (options.topK ?? 1) }
  return (line, number) => {
    const request = parseRequest(line, number)
    if (request.error !== undefined) return errorLine(request.id, request.error)
    try {
      const result = model.classify(request.text, classifyOptions)
      const answer: Record<string, unknown> = {
        id: request.id,
        label: result.label,
        confidence: result.confidence,
      }
      if (options.topK !== undefined) answer.top_k = result.top_k.slice(0, options.topK)
      if (options.proba) {
        const ranked = new Map(result.top_k.map(({ label, probability }) => [label, probability]))
        const probabilities: Record<string, number> = {}
        for (const name of classes) probabilities[name] = ranked.get(name) as number
        answer.probabilities = probabilities
      }
      return JSON.stringify(answer)
    } catch (error) {
      return errorLine(request.id, toTopicstreamError(error))
    }
  }
}

/**
 * A line starting with `{` (the rule of src/json-line.ts) is a JSON record and must parse as one:
 * treating a broken record as plain text would classify its JSON syntax and hide the damage.
 */
function parseRequest(line: string, number: number): Request {
  // Plain text keeps a byte order mark (it is classified as it is); JSON is read past it, as the
  // producer and the bridge read it.
  const start = line.startsWith('\uFEFF') ? 1 : 0
  if (!looksLikeJsonObject(line, start)) return { id: number, text: line }
  let record: unknown
  try {
    record = JSON.parse(start === 0 ? line : line.slice(start))
  } catch (cause) {
    const message = `line ${number} starts with "{" but is not valid JSON`
    return { id: number, error: new TopicstreamError('ERR_REQUEST_INVALID', message, { cause }) }
  }
  const { id, text } = record as { id?: unknown; text?: unknown }
  const validId = typeof id === 'string' || typeof id === 'number' ? id : number
  if (typeof text !== 'string') {
    const message = `line ${number} has no string "text" property`
    return { id: validId, error: new TopicstreamError('ERR_TEXT_INVALID', message) }
  }
  return { id: validId, text }
}

function errorLine(id: Id, error: TopicstreamError): string {
  return JSON.stringify({ id, error: { code: error.code, message: error.message } })
}
