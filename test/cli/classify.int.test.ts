import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonLines, runCli } from './helpers.js'
import type { Workspace } from './helpers.js'
import { trainedWorkspace } from './helpers.js'

let workspace: Workspace
beforeAll(async () => {
  workspace = await trainedWorkspace()
})
afterAll(() => workspace.cleanup())

const classify = (args: readonly string[], input: string | Buffer) =>
  runCli(['classify', '--model', workspace.model, ...args], { input })

describe('topicstream classify', () => {
  it('answers JSONL and plain lines in order, ids from the record or the line number', async () => {
    const input = [
      JSON.stringify({ id: 'a', text: 'pizza pasta cheese' }),
      'goal match team',
      JSON.stringify({ id: 7, text: 'laptop software server' }),
      JSON.stringify({ text: 'soup and bread' }),
    ].join('\n')
    const result = await classify([], input)
    expect(result.code).toBe(0)
    const answers = jsonLines(result.stdout)
    expect(answers.map((a) => [a.id, a.label])).toEqual([
      ['a', 'food'],
      [2, 'sport'],
      [7, 'tech'],
      [4, 'food'],
    ])
    for (const answer of answers) {
      expect(Object.keys(answer)).toEqual(['id', 'label', 'confidence'])
      expect(answer.confidence).toBeGreaterThan(0.5)
    }
  })

  it('adds top_k and probabilities on request', async () => {
    const result = await classify(['--top-k', '2', '--proba'], 'pizza goal\n')
    const [answer] = jsonLines(result.stdout) as Array<{
      label: string
      confidence: number
      top_k: Array<{ label: string; probability: number }>
      probabilities: Record<string, number>
    }>
    expect(answer?.top_k).toHaveLength(2)
    expect(answer?.top_k[0]).toEqual({ label: answer?.label, probability: answer?.confidence })
    expect(Object.keys(answer?.probabilities ?? {})).toEqual(['food', 'sport', 'tech'])
    const total = Object.values(answer?.probabilities ?? {}).reduce((sum, p) => sum + p, 0)
    expect(total).toBeCloseTo(1, 12)
    expect(answer?.probabilities[answer.label]).toBe(answer?.confidence)
  })

  it('answers bad lines with an error in their place and keeps going', async () => {
    const input = Buffer.concat([
      Buffer.from('{"id":"no-text","txt":"pizza"}\n'),
      Buffer.from('{"id":"not-string","text":42}\n'),
      Buffer.from('{"id":"broken", "text": \n'),
      Buffer.from([0x66, 0x6f, 0xff, 0x0a]),
      Buffer.from('{"id":"fine","text":"goal"}\n'),
    ])
    const result = await classify([], input)
    expect(result.code).toBe(0)
    const answers = jsonLines(result.stdout)
    expect(answers).toHaveLength(5)
    expect(answers.slice(0, 4).map((a) => [a.id, (a.error as { code: string }).code])).toEqual([
      ['no-text', 'ERR_TEXT_INVALID'],
      ['not-string', 'ERR_TEXT_INVALID'],
      [3, 'ERR_REQUEST_INVALID'],
      [4, 'ERR_TEXT_NOT_UTF8'],
    ])
    expect(answers[4]).toMatchObject({ id: 'fine', label: 'sport' })
  })

  it('answers an empty text from the class priors, like scikit-learn', async () => {
    const result = await classify(['--proba'], '\n{"id":"e","text":""}\n')
    const answers = jsonLines(result.stdout) as Array<{
      id: unknown
      label: string
      probabilities: Record<string, number>
    }>
    expect(answers.map((a) => a.id)).toEqual([1, 'e'])
    // 30 training documents per class after the split: equal priors, so the first class wins the tie.
    expect(answers.map((a) => a.label)).toEqual(['food', 'food'])
    const probabilities = answers[0]?.probabilities ?? {}
    expect(Object.keys(probabilities)).toEqual(['food', 'sport', 'tech'])
    for (const p of Object.values(probabilities)) expect(p).toBeCloseTo(1 / 3, 12)
    expect(answers[1]?.probabilities).toEqual(probabilities)
  })

  it('classifies a 10 MB line', async () => {
    const text = 'pizza '.repeat((10 * 1024 * 1024) / 6)
    const result = await classify([], `goal\n${JSON.stringify({ id: 'big', text })}\nserver\n`)
    expect(result.code).toBe(0)
    expect(jsonLines(result.stdout).map((a) => [a.id, a.label])).toEqual([
      [1, 'sport'],
      ['big', 'food'],
      [3, 'tech'],
    ])
  })

  it('answers a line over --max-line-bytes with ERR_TEXT_TOO_LARGE', async () => {
    const result = await classify(['--max-line-bytes', '100'], `goal\n${'x'.repeat(5000)}\nserver`)
    expect(
      jsonLines(result.stdout).map((a) => [a.id, a.label ?? (a.error as { code: string }).code]),
    ).toEqual([
      [1, 'sport'],
      [2, 'ERR_TEXT_TOO_LARGE'],
      [3, 'tech'],
    ])
  })

  it('streams a large input in order', async () => {
    const words = ['pizza', 'goal', 'server']
    const lines = Array.from({ length: 60_000 }, (_, i) => `${words[i % 3]} number ${i}`)
    const result = await classify([], `${lines.join('\n')}\n`)
    expect(result.code).toBe(0)
    const answers = jsonLines(result.stdout)
    expect(answers).toHaveLength(60_000)
    expect(answers.every((a, i) => a.id === i + 1 && a.label === ['food', 'sport', 'tech'][i % 3])).toBe(true)
  })

  it('fails on a damaged model file', async () => {
    const bytes = await readFile(workspace.model)
    const damaged = join(workspace.dir, 'damaged.tsmodel')
    const copy = Buffer.from(bytes)
    copy.fill(0x41, Math.floor(copy.length / 2), Math.floor(copy.length / 2) + 64)
    await writeFile(damaged, copy)
    const result = await runCli(['classify', '--model', damaged], { input: 'pizza\n' })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/\[ERR_MODEL_FILE_INVALID\]/)
    expect(result.stdout).toBe('')
  })

  it('needs --model', async () => {
    const result = await runCli(['classify'], { input: 'pizza\n', env: { TOPICSTREAM_MODEL: '' } })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--model is required \(or TOPICSTREAM_MODEL\)/)
  })

  it('stops quietly when its reader goes away, like `| head -1`', async () => {
    const child = spawn(process.execPath, ['bin/topicstream.js', 'classify', '--model', workspace.model])
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdin.on('error', () => {})
    let firstAnswers = ''
    child.stdout.once('data', (chunk: Buffer) => {
      firstAnswers = chunk.toString()
      child.stdout.destroy()
    })
    const exited = once(child, 'close')
    const line = 'pizza pasta goal server laptop cheese\n'.repeat(10_000)
    const chunks = 100
    let written = 0
    try {
      for (; written < chunks && child.stdin.writable; written++) {
        if (!child.stdin.write(line)) await Promise.race([once(child.stdin, 'drain'), exited])
      }
      child.stdin.end()
    } catch {
      // the child may stop reading once its stdout is gone: that is the point
    }
    const [code] = (await exited) as [number | null]
    // Answers did flow before the reader left...
    expect(firstAnswers).toMatch(/^\{"id":1,"label":"[a-z]+","confidence":/)
    // ...and then the child stopped reading: with backpressure, most of the million lines were never taken.
    expect(written).toBeLessThan(chunks)
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })
})
