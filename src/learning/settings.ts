/** The learning loop's settings and their defaults, written once. */

export interface LearningSettings {
  /** One feedback item in this many is held out (never trained on); chosen by id. */
  readonly heldOutEvery: number
  /**
   * Held-out items in the rolling accuracy of each model; a candidate is promoted automatically
   * only over a full window of items scored since the live version went live.
   */
  readonly window: number
  /** The candidate's held-out accuracy must reach the live model's plus this much. */
  readonly margin: number
  /** Promote as soon as the gate opens; off = only `POST /v1/models/{name}/promote`. */
  readonly autoPromote: boolean
  /**
   * Feedback may add classes up to this many: every class costs columns × 16 bytes (a hashing
   * model of 2^18 columns: 4 MiB a class), so senders cannot grow a model without bound.
   */
  readonly maxClasses: number
}

export const DEFAULT_LEARNING_SETTINGS: LearningSettings = Object.freeze({
  heldOutEvery: 5,
  window: 200,
  margin: 0,
  autoPromote: true,
  maxClasses: 200,
})
