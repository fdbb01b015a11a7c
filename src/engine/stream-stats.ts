/**
 * The health of a classified stream without labels: which classes the model predicts against those
 * it was trained on, how sure it is, how much of the text it knows and what language the texts are
 * in, over a sliding window (a minute by default) and a rolling horizon (an hour).
 *
 * Records are counted into fixed buckets as they go by, so `observe` costs a few array increments
 * and keeps no text; `snapshot` adds up the buckets still in range. Time is passed in, in
 * milliseconds; buckets are aligned to whole multiples of their width.
 */
import { TopicstreamError } from '../errors.js'
import {
  LANGUAGES,
  SCRIPTS,
  SCRIPT_LATIN,
  UNDETERMINED,
  dominantScript,
  identifyLanguage,
} from './language.js'
import { histogramQuantile, jensenShannon, psi } from './distributions.js'
import { DEFAULT_HORIZON_MS, DEFAULT_LOW_CONFIDENCE, DEFAULT_WINDOW_MS } from './stream-defaults.js'
import { CALIBRATION_BANDS } from './types.js'

export { DEFAULT_HORIZON_MS, DEFAULT_LOW_CONFIDENCE, DEFAULT_WINDOW_MS } from './stream-defaults.js'

/**
 * The window slides by a sixth of its span: it holds the current sub-bucket and the five before it,
 * so a record leaves it between 5/6 and 6/6 of `windowMs` after it came. Likewise the horizon is
 * made of buckets of `windowMs`, and a record leaves it within the last window of `horizonMs`.
 */
export const WINDOW_SUB_BUCKETS = 6

/** Bins of the confidence histogram over [0, 1]: quantiles are read to 0.01. */
export const CONFIDENCE_BINS = 100

/**
 * Which texts are inspected for their script and language: every record while the current window
 * sub-bucket has had fewer than `INSPECT_FIRST`, then one in `INSPECT_EVERY`, by a counter.
 * Identifying a tweet's language costs about ten classifications, and evicts the counters from the
 * CPU caches: inspecting one record in 256 added some 4% of a classification to each, one in 1,024
 * about 1%, one in 4,096 0.4%. The first records of every sub-bucket give a slow stream texts
 * enough to go by (up to 48 a minute, some 2,900 an hour), at a fixed cost, a few ms of CPU a
 * minute, however fast the stream; a fast one gets more from the counter (at 100,000 tweets a
 * second, some 1,500 a minute).
 */
export const INSPECT_FIRST = 8
export const INSPECT_EVERY = 4096

export interface StreamStatsOptions {
  /** The model's classes, in its order. */
  readonly classes: readonly string[]
  /** The training class distribution (counts or shares), in the order of `classes`. */
  readonly reference: readonly number[]
  /** Span of the sliding window, ms (default `DEFAULT_WINDOW_MS`). */
  readonly windowMs?: number
  /** Span of the rolling horizon, ms: a whole multiple of `windowMs` (default `DEFAULT_HORIZON_MS`). */
  readonly horizonMs?: number
  /** Confidence below which a prediction counts as low (default `DEFAULT_LOW_CONFIDENCE`). */
  readonly lowConfidence?: number | undefined
  /**
   * The accuracy the model had per confidence band on labelled held-out data (StreamReference's
   * `calibration`): the estimated accuracy then reads each record's confidence through it. Without
   * it, the estimate is the mean confidence.
   */
  readonly calibration?: readonly (number | null)[] | undefined
}

export interface StreamRecord {
  /** The top predicted class, also when the prediction was withheld. */
  readonly label: string
  /** Probability of `label`. */
  readonly confidence: number
  /** Whether the prediction was withheld (confidence too low to act on). */
  readonly abstained: boolean
  /** Tokens in the text. */
  readonly tokens: number
  /** Of those, how many are in the model's vocabulary. */
  readonly knownTokens: number
  /** Read for its script and language when the record is inspected; never kept. */
  readonly text: string
}

/**
 * The figures of one span. Every share and statistic is `null` when it has nothing to be computed
 * from (no records, no tokens), never NaN; a record of shares is then empty.
 */
