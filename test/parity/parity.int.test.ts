/**
 * scikit-learn is the oracle: scripts/python/parity.py trains every configuration on both sides
 * (topicstream through its real CLI) and compares vocabulary, labels and probabilities (≤ 1e-9),
 * then tokens and hashed columns on Unicode-heavy texts and the Sanders tweets. Configuration (n)
 * relabels the 20 newsgroups with numbers, so the class order must be numpy.unique's numeric one;
 * (h)–(k) use HashingVectorizer. partial_fit is checked with known classes and with a new one.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { requireData, sandersTweets, twentyNewsgroupsArchive } from '../helpers/data.js'

const realArchive = twentyNewsgroupsArchive()
const realTweets = sandersTweets()
const archive = realArchive.path
const tweets = realTweets.path

interface ConfigResult {
  config: string
  classes?: string[]
  testDocuments: number
  sameLabels: number
  maxProbabilityDelta: number
  sklearn: { vocabulary: number; accuracy: number }
  topicstream: { vocabulary: number; accuracy: number }
  ok: boolean
}
interface PartialFitResult {
  ok: boolean
  maxProbabilityDelta: number
  sameLabels: number
  evalDocuments: number
}
interface NewClassResult extends PartialFitResult {
  config: string
  vectorizer: 'count' | 'hashing'
  classes: string[]
  newClassFeedback: number
  updateDocuments: number
}
interface ParityResults {
  configs: ConfigResult[]
  partialFit: PartialFitResult
  partialFitNewClass: NewClassResult[]
  tokens: { ok: boolean; texts: number; mismatches: unknown[] }
  hashing: { ok: boolean; texts: number; mismatches: unknown[] }
}

// In CI both files must be there: a missing one would skip the check or shrink the token comparison.
const hasArchive = realArchive.present
const hasTweets = realTweets.present
requireData(
  'the parity test',
  [realArchive, realTweets],
  hasArchive ? 'Comparing tokens without the tweets' : 'Skipping the parity test',
)

let dir: string | undefined
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe.skipIf(!hasArchive)('parity with scikit-learn', () => {
  it('agrees on every configuration, partial_fit, tokens and hashing', { timeout: 20 * 60_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'topicstream-parity-'))
    const jsonOut = join(dir, 'parity.json')
    const args = ['scripts/python/parity.py', '--archive', archive, '--json-out', jsonOut]
    if (hasTweets) args.push('--tweets', tweets)
    const { stdout } = await promisify(execFile)(inject('python'), args, { maxBuffer: 64 * 1024 * 1024 })
    process.stdout.write(stdout)
    expect(stdout).toContain('PARITY OK')

    const results = JSON.parse(await readFile(jsonOut, 'utf8')) as ParityResults
    const byName = new Map(results.configs.map((r) => [r.config, r]))
    // Reference figures of scikit-learn on this archive (see the data README).
    const expected = {
      a: { vocabulary: 35_788, accuracy: '0.8349' },
      b: { vocabulary: 130_107, accuracy: '0.7739' },
      c: { vocabulary: 130_107, accuracy: '0.8364' },
      e: { vocabulary: 35_788, accuracy: '0.9461' },
    }
    for (const [name, figures] of Object.entries(expected)) {
      const result = byName.get(name)
      expect(result?.topicstream.vocabulary).toBe(figures.vocabulary)
      expect(result?.topicstream.accuracy.toFixed(4)).toBe(figures.accuracy)
    }
    expect(byName.get('d')?.ok).toBe(true)
    // Numeric labels: the same posts and vocabulary as (b), classes in numeric order.
    const numeric = byName.get('n')
    expect(numeric?.ok).toBe(true)
    expect(numeric?.topicstream.vocabulary).toBe(130_107)
    expect(numeric?.classes?.slice(0, 8)).toEqual(['-10', '-2', '-1', '0', '1', '2', '3', '5'])
    for (const result of results.configs) {
      expect(result.ok).toBe(true)
      expect(result.sameLabels).toBe(result.testDocuments)
      expect(result.maxProbabilityDelta).toBeLessThanOrEqual(1e-9)
      expect(result.topicstream.accuracy).toBe(result.sklearn.accuracy)
    }
    // Hashing: no vocabulary, the columns are n_features (topicstream's default 2^18).
    for (const name of ['h', 'i', 'j', 'k']) expect(byName.get(name)?.topicstream.vocabulary).toBe(2 ** 18)
    expect(results.partialFit.ok).toBe(true)
    // A class the model was not trained on (sci.space, between sci.med and soc.religion.christian).
    expect(results.partialFitNewClass.map((r) => r.vectorizer)).toEqual(['count', 'hashing'])
    for (const result of results.partialFitNewClass) {
      expect(result).toMatchObject({ ok: true, updateDocuments: 1000 })
      expect(result.classes).toEqual([
        'alt.atheism',
        'comp.graphics',
        'sci.med',
        'sci.space',
        'soc.religion.christian',
      ])
      expect(result.newClassFeedback).toBeGreaterThan(100)
      expect(result.sameLabels).toBe(result.evalDocuments)
      expect(result.maxProbabilityDelta).toBeLessThanOrEqual(1e-9)
    }
    expect(results.tokens).toMatchObject({ ok: true, mismatches: [] })
    expect(results.tokens.texts).toBeGreaterThan(hasTweets ? 5000 : 20)
    expect(results.hashing).toMatchObject({ ok: true, mismatches: [], texts: results.tokens.texts })
  })
})
