/**
 * The learning loop for one served model: a live model (what serves) and a candidate (the live
 * model's counts plus every feedback item trained since), compared on held-out feedback.
 *
 * Prequential ("test, then train"): each item is scored by both models before the candidate may
 * learn from it, so every figure is on text the model had not seen. Items of a call are scored
 * first and trained together, one `partialFit` for the call: an exact online update is the same
 * whatever the batching, and one weight recomputation per call instead of per item.
 */
import type { TextClassifier } from '../engine/text-classifier.js'
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import type { FeedbackItem } from './feedback.js'
import { isHeldOut } from './held-out.js'
import { RollingAccuracy } from './rolling-accuracy.js'
import type { LearningSettings } from './settings.js'

export interface Refusal {
  readonly item: FeedbackItem
  readonly error: TopicstreamError
}

export interface LearnOutcome {
  readonly trained: number
  readonly heldOut: number
  readonly refused: readonly Refusal[]
}

export interface ModelFigures {
  readonly version: string
  /** Over the last `window` held-out items scored since the live version went live. */
  readonly heldOutAccuracy: number | null
  readonly heldOutItems: number
  /** Over the last `window` items of any kind, scored before training on them. */
  readonly prequentialAccuracy: number | null
}

export interface GateState {
  readonly open: boolean
  /** Why it is closed (or "ready"): for people, in the status. */
  readonly reason: string
}

/** What `GET /v1/models/{name}`, `/metrics` and the dashboard show of the loop. */
export interface LearningStatus {
  readonly model: string
  readonly live: ModelFigures
  readonly candidate: ModelFigures & {
    /** Feedback items trained into the candidate since the live version went live. */
    readonly learnt: number
    readonly classes: number
  }
  readonly gate: GateState & {
    readonly window: number
    readonly margin: number
    readonly autoPromote: boolean
  }
  readonly totals: {
    readonly received: number
    readonly trained: number
    readonly heldOut: number
    readonly refused: number
    readonly promotions: number
    readonly rebases: number
  }
  readonly updatedAt: string
}

export class ModelLearner {
  readonly name: string
  readonly #settings: LearningSettings
  #live: TextClassifier
  #candidate: TextClassifier
  #learnt = 0
  readonly #heldOut: { live: RollingAccuracy; candidate: RollingAccuracy }
  readonly #prequential: { live: RollingAccuracy; candidate: RollingAccuracy }
  readonly #totals = { received: 0, trained: 0, heldOut: 0, refused: 0, promotions: 0, rebases: 0 }

  constructor(name: string, live: TextClassifier, settings: LearningSettings) {
    this.name = name
    this.#settings = settings
    this.#live = live
    this.#candidate = live.clone()
    const window = (): RollingAccuracy => new RollingAccuracy(settings.window)
    this.#heldOut = { live: window(), candidate: window() }
    this.#prequential = { live: window(), candidate: window() }
  }

  get live(): TextClassifier {
    return this.#live
  }

  get candidate(): TextClassifier {
    return this.#candidate
  }

  /** Feedback items trained into the candidate since the live version went live. */
  get learnt(): number {
    return this.#learnt
  }

