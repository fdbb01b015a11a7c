/**
 * The learning loop on /metrics, on every process that follows the models topic: the learner's
 * latest figures (read from the topic's status records when Prometheus scrapes, so every replica
 * shows the same numbers) and the promote and rollback requests this process took.
 */
import { Counter, Gauge, type Registry } from 'prom-client'
import { isLearningStatus, type LearningStatus } from '../learning/model-learner.js'

export interface LearningMetrics {
  readonly actions: Counter<'model' | 'action' | 'outcome'>
}

export function registerLearningMetrics(
  registry: Registry,
  options: { readonly models: () => readonly string[]; readonly status: (name: string) => unknown },
): LearningMetrics {
  const statuses = (): LearningStatus[] =>
    options
      .models()
      .map((name) => options.status(name))
      .filter(isLearningStatus)
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (status: LearningStatus, set: (labels: Record<L, string>, value: number) => void) => void,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset()
        for (const status of statuses()) read(status, (labels, value) => this.set(labels, value))
      },
    })
  }
  gauge(
    'topicstream_model_held_out_accuracy',
    'Accuracy on the last held-out feedback items scored since the live version went live, per role (live or candidate)',
    ['model', 'role'],
    (status, set) => {
      for (const role of ['live', 'candidate'] as const) {
        const accuracy = status[role].heldOutAccuracy
        if (accuracy !== null) set({ model: status.model, role }, accuracy)
      }
    },
  )
  gauge(
    'topicstream_model_held_out_items',
    'Held-out feedback items in the accuracy window, per role',
    ['model', 'role'],
    (status, set) => {
      for (const role of ['live', 'candidate'] as const) {
        set({ model: status.model, role }, status[role].heldOutItems)
      }
    },
  )
  gauge(
    'topicstream_model_version_info',
    'The live and candidate versions of each model (value 1)',
    ['model', 'role', 'version'],
    (status, set) => {
      for (const role of ['live', 'candidate'] as const) {
        set({ model: status.model, role, version: status[role].version }, 1)
      }
    },
  )
  gauge(
    'topicstream_learner_feedback_items',
    'Feedback items the learner has read since it started, by what became of them',
    ['model', 'outcome'],
    (status, set) => {
      const { trained, heldOut, refused } = status.totals
      set({ model: status.model, outcome: 'trained' }, trained)
      set({ model: status.model, outcome: 'held_out' }, heldOut)
      set({ model: status.model, outcome: 'refused' }, refused)
    },
  )
  gauge(
    'topicstream_learner_promotions',
    'Promotions by the learner since it started',
    ['model'],
    (status, set) => set({ model: status.model }, status.totals.promotions),
  )
  gauge(
    'topicstream_learner_gate_open',
    'Whether the candidate passes the promotion gate (1) or not (0)',
    ['model'],
    (status, set) => set({ model: status.model }, status.gate.open ? 1 : 0),
  )
  return {
    actions: new Counter({
      name: 'topicstream_model_actions_total',
      help: 'Promote and rollback requests taken by this process, by outcome (accepted or refused)',
      labelNames: ['model', 'action', 'outcome'],
      registers: [registry],
    }),
  }
}
