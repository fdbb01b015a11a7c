import { describe, expect, it } from 'vitest'
import { trainClassifier } from '../../src/engine/index.js'
import type { FeedbackItem } from '../../src/learning/feedback.js'
import { isHeldOut } from '../../src/learning/held-out.js'
import { ModelLearner } from '../../src/learning/model-learner.js'
import { RollingAccuracy } from '../../src/learning/rolling-accuracy.js'
import { DEFAULT_LEARNING_SETTINGS, type LearningSettings } from '../../src/learning/settings.js'
import { SOURCE, classifierFixture, labeled } from '../engine/helpers.js'

const base = (params = {}) => trainClassifier(labeled(classifierFixture.train), params, SOURCE)
const feedback: FeedbackItem[] = classifierFixture.newClasses.map((row, i) => ({
  id: `item-${i}`,
  text: row.text,
  label: row.label,
}))
const settings = (overrides: Partial<LearningSettings> = {}): LearningSettings => ({
  ...DEFAULT_LEARNING_SETTINGS,
  ...overrides,
})

describe('held-out selection', () => {
  it('depends on the id alone and holds out about one in `every`', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `tweet-${i}`)
    const held = ids.filter((id) => isHeldOut(id, 5))
    expect(held.length / ids.length).toBeGreaterThan(0.18)
    expect(held.length / ids.length).toBeLessThan(0.22)
    expect(ids.filter((id) => isHeldOut(id, 5))).toEqual(held)
    expect(ids.some((id) => isHeldOut(id, 1))).toBe(false)
    expect(ids.some((id) => isHeldOut(id, 0))).toBe(false)
  })
})

describe('rolling accuracy', () => {
  it('counts the last N outcomes only', () => {
    const window = new RollingAccuracy(3)
    expect(window.accuracy).toBeNull()
    for (const hit of [true, true, false, false, false]) window.record(hit)
    expect(window.items).toBe(3)
    expect(window.accuracy).toBe(0)
    window.record(true)
    expect(window.accuracy).toBeCloseTo(1 / 3, 12)
    window.reset()
    expect(window.items).toBe(0)
  })
})

describe.each([
  ['count', {}],
  ['hashing', { vectorizer: 'hashing', nFeatures: 2 ** 12 }],
] as const)('the candidate of a %s model', (_name, params) => {
  it('is the live model plus exactly the feedback not held out, new classes included', () => {
    const live = base(params)
    const learner = new ModelLearner('m', live, settings({ heldOutEvery: 3 }))
    const outcome = learner.learn(feedback)
    const trained = feedback.filter((item) => !isHeldOut(item.id, 3))
    expect(outcome.trained).toBe(trained.length)
    expect(outcome.heldOut).toBe(feedback.length - trained.length)
    expect(outcome.refused).toEqual([])

    const reference = base(params)
    reference.partialFit(
      trained.map((item) => item.text),
      trained.map((item) => item.label),
    )
    expect(learner.candidate.classes).toEqual(reference.classes)
    expect(learner.candidate.classes.length).toBeGreaterThan(live.classes.length)
    for (const text of classifierFixture.test) {
      expect(learner.candidate.predictProba(text)).toEqual(reference.predictProba(text))
    }
    expect(learner.candidate.metadata.version).toBe(reference.metadata.version)
  })

  it('never changes the live model while it learns', () => {
    const live = base(params)
    const before = classifierFixture.test.map((text) => live.predictProba(text))
    const learner = new ModelLearner('m', live, settings())
    learner.learn(feedback)
    expect(classifierFixture.test.map((text) => live.predictProba(text))).toEqual(before)
    expect(learner.live).toBe(live)
  })
})

describe('the promotion gate', () => {
  it('stays closed until something is learnt and a full window of held-out items is scored', () => {
    const learner = new ModelLearner('m', base(), settings({ heldOutEvery: 2, window: 1000 }))
    expect(learner.gate()).toEqual({ open: false, reason: 'nothing learnt since the live version' })
    learner.learn(feedback)
    const status = learner.status()
    expect(status.gate.open).toBe(false)
    expect(status.gate.reason).toBe(`${status.candidate.heldOutItems} of 1000 held-out items scored`)
    expect(learner.promotionDue()).toBe(false)
  })

  it('opens when the candidate is at least as accurate as the live model, plus the margin', () => {
    const items = [...feedback, ...feedback.map((item) => ({ ...item, id: `again-${item.id}` }))]
    const open = new ModelLearner('m', base(), settings({ heldOutEvery: 2, window: 4 }))
    open.learn(items)
    const { live, candidate } = open.status()
    expect(candidate.heldOutAccuracy ?? 0).toBeGreaterThanOrEqual(live.heldOutAccuracy ?? 1)
    expect(open.promotionDue()).toBe(true)

    const strict = new ModelLearner('m', base(), settings({ heldOutEvery: 2, window: 4, margin: 2 }))
    strict.learn(items)
    expect(strict.gate().open).toBe(false)
    expect(strict.gate().reason).toMatch(/^candidate .* below live .* \+ margin 2$/)

    const manual = new ModelLearner('m', base(), settings({ heldOutEvery: 2, window: 4, autoPromote: false }))
    manual.learn(items)
    expect(manual.gate().open).toBe(true)
    expect(manual.promotionDue()).toBe(false)
  })
})

describe('promotion and rebase', () => {
  it('makes the candidate live and starts a fresh candidate and window', () => {
    const live = base()
    const learner = new ModelLearner('m', live, settings({ heldOutEvery: 3 }))
    expect(() => learner.promote()).toThrow(expect.objectContaining({ code: 'ERR_PROMOTION_REFUSED' }))
    learner.learn(feedback)
    const candidate = learner.candidate
    const promoted = learner.promote()
    expect(promoted).toBe(candidate)
    expect(learner.live).toBe(candidate)
    expect(learner.candidate).not.toBe(candidate)
    expect(learner.candidate.metadata.version).toBe(candidate.metadata.version)
    const status = learner.status()
    expect(status.candidate.learnt).toBe(0)
    expect(status.live.heldOutItems).toBe(0)
    expect(status.totals.promotions).toBe(1)

    learner.learn(feedback.slice(0, 5))
    learner.rebase(live)
    expect(learner.live).toBe(live)
    expect(learner.status().totals.rebases).toBe(1)
    expect(learner.gate().open).toBe(false)
  })
})

describe('refused feedback', () => {
  it('refuses labels that cannot be classes, and new classes past the limit, learning the rest', () => {
    const live = base()
    const learner = new ModelLearner(
      'm',
      live,
      settings({ heldOutEvery: 0, maxClasses: live.classes.length + 1 }),
    )
    const known = live.classes[0] as string
    const outcome = learner.learn([
      { id: 'a', text: 'first new class', label: 'brand-new' },
      { id: 'b', text: 'second new class', label: 'another-new' },
      { id: 'c', text: 'a number for string labels', label: 7 },
      { id: 'd', text: 'a known class', label: known },
    ])
    expect(outcome.refused.map((r) => [r.item.id, r.error.code])).toEqual([
      ['b', 'ERR_LABEL_INVALID'],
      ['c', 'ERR_MODEL_LABEL_UNKNOWN'],
    ])
    expect(outcome.trained).toBe(2)
    expect(learner.candidate.classes).toContain('brand-new')
    expect(learner.candidate.classes).not.toContain('another-new')
    expect(learner.status().totals).toMatchObject({ received: 4, trained: 2, refused: 2 })
  })
})