  /** Scores every item with both models, then trains the candidate on those not held out. */
  learn(items: readonly FeedbackItem[]): LearnOutcome {
    const texts: string[] = []
    const labels: string[] = []
    const refused: Refusal[] = []
    const newClasses = new Set<string>()
    let heldOut = 0
    for (const item of items) {
      let label: string
      try {
        label = this.#candidate.classNameOf(item.label)
        if (!this.#candidate.classes.includes(label) && !newClasses.has(label)) {
          if (this.#candidate.classes.length + newClasses.size >= this.#settings.maxClasses) {
            throw new TopicstreamError(
              'ERR_LABEL_INVALID',
              `"${label}" would be class ${this.#candidate.classes.length + newClasses.size + 1} of model "${this.name}"; the limit is ${this.#settings.maxClasses} (--max-classes)`,
            )
          }
          newClasses.add(label)
        }
      } catch (error) {
        refused.push({ item, error: toTopicstreamError(error) })
        continue
      }
      const liveRight = predicted(this.#live, item.text) === label
      const candidateRight = predicted(this.#candidate, item.text) === label
      this.#prequential.live.record(liveRight)
      this.#prequential.candidate.record(candidateRight)
      if (isHeldOut(item.id, this.#settings.heldOutEvery)) {
        this.#heldOut.live.record(liveRight)
        this.#heldOut.candidate.record(candidateRight)
        heldOut++
      } else {
        texts.push(item.text)
        labels.push(label)
      }
    }
    if (texts.length > 0) this.#candidate.partialFit(texts, labels)
    this.#learnt += texts.length
    this.#totals.received += items.length
    this.#totals.trained += texts.length
    this.#totals.heldOut += heldOut
    this.#totals.refused += refused.length
    return { trained: texts.length, heldOut, refused }
  }

  /** Whether the candidate may replace the live model now (manual promotion ignores the window). */
  gate(): GateState {
    if (this.#learnt === 0) return { open: false, reason: 'nothing learnt since the live version' }
    const items = this.#heldOut.candidate.items
    if (items < this.#settings.window) {
      return { open: false, reason: `${items} of ${this.#settings.window} held-out items scored` }
    }
    const live = this.#heldOut.live.accuracy ?? 0
    const candidate = this.#heldOut.candidate.accuracy ?? 0
    if (candidate < live + this.#settings.margin) {
      return {
        open: false,
        reason: `candidate ${candidate.toFixed(3)} below live ${live.toFixed(3)} + margin ${this.#settings.margin}`,
      }
    }
    return { open: true, reason: 'ready' }
  }

  promotionDue(): boolean {
    return this.#settings.autoPromote && this.gate().open
  }

  /**
   * The candidate becomes the live model; the next candidate starts as its copy, and both must
   * prove themselves on a fresh window. Refused when nothing was learnt since the live version.
   */
  promote(): TextClassifier {
    if (this.#learnt === 0) {
      throw new TopicstreamError(
        'ERR_PROMOTION_REFUSED',
        `The candidate of "${this.name}" has learnt nothing since ${this.#live.metadata.version}`,
      )
    }
    this.#totals.promotions++
    this.#restart(this.#candidate)
    return this.#live
  }

  /** Another version went live (a rollback, a published model): the loop starts again from it. */
  rebase(model: TextClassifier): void {
    this.#totals.rebases++
    this.#restart(model)
  }

  #restart(live: TextClassifier): void {
    this.#live = live
    this.#candidate = live.clone()
    this.#learnt = 0
    this.#heldOut.live.reset()
    this.#heldOut.candidate.reset()
  }

  status(now = new Date()): LearningStatus {
    const figures = (model: TextClassifier, which: 'live' | 'candidate'): ModelFigures => ({
      version: model.metadata.version,
      heldOutAccuracy: this.#heldOut[which].accuracy,
      heldOutItems: this.#heldOut[which].items,
      prequentialAccuracy: this.#prequential[which].accuracy,
    })
    return {
      model: this.name,
      live: figures(this.#live, 'live'),
      candidate: {
        ...figures(this.#candidate, 'candidate'),
        learnt: this.#learnt,
        classes: this.#candidate.classes.length,
      },
      gate: {
        ...this.gate(),
        window: this.#settings.window,
        margin: this.#settings.margin,
        autoPromote: this.#settings.autoPromote,
      },
      totals: { ...this.#totals },
      updatedAt: now.toISOString(),
    }
  }
}

/**
 * Whether a value read back (a status record of the models topic) has every field of a
 * LearningStatus, so that a foreign or older writer is ignored rather than shown half.
 */
export function isLearningStatus(value: unknown): value is LearningStatus {
  const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
  const numbers = (v: unknown, keys: readonly string[]): boolean =>
    object(v) && keys.every((key) => typeof v[key] === 'number')
  const accuracy = (v: unknown): boolean => v === null || typeof v === 'number'
  const figures = (v: unknown): boolean =>
    object(v) &&
    typeof v.version === 'string' &&
    typeof v.heldOutItems === 'number' &&
    accuracy(v.heldOutAccuracy) &&
    accuracy(v.prequentialAccuracy)
  if (!object(value)) return false
  const { model, live, candidate, gate, totals, updatedAt } = value
  return (
    typeof model === 'string' &&
    figures(live) &&
    figures(candidate) &&
    numbers(candidate, ['learnt', 'classes']) &&
    object(gate) &&
    typeof gate.open === 'boolean' &&
    typeof gate.reason === 'string' &&
    typeof gate.autoPromote === 'boolean' &&
    numbers(gate, ['window', 'margin']) &&
    numbers(totals, ['received', 'trained', 'heldOut', 'refused', 'promotions', 'rebases']) &&
    typeof updatedAt === 'string'
  )
}

function predicted(model: TextClassifier, text: string): string | null {
  return model.classify(text, { topK: 1 }).top_k[0]?.label ?? null
}
