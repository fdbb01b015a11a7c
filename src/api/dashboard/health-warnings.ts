/**
 * The dashboard's stream-health banner in plain words: which of a window's figures cross the
 * thresholds shared with the alert rules (src/health/thresholds.ts), and what that means. Pure: the
 * same window and thresholds always give the same warnings.
 */
import { UNDETERMINED } from '../../engine/language.js'
import type { WindowStats } from '../../engine/stream-stats.js'
import { HEALTH_THRESHOLDS, type HealthThresholds } from '../../health/thresholds.js'

/** The language code of English, the language the models are trained on. */
const ENGLISH = 'en'

export type HealthWarningCode = 'low-confidence' | 'label-drift' | 'unknown-tokens' | 'not-english'

export interface HealthWarning {
  readonly code: HealthWarningCode
  /** One sentence for the banner. */
  readonly message: string
  /** The figure that crossed its threshold. */
  readonly value: number
  readonly threshold: number
}

/**
 * The share of records detected as a language other than English. Undetermined texts (too short to
 * tell) are not counted: a stream of short English tweets would otherwise read as foreign. Null when
 * no text was inspected.
 */
export function nonEnglishShare(stats: WindowStats): number | null {
  let share = 0
  let any = false
  for (const [language, value] of Object.entries(stats.languages.shares)) {
    any = true
    if (language !== ENGLISH && language !== UNDETERMINED) share += value
  }
  return any ? share : null
}

/**
 * "the last minute", "the last 2 minutes", "the last 90 seconds", "the last hour": a span in words,
 * in the largest unit that divides it.
 */
export function spanInWords(spanMs: number): string {
  const seconds = Math.round(spanMs / 1000)
  const [count, unit] =
    seconds >= 3600 && seconds % 3600 === 0
      ? [seconds / 3600, 'hour']
      : seconds >= 60 && seconds % 60 === 0
        ? [seconds / 60, 'minute']
        : [seconds, 'second']
  return count === 1 ? `the last ${unit}` : `the last ${count} ${unit}s`
}

/** "the last minute's", "the last 2 minutes'". */
function possessive(words: string): string {
  return words.endsWith('s') ? `${words}'` : `${words}'s`
}

/** 0.62 → "62%", 0.125 → "12.5%". */
function percent(share: number): string {
  const value = Math.round(share * 1000) / 10
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)}%`
}

/**
 * The banner's warnings for one window, in a fixed order (confidence, labels, vocabulary, language);
 * none when the window holds fewer than `thresholds.minRecords` records, too few to judge. A figure
 * warns when it is above its threshold; a figure that cannot be computed (null) never warns.
 */
export function healthWarnings(
  stats: WindowStats,
  thresholds: HealthThresholds = HEALTH_THRESHOLDS,
): HealthWarning[] {
  if (stats.records < thresholds.minRecords) return []
  const warnings: HealthWarning[] = []
  const span = spanInWords(stats.spanMs)

  const low = stats.confidence.lowShare
  if (low !== null && low > thresholds.lowConfidenceShare) {
    warnings.push({
      code: 'low-confidence',
      message: `${percent(low)} of ${possessive(span)} records are under ${percent(stats.confidence.threshold)} confidence: the model may not fit this stream`,
      value: low,
      threshold: thresholds.lowConfidenceShare,
    })
  }
  const psi = stats.labelMix.psi
  if (psi !== null && psi > thresholds.labelPsi) {
    warnings.push({
      code: 'label-drift',
      message: `The labels drifted from the reference mix (PSI ${psi.toFixed(2)})`,
      value: psi,
      threshold: thresholds.labelPsi,
    })
  }
  const oov = stats.oovRate
  if (oov !== null && oov > thresholds.oovRate) {
    warnings.push({
      code: 'unknown-tokens',
      message: `${percent(oov)} of the tokens are unknown to the model`,
      value: oov,
      threshold: thresholds.oovRate,
    })
  }
  const foreign = nonEnglishShare(stats)
  if (foreign !== null && foreign > thresholds.nonEnglishShare) {
    warnings.push({
      code: 'not-english',
      message: `${percent(foreign)} of the records are not English`,
      value: foreign,
      threshold: thresholds.nonEnglishShare,
    })
  }
  return warnings
}
