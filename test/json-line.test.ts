import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeRecord } from '../src/bridge/records.js'
import { runCommand } from '../src/cli/command.js'
import { classifyCommand } from '../src/cli/commands/classify.js'
import { saveModel, trainClassifier } from '../src/engine/index.js'
import { bytesLookLikeJsonObject, looksLikeJsonObject } from '../src/json-line.js'
import { createLinesSource } from '../src/producer/sources/lines.js'
import { isRejected } from '../src/producer/sources/types.js'
import type { SourceItem } from '../src/producer/sources/types.js'
import { decodeStrictUtf8 } from '../src/utf8.js'

const NBSP = '\u00a0'
const BOM = '\uFEFF'

describe('looksLikeJsonObject', () => {
  it('takes "{" as the first character, after spaces, tabs, CR and LF', () => {
    for (const text of ['{', '{"text": "x"}', ' {', '\t{', '\r{', '\n{', ' \t\r\n \t{"a": 1}']) {
      expect(looksLikeJsonObject(text), JSON.stringify(text)).toBe(true)
    }
  })

  it('takes any other whitespace before "{" for plain text, as JSON.parse does', () => {
    const others = [
      NBSP, // no-break space
      '\u2003', // em space
      '\u3000', // ideographic space
      '\u2028', // line separator
      '\u000b', // vertical tab
      '\u000c', // form feed
      BOM, // a byte order mark is only read past by the edges' decoding
    ]
    for (const space of others) {
      const text = `${space}{"text": "x"}`
      // Whitespace to trimStart(), not to JSON.
      expect(text.trimStart().startsWith('{'), JSON.stringify(space)).toBe(true)
      expect(looksLikeJsonObject(text), JSON.stringify(space)).toBe(false)
      expect(() => JSON.parse(text)).toThrow(SyntaxError)
      expect(looksLikeJsonObject(` \t${space}{}`)).toBe(false)
    }
  })

  it('takes an empty or blank line for plain text', () => {
    for (const text of ['', ' ', '\t\r\n', NBSP]) expect(looksLikeJsonObject(text)).toBe(false)
  })

  it('takes JSON that is not an object for plain text, arrays of objects included', () => {
    for (const text of ['[]', '[{"text": "x"}]', ' [ {} ]', '"{"', '42', 'null', 'x {', '}{']) {
      expect(looksLikeJsonObject(text), text).toBe(false)
    }
  })

  it('agrees with JSON.parse: what parses as an object is recognised', () => {
    const samples = [' {"a": 1}', '\r\n\t{}', '{"a": [1]}  ', `${NBSP}{}`, '[{}]', ' 1', '""', '{}\t']
    for (const text of samples) {
      let object = false
      try {
        const value: unknown = JSON.parse(text)
        object = typeof value === 'object' && value !== null && !Array.isArray(value)
      } catch {
        // not JSON at all
      }
      expect(looksLikeJsonObject(text), JSON.stringify(text)).toBe(object)
    }
  })

  it('starts at the given index', () => {
    expect(looksLikeJsonObject(`${BOM} {}`, 1)).toBe(true)
    expect(looksLikeJsonObject('x{', 1)).toBe(true)
    expect(looksLikeJsonObject('{x', 1)).toBe(false)
  })
})

describe('bytesLookLikeJsonObject', () => {
  const samples = [
    '{}',
    '  \t\r\n{"text": "x"}',
    '',
    ' ',
    '[{}]',
    'plain text',
    'é{',
    `${NBSP}{}`,
    `\u2003{}`,
    `${BOM}{}`,
    `${BOM} \t{}`,
    `${BOM}${BOM}{}`,
    ` ${BOM}{}`,
    `${BOM}${NBSP}{}`,
    `${BOM}`,
  ]

  it('answers as looksLikeJsonObject does on the text decoded without its byte order mark', () => {
    for (const sample of samples) {
      const bytes = Buffer.from(sample, 'utf8')
      const text = decodeStrictUtf8(bytes, { bom: 'drop' }) as string
      expect(bytesLookLikeJsonObject(bytes), JSON.stringify(sample)).toBe(looksLikeJsonObject(text))
    }
    expect(bytesLookLikeJsonObject(Buffer.from(`${BOM} {}`))).toBe(true)
    expect(bytesLookLikeJsonObject(Buffer.from(` ${BOM}{}`))).toBe(false)
    expect(bytesLookLikeJsonObject(new Uint8Array([0xef, 0xbb]))).toBe(false)
  })

  it('reads a part of a larger buffer without looking outside it', () => {
    const whole = Buffer.from('x {} {')
    expect(bytesLookLikeJsonObject(whole.subarray(1, 4))).toBe(true)
    expect(bytesLookLikeJsonObject(whole.subarray(4, 5))).toBe(false)
  })
})

/** Each edge's answer for one line: read as a JSON object, or as plain text. */
type Reading = 'json' | 'text'

