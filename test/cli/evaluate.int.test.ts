import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers.js'
import type { Workspace } from './helpers.js'
import { trainedWorkspace } from './helpers.js'

let workspace: Workspace
beforeAll(async () => {
  workspace = await trainedWorkspace()
})
afterAll(() => workspace.cleanup())

interface Report {
  split: string
  documents: number
  accuracy: number
  macroF1: number
  perClass: Array<{ label: string; precision: number; recall: number; f1: number; support: number }>
  confusion: number[][]
}

describe('topicstream evaluate', () => {
  it('scores the held-out split with per-class metrics and a confusion matrix', async () => {
    const result = await runCli([
      'evaluate',
      '--model',
      workspace.model,
      '--dataset',
      `jsonl:${workspace.corpus}`,
      '--test-size',
      '0.25',
      '--json',
      '--quiet',
    ])
    expect(result.code, result.stderr).toBe(0)
    const report = JSON.parse(result.stdout) as Report
    expect(report.split).toBe('test')
    expect(report.documents).toBe(30)
    expect(report.perClass.map((c) => [c.label, c.support])).toEqual([
      ['food', 10],
      ['sport', 10],
      ['tech', 10],
    ])
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(30)
    const diagonal = report.confusion.reduce((sum, row, i) => sum + (row[i] ?? 0), 0)
    expect(report.accuracy).toBe(diagonal / 30)

    const inspected = JSON.parse(
      (await runCli(['inspect', '--model', workspace.model, '--json'])).stdout,
    ) as {
      testAccuracy: number
    }
    expect(report.accuracy).toBe(inspected.testAccuracy)
  })

  it('scores every document when the dataset has no test split, counting unknown labels as errors', async () => {
    const corpus = join(workspace.dir, 'eval.jsonl')
    const rows = [
      { text: 'pizza pasta', label: 'food' },
      { text: 'goal team', label: 'sport' },
      { text: 'server code', label: 'tech' },
      { text: 'laptop chip', label: 'food' },
      { text: 'opera ballet', label: 'arts' },
    ]
    await writeFile(corpus, rows.map((row) => JSON.stringify(row)).join('\n'))
    const result = await runCli([
      'evaluate',
      '--model',
      workspace.model,
      '--dataset',
      `jsonl:${corpus}`,
      '--json',
    ])
    const report = JSON.parse(result.stdout) as Report
    expect(report.split).toBe('all')
    expect(report.accuracy).toBe(0.6)
    expect(report.perClass.map((c) => c.label)).toEqual(['food', 'sport', 'tech', 'arts'])
    // "opera ballet" has no known term: answered from the (equal) priors, so the first class.
    expect(report.perClass[0]).toMatchObject({ precision: 0.5, recall: 0.5, support: 2 })
    expect(report.perClass[2]).toMatchObject({ precision: 0.5, recall: 1, support: 1 })
    expect(report.perClass[3]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 })
    expect(report.confusion[3]?.reduce((a, b) => a + b, 0)).toBe(1)
  })

  it('warns about labels the model does not know, and exits 1 when it knows none of them', async () => {
    const partly = join(workspace.dir, 'partly.jsonl')
    await writeFile(partly, '{"text":"pizza","label":"food"}\n{"text":"opera","label":"arts"}\n')
    const some = await runCli([
      'evaluate',
      '--model',
      workspace.model,
      '--dataset',
      `jsonl:${partly}`,
      '--json',
    ])
    expect(some.code).toBe(0)
    expect(some.stderr).toContain("1 of the dataset's 2 labels are not classes of the model: arts")

    const disjoint = join(workspace.dir, 'disjoint.jsonl')
    await writeFile(disjoint, '{"text":"opera","label":"arts"}\n{"text":"rain","label":"weather"}\n')
    const none = await runCli(['evaluate', '--model', workspace.model, '--dataset', `jsonl:${disjoint}`])
    expect(none.code).toBe(1)
    expect(none.stdout).toBe('')
    expect(none.stderr).toContain('labels are not classes of the model: arts, weather')
    expect(none.stderr).toContain("none of the dataset's labels is a class of the model (food, sport, tech)")
  })

  it('prints a readable report', async () => {
    const result = await runCli([
      'evaluate',
      '--model',
      workspace.model,
      '--dataset',
      `jsonl:${workspace.corpus}`,
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^documents +120 \(all documents\)$/m)
    expect(result.stdout).toMatch(/^accuracy +\d\.\d{4}$/m)
    expect(result.stdout).toMatch(/^macro-F1 +\d\.\d{4}$/m)
    expect(result.stdout).toMatch(/^ +0 +food +\d\.\d{4}/m)
    expect(result.stdout).toContain('confusion matrix (rows: true class #, columns: predicted class #)')
    expect(result.stderr).toMatch(/evaluate: 120 \/ 120 \(100%\)/)
  })
})
