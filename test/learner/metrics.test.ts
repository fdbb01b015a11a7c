import { Registry } from 'prom-client'
import { describe, expect, test } from 'vitest'
import { trainClassifier } from '../../src/engine/index.js'
import { registerLearningMetrics } from '../../src/learner/metrics.js'
import { ModelLearner } from '../../src/learning/model-learner.js'
import { DEFAULT_LEARNING_SETTINGS } from '../../src/learning/settings.js'
import { SOURCE, classifierFixture, labeled } from '../engine/helpers.js'

describe('the learning loop on /metrics', () => {
  test('shows the figures of each served model with a status, and nothing for the others', async () => {
    const learner = new ModelLearner('news', trainClassifier(labeled(classifierFixture.train), {}, SOURCE), {
      ...DEFAULT_LEARNING_SETTINGS,
      heldOutEvery: 2,
      window: 4,
    })
    learner.learn(
      classifierFixture.newClasses.map((row, i) => ({ id: `id-${i}`, text: row.text, label: row.label })),
    )
    const registry = new Registry()
    const statuses: Record<string, unknown> = { news: learner.status(), broken: { model: 'broken' } }
    const metrics = registerLearningMetrics(registry, {
      models: () => ['news', 'broken', 'quiet'],
      status: (name) => statuses[name],
    })
    metrics.actions.inc({ model: 'news', action: 'rollback', outcome: 'accepted' })
    const text = await registry.metrics()
    const status = learner.status()
    expect(text).toContain(
      `topicstream_model_held_out_accuracy{model="news",role="candidate"} ${status.candidate.heldOutAccuracy}`,
    )
    expect(text).toContain(
      `topicstream_model_held_out_items{model="news",role="live"} ${status.live.heldOutItems}`,
    )
    expect(text).toContain(
      `topicstream_model_version_info{model="news",role="candidate",version="${status.candidate.version}"} 1`,
    )
    expect(text).toContain(
      `topicstream_learner_feedback_items{model="news",outcome="trained"} ${status.totals.trained}`,
    )
    expect(text).toContain(`topicstream_learner_gate_open{model="news"} ${status.gate.open ? 1 : 0}`)
    expect(text).toContain(
      'topicstream_model_actions_total{model="news",action="rollback",outcome="accepted"} 1',
    )
    // A status of the wrong shape (a foreign writer on the models topic) is left out, not shown half.
    expect(text).not.toMatch(/model="broken"/)
    expect(text).not.toMatch(/model="quiet"/)
  })
})