// Every line carries the same record; read as JSON it has the id "j" and the text "pizza".
const RECORD = '{"id": "j", "text": "pizza"}'
const PREFIXES: ReadonlyArray<readonly [string, Reading]> = [
  ['', 'json'],
  ['  ', 'json'],
  ['\t', 'json'],
  ['\r', 'json'],
  [' \t\r ', 'json'],
  [BOM, 'json'],
  [`${BOM} \t`, 'json'],
  [NBSP, 'text'],
  [`  ${NBSP}`, 'text'],
  ['\u2003', 'text'],
  ['\u3000', 'text'],
  ['\u2028', 'text'],
  ['\u000b', 'text'],
  [` ${BOM}`, 'text'],
  [`${BOM}${BOM}`, 'text'],
  [`${BOM}${NBSP}`, 'text'],
  ['[', 'text'], // an array of the record
  ['x', 'text'],
]
const lineOf = (prefix: string): string => (prefix === '[' ? `[${RECORD}]` : `${prefix}${RECORD}`)

function bridgeReading(line: string): Reading {
  const decoded = decodeRecord(
    { key: null, value: Buffer.from(line), headers: [], offset: '0', timestamp: '0' },
    { topic: 'in', partition: 0 },
    1024,
  )
  if (!decoded.ok)
    throw new Error(`the bridge rejected ${JSON.stringify(line)}: ${decoded.rejection.message}`)
  if (decoded.input.id === 'j' && decoded.input.text === 'pizza') return 'json'
  expect(decoded.input).toEqual({ id: 'in:0:0', text: line.replace(/^\uFEFF/, '') })
  return 'text'
}

async function producerReadings(lines: readonly string[]): Promise<Reading[]> {
  const input = new PassThrough()
  input.end(lines.map((line) => `${line}\n`).join(''))
  const items: SourceItem[] = []
  for await (const item of createLinesSource({ input }).read(new AbortController().signal)) items.push(item)
  expect(items).toHaveLength(lines.length)
  return items.map((item, index) => {
    if (isRejected(item)) throw new Error(`the producer rejected line ${index + 1}: ${item.rejected.message}`)
    if (item.id === 'j' && item.text === 'pizza') return 'json'
    expect(item.text).toBe((lines[index] as string).replace(/^\uFEFF/, '').trim())
    return 'text'
  })
}

let workspace: string
let model: string
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'topicstream-json-line-'))
  model = join(workspace, 'model.tsmodel')
  const texts = ['pizza pasta cheese', 'bread soup dinner', 'goal match team', 'league coach player']
  const classifier = trainClassifier(
    { texts, targets: [0, 0, 1, 1], classes: ['food', 'sport'] },
    {},
    { source: 'test:json-line', fingerprint: '0'.repeat(64) },
  )
  await saveModel(classifier, model)
})
afterAll(() => rm(workspace, { recursive: true, force: true }))

async function classifyReadings(lines: readonly string[]): Promise<Reading[]> {
  const stdout = new PassThrough()
  const chunks: Buffer[] = []
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  const io = {
    stdin: Readable.from([Buffer.from(lines.map((line) => `${line}\n`).join(''))]),
    stdout,
    stderr: new PassThrough(),
    env: {},
  }
  expect(await runCommand(classifyCommand, 'Classify', ['--model', model], io)).toBe(0)
  const answers = Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { id: string | number; error?: { message: string } })
  expect(answers).toHaveLength(lines.length)
  return answers.map((answer, index) => {
    if (answer.error !== undefined) throw new Error(`classify answered line ${index + 1} with an error`)
    if (answer.id === 'j') return 'json'
    expect(answer.id).toBe(index + 1)
    return 'text'
  })
}

describe('the three edges read JSON by the same rule', () => {
  const lines = PREFIXES.map(([prefix]) => lineOf(prefix))
  const expected = PREFIXES.map(([, reading]) => reading)

  it('the rule itself', () => {
    // The edges read past a leading byte order mark: classify itself, the others when they decode.
    const rule = (line: string): Reading =>
      looksLikeJsonObject(line.replace(/^\uFEFF/, '')) ? 'json' : 'text'
    expect(lines.map(rule)).toEqual(expected)
  })

  it('classify (its stdin lines)', async () => {
    expect(await classifyReadings(lines)).toEqual(expected)
  })

  it("the producer's stdin source", async () => {
    expect(await producerReadings(lines)).toEqual(expected)
  })

  it("the bridge's record decoding", () => {
    expect(lines.map(bridgeReading)).toEqual(expected)
    // A record is not a line: it may start with LF too.
    expect(bridgeReading(`\n\r\n ${RECORD}`)).toBe('json')
  })

  it('an empty line is plain text for classify and the bridge, and skipped by the producer', async () => {
    expect(looksLikeJsonObject('')).toBe(false)
    expect(bridgeReading('')).toBe('text')
    const stdout = new PassThrough()
    const chunks: Buffer[] = []
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    const io = { stdin: Readable.from([Buffer.from('\n')]), stdout, stderr: new PassThrough(), env: {} }
    await runCommand(classifyCommand, 'Classify', ['--model', model], io)
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toMatchObject({ id: 1 })
    const input = new PassThrough()
    input.end(`\n${RECORD}\n`)
    const items: SourceItem[] = []
    for await (const item of createLinesSource({ input }).read(new AbortController().signal)) items.push(item)
    expect(items).toEqual([expect.objectContaining({ id: 'j', text: 'pizza' })])
  })
})