export interface WindowStats {
  /** The nominal span (`windowMs` or `horizonMs`). */
  readonly spanMs: number
  readonly records: number
  readonly labelMix: {
    /** Population stability index of the predicted labels against the reference (see `psi`). */
    readonly psi: number | null
    /** Jensen–Shannon divergence of the same two distributions, base 2, in [0, 1]. */
    readonly jsd: number | null
    /** Share of records per predicted label: every class, in the model's order. */
    readonly shares: Readonly<Record<string, number>>
  }
  readonly confidence: {
    readonly mean: number | null
    /** Quantiles read from the histogram (see `histogramQuantile`): within 0.01. */
    readonly p10: number | null
    readonly p50: number | null
    readonly p90: number | null
    /** Share of records with a confidence below `threshold`. */
    readonly lowShare: number | null
    readonly threshold: number
  }
  readonly abstainedShare: number | null
  /**
   * Accuracy estimated without labels (confidence-based performance estimation): each record counts
   * as the held-out accuracy of its confidence band (`calibration`); without a calibration, the
   * mean confidence, which is only right for calibrated probabilities.
   */
  readonly estimatedAccuracy: number | null
  /** Share of the span's tokens outside the vocabulary, `1 − known / tokens` over all its texts. */
  readonly oovRate: number | null
  /** The same share per text, averaged over the texts with at least one token. */
  readonly oovRatePerText: number | null
  readonly languages: {
    /** Share of the texts with letters whose letters are mostly not Latin. */
    readonly nonLatinShare: number | null
    /** Share of texts per ISO 639-1 code, `und` for undetermined; the most common first. */
    readonly shares: Readonly<Record<string, number>>
    /** Share of texts per script (see `SCRIPTS` in language.ts), `none` for texts without letters. */
    readonly scripts: Readonly<Record<string, number>>
    /**
     * How many texts `shares` and `scripts` were estimated from (see `INSPECT_EVERY`). Each bucket's
     * inspected texts stand for all of its records.
     */
    readonly inspected: number
  }
}

export interface StreamSnapshot {
  readonly window: WindowStats
  readonly horizon: WindowStats
}

/**
 * Where each counter of a bucket sits in its slot of `BucketRing.counts`: the scalars first, then
 * the confidence histogram, the inspected texts per script and per language, and last the records
 * per predicted class (as many as the model has classes).
 */
const RECORDS = 0
const CONFIDENCE_SUM = 1
const LOW = 2
const ABSTAINED = 3
const TOKENS = 4
const KNOWN_TOKENS = 5
const TEXTS_WITH_TOKENS = 6
/** Sum over the texts with tokens of their own out-of-vocabulary share. */
const OOV_SHARES = 7
const INSPECTED = 8
const HISTOGRAM = 9
const SCRIPT_COUNTS = HISTOGRAM + CONFIDENCE_BINS
const LANGUAGE_COUNTS = SCRIPT_COUNTS + SCRIPTS.length
const LABEL_COUNTS = LANGUAGE_COUNTS + LANGUAGES.length

/**
 * Buckets of one width in a ring: slot `epoch mod size` holds the bucket `floor(time / width)`.
 * Each slot's counters lie side by side in one array, so that a record touches a few cache lines,
 * not one per counter.
 */
class BucketRing {
  readonly width: number
  readonly size: number
  /** Counters per slot. */
  readonly stride: number
  /** The epoch each slot holds; -Infinity for a slot that holds none. */
  readonly epochs: Float64Array
  /** `stride` counters per slot, at the offsets above. Float64 counts are exact up to 2^53. */
  readonly counts: Float64Array

  constructor(width: number, size: number, classes: number) {
    this.width = width
    this.size = size
    this.stride = LABEL_COUNTS + classes
    this.epochs = new Float64Array(size).fill(-Infinity)
    this.counts = new Float64Array(size * this.stride)
  }

  epochOf(time: number): number {
    return Math.floor(time / this.width)
  }

  /** Whether a slot holds one of the `size` buckets up to `epoch`. */
  holdsRecent(slot: number, epoch: number): boolean {
    const held = this.epochs[slot]
    return held <= epoch && held > epoch - this.size
  }

