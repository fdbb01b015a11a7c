/**
 * When stream health is bad enough to tell someone: one set of thresholds for the dashboard's
 * banner and the Prometheus alert rules in deploy/prometheus (a test checks they agree).
 */
export interface HealthThresholds {
  /** Share of the window's records under the low-confidence threshold. */
  readonly lowConfidenceShare: number
  /**
   * PSI of the predicted labels against the reference mix. Above the textbook 0.25: a healthy
   * window of 200 records measured 0.06 to 0.29 from sampling alone (BENCHMARKS.md).
   */
  readonly labelPsi: number
  /** Share of tokens the model does not know. */
  readonly oovRate: number
  /** Share of records detected as a language other than English. */
  readonly nonEnglishShare: number
  /** Fewer records than this in the window: too few to judge, no banner. */
  readonly minRecords: number
}

export const HEALTH_THRESHOLDS: HealthThresholds = Object.freeze({
  lowConfidenceShare: 0.5,
  labelPsi: 0.5,
  oovRate: 0.5,
  nonEnglishShare: 0.5,
  minRecords: 100,
})