  /** Where the bucket at `time` starts in `counts`; a slot that held an older bucket is emptied. */
  offsetAt(time: number): number {
    const epoch = this.epochOf(time)
    const slot = ((epoch % this.size) + this.size) % this.size
    const offset = slot * this.stride
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch
      this.counts.fill(0, offset, offset + this.stride)
    }
    return offset
  }

  add(at: number, record: StreamRecord, label: number, confidence: number, bin: number, low: boolean): void {
    const counts = this.counts
    counts[at + RECORDS]++
    counts[at + LABEL_COUNTS + label]++
    counts[at + HISTOGRAM + bin]++
    counts[at + CONFIDENCE_SUM] += confidence
    if (low) counts[at + LOW]++
    if (record.abstained) counts[at + ABSTAINED]++
    const tokens = record.tokens
    if (tokens > 0) {
      counts[at + TOKENS] += tokens
      counts[at + KNOWN_TOKENS] += record.knownTokens
      counts[at + TEXTS_WITH_TOKENS]++
      counts[at + OOV_SHARES] += 1 - record.knownTokens / tokens
    }
  }

  addInspection(at: number, script: number, language: number): void {
    const counts = this.counts
    counts[at + INSPECTED]++
    counts[at + SCRIPT_COUNTS + script]++
    counts[at + LANGUAGE_COUNTS + language]++
  }

  /** Takes over another ring's buckets (of the same width, size and classes). */
  copyFrom(other: BucketRing): void {
    this.epochs.set(other.epochs)
    this.counts.set(other.counts)
  }

  /** Forgets every bucket (each is emptied when it is next written). */
  forget(): void {
    this.epochs.fill(-Infinity)
  }
}

const LANGUAGE_INDEX: ReadonlyMap<string, number> = new Map(LANGUAGES.map((code, i) => [code, i]))
const UNDETERMINED_INDEX = LANGUAGES.indexOf(UNDETERMINED)

export class StreamStats {
  readonly #classes: readonly string[]
  readonly #classIndex: ReadonlyMap<string, number>
  /** The reference distribution, normalised. */
  readonly #reference: Float64Array
  readonly #windowMs: number
  readonly #horizonMs: number
  readonly #lowConfidence: number
  readonly #calibration: readonly (number | null)[] | undefined
  /** The accuracy each confidence bin stands for, from the calibration; undefined without one. */
  readonly #binAccuracy: Float64Array | undefined
  readonly #window: BucketRing
  readonly #horizon: BucketRing
  /** The latest time seen (see `#advance`); times are ms since the epoch, as `Date.now()` gives. */
  #latest = 0
  /** Records until the next inspection by count (see `INSPECT_EVERY`). */
  #untilInspection = INSPECT_EVERY

  constructor(options: StreamStatsOptions) {
    const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS
    const horizonMs = options.horizonMs ?? DEFAULT_HORIZON_MS
    const lowConfidence = options.lowConfidence ?? DEFAULT_LOW_CONFIDENCE
    const { classes, reference } = options
    if (classes.length === 0 || new Set(classes).size !== classes.length) {
      invalid('classes must be distinct and at least one', { classes })
    }
    const total = reference.reduce((sum, weight) => sum + weight, 0)
    if (
      reference.length !== classes.length ||
      !reference.every((weight) => Number.isFinite(weight) && weight >= 0) ||
      !(total > 0)
    ) {
      invalid('reference must give a weight ≥ 0 to each class, in the order of classes', { reference })
    }
    if (!(windowMs > 0 && Number.isFinite(windowMs))) invalid('windowMs must be positive', { windowMs })
    if (!(horizonMs >= windowMs && Number.isInteger(horizonMs / windowMs))) {
      invalid('horizonMs must be a whole multiple of windowMs', { windowMs, horizonMs })
    }
    if (!(lowConfidence >= 0 && lowConfidence <= 1)) {
      invalid('lowConfidence must be between 0 and 1', { lowConfidence })
    }
    this.#classes = Object.freeze([...classes])
    this.#classIndex = new Map(classes.map((label, i) => [label, i]))
    this.#reference = Float64Array.from(reference, (weight) => weight / total)
    this.#windowMs = windowMs
    this.#horizonMs = horizonMs
    this.#lowConfidence = lowConfidence
    const { calibration } = options
    if (
      calibration !== undefined &&
      (calibration.length !== CALIBRATION_BANDS ||
        !calibration.every((accuracy) => accuracy === null || (accuracy >= 0 && accuracy <= 1)))
    ) {
      invalid(`calibration must give ${CALIBRATION_BANDS} accuracies in [0, 1] or null`, { calibration })
    }
    this.#calibration = calibration
    // A band with no held-out document keeps the confidence itself: no evidence either way.
    this.#binAccuracy =
      calibration === undefined
        ? undefined
        : Float64Array.from(
            { length: CONFIDENCE_BINS },
            (_, bin) =>
              calibration[Math.floor((bin * CALIBRATION_BANDS) / CONFIDENCE_BINS)] ??
              (bin + 0.5) / CONFIDENCE_BINS,
          )
    this.#window = new BucketRing(windowMs / WINDOW_SUB_BUCKETS, WINDOW_SUB_BUCKETS, classes.length)
    this.#horizon = new BucketRing(windowMs, horizonMs / windowMs, classes.length)
  }

  /** Counts one classified record at time `now` (ms). Allocates nothing unless it inspects the text. */
  observe(record: StreamRecord, now: number): void {
    const label = this.#classIndex.get(record.label)
    if (label === undefined) {
      throw new TopicstreamError(
        'ERR_MODEL_LABEL_UNKNOWN',
        `The stream statistics have no class "${record.label}"`,
        {
          details: { label: record.label, classes: this.#classes },
        },
      )
    }
    const time = this.#advance(now)
    // Clamped to [0, 1], NaN to 0: one bad value would otherwise poison every sum it enters.
    const given = record.confidence
    const confidence = given > 0 ? (given < 1 ? given : 1) : 0
    const bin = Math.min(Math.floor(confidence * CONFIDENCE_BINS), CONFIDENCE_BINS - 1)
    const low = confidence < this.#lowConfidence
    const window = this.#window
    const horizon = this.#horizon
    const inWindow = window.offsetAt(time)
    const inHorizon = horizon.offsetAt(time)
    window.add(inWindow, record, label, confidence, bin, low)
    horizon.add(inHorizon, record, label, confidence, bin, low)

    this.#untilInspection -= 1
    const due = this.#untilInspection <= 0
    if (due || window.counts[inWindow + INSPECTED] < INSPECT_FIRST) {
      if (due) this.#untilInspection = INSPECT_EVERY
      const script = dominantScript(record.text)
      const language = LANGUAGE_INDEX.get(identifyLanguage(record.text)) ?? UNDETERMINED_INDEX
      window.addInspection(inWindow, script, language)
      horizon.addInspection(inHorizon, script, language)
    }
  }

  /**
   * A copy of these counts compared with another reference, for a new version of the model with the
   * same classes (an online update moves the training distribution a little). This one is unchanged.
   */
  withReference(
    reference: readonly number[],
    calibration: readonly (number | null)[] | undefined = this.#calibration,
  ): StreamStats {
    const next = new StreamStats({
      classes: this.#classes,
      reference,
      windowMs: this.#windowMs,
      horizonMs: this.#horizonMs,
      lowConfidence: this.#lowConfidence,
      calibration,
    })
    next.#window.copyFrom(this.#window)
    next.#horizon.copyFrom(this.#horizon)
    next.#latest = this.#latest
    next.#untilInspection = this.#untilInspection
    return next
  }

  /** Confidence-based performance estimation: each record counts as its band's held-out accuracy. */
  #estimatedAccuracy(histogram: Float64Array, records: number): number | null {
    const binAccuracy = this.#binAccuracy
    if (binAccuracy === undefined || records === 0) return null
    let sum = 0
    for (let bin = 0; bin < CONFIDENCE_BINS; bin++) sum += histogram[bin] * binAccuracy[bin]
    return sum / records
  }

  /** The window's and the horizon's figures at time `now` (ms), as frozen plain data. */
  snapshot(now: number): StreamSnapshot {
    // Read at the latest time seen if `now` is earlier: the buckets hold nothing past it anyway.
    const time = now > this.#latest && Number.isFinite(now) ? now : this.#latest
    return Object.freeze({
      window: this.#summarize(this.#window, time, this.#windowMs),
      horizon: this.#summarize(this.#horizon, time, this.#horizonMs),
    })
  }

  /**
   * The time to count a record at. Time does not run backwards here: an earlier `now` (a clock
   * stepped back, a late record) counts at the latest time seen, in the current buckets, instead of
   * emptying buckets that hold newer records. A step back by more than the horizon means a new
   * clock: everything counted so far is forgotten.
   */
  #advance(now: number): number {
    if (!Number.isFinite(now)) return this.#latest
    if (now >= this.#latest) {
      this.#latest = now
    } else if (now < this.#latest - this.#horizonMs) {
      this.#window.forget()
      this.#horizon.forget()
      this.#latest = now
    }
    return this.#latest
  }

  #summarize(ring: BucketRing, time: number, spanMs: number): WindowStats {
    const { counts, stride } = ring
    const sum = new Float64Array(stride)
    const scripts = new Float64Array(SCRIPTS.length)
    const languages = new Float64Array(LANGUAGES.length)
    /** Records of the buckets that had texts inspected: what the inspected texts stand for. */
    let represented = 0
    const epoch = ring.epochOf(time)
    for (let slot = 0; slot < ring.size; slot++) {
      if (!ring.holdsRecent(slot, epoch)) continue
      const at = slot * stride
      for (let k = 0; k < stride; k++) sum[k] += counts[at + k]
      const inspected = counts[at + INSPECTED]
      if (inspected === 0) continue
      // Each bucket's inspected texts stand for all its records: a stratified estimate, so a busy
      // minute inspected one text in a thousand weighs as much as its records, not as its inspections.
      const weight = counts[at + RECORDS] / inspected
      represented += counts[at + RECORDS]
      for (let s = 0; s < SCRIPTS.length; s++) scripts[s] += weight * counts[at + SCRIPT_COUNTS + s]
      for (let l = 0; l < LANGUAGES.length; l++) languages[l] += weight * counts[at + LANGUAGE_COUNTS + l]
    }

    const records = sum[RECORDS]
    const share = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null)
    const mean = share(sum[CONFIDENCE_SUM], records)
    const labels = sum.subarray(LABEL_COUNTS)
    const histogram = sum.subarray(HISTOGRAM, HISTOGRAM + CONFIDENCE_BINS)
    let nonLatin = 0
    for (let s = SCRIPT_LATIN + 1; s < SCRIPTS.length; s++) nonLatin += scripts[s]
    const withLetters = scripts[SCRIPT_LATIN] + nonLatin
    const languageShares: Array<[string, number]> = []
    for (let l = 0; l < LANGUAGES.length; l++) {
      if (languages[l] > 0) languageShares.push([LANGUAGES[l], languages[l] / represented])
    }
    languageShares.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    return Object.freeze({
      spanMs,
      records,
      labelMix: Object.freeze({
        psi: psi(labels, this.#reference),
        jsd: jensenShannon(labels, this.#reference),
        shares: Object.freeze(
          records > 0
            ? Object.fromEntries(this.#classes.map((label, c) => [label, labels[c] / records]))
            : {},
        ),
      }),
      confidence: Object.freeze({
        mean,
        p10: histogramQuantile(histogram, 0.1),
        p50: histogramQuantile(histogram, 0.5),
        p90: histogramQuantile(histogram, 0.9),
        lowShare: share(sum[LOW], records),
        threshold: this.#lowConfidence,
      }),
      abstainedShare: share(sum[ABSTAINED], records),
      estimatedAccuracy: this.#estimatedAccuracy(histogram, records) ?? mean,
      oovRate: sum[TOKENS] > 0 ? 1 - sum[KNOWN_TOKENS] / sum[TOKENS] : null,
      oovRatePerText: share(sum[OOV_SHARES], sum[TEXTS_WITH_TOKENS]),
      languages: Object.freeze({
        nonLatinShare: share(nonLatin, withLetters),
        shares: Object.freeze(Object.fromEntries(languageShares)),
        scripts: Object.freeze(
          represented > 0
            ? Object.fromEntries(SCRIPTS.map((script, s) => [script, scripts[s] / represented]))
            : {},
        ),
        inspected: sum[INSPECTED],
      }),
    })
  }
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new TopicstreamError('ERR_CONFIG_INVALID', `Stream statistics: ${message}`, { details })
}
