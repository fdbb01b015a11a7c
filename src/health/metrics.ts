/**
 * Stream health on /metrics: one gauge family per statistic, labelled by channel, model and window
 * (`short` for the short window, one minute by default, and `hour` for the rolling hour). Values
 * are computed when Prometheus scrapes, from the monitor's buckets; a statistic with no records in
 * its window is left out.
 */
import { Gauge, type Registry } from 'prom-client'
import type { WindowStats } from '../engine/stream-stats.js'
import type { StreamHealth, StreamMonitor } from './stream-monitor.js'

const LABELS = ['channel', 'model', 'window'] as const
type Labels = Record<(typeof LABELS)[number], string>

interface Statistic {
  readonly name: string
  readonly help: string
  readonly extraLabel?: 'quantile' | 'language'
  read(stats: WindowStats): Iterable<readonly [value: number | null, extra?: string]>
}

/** Every stream-health metric; the alert rules and the Grafana dashboard use these names. */
export const STREAM_HEALTH_METRICS: readonly Statistic[] = [
  {
    name: 'topicstream_stream_records',
    help: 'Records classified in the window',
    read: (stats) => [[stats.records]],
  },
  {
    name: 'topicstream_stream_label_psi',
    help: "Population stability index of the predicted labels against the model's reference mix (its predictions on held-out data, else its training class mix)",
    read: (stats) => [[stats.labelMix.psi]],
  },
  {
    name: 'topicstream_stream_label_jsd',
    help: "Jensen-Shannon divergence (base 2, 0 to 1) of the predicted labels against the model's reference mix (its predictions on held-out data, else its training class mix)",
    read: (stats) => [[stats.labelMix.jsd]],
  },
  {
    name: 'topicstream_stream_confidence_mean',
    help: 'Mean top-class probability',
    read: (stats) => [[stats.confidence.mean]],
  },
  {
    name: 'topicstream_stream_confidence_quantile',
    help: 'Quantiles of the top-class probability (0.01 resolution)',
    extraLabel: 'quantile',
    read: ({ confidence }) => [
      [confidence.p10, '0.1'],
      [confidence.p50, '0.5'],
      [confidence.p90, '0.9'],
    ],
  },
  {
    name: 'topicstream_stream_low_confidence_share',
    help: 'Share of records whose top-class probability is under the low-confidence threshold (--min-confidence, else 0.2)',
    read: (stats) => [[stats.confidence.lowShare]],
  },
  {
    name: 'topicstream_stream_abstained_share',
    help: 'Share of records the model abstained from (--min-confidence)',
    read: (stats) => [[stats.abstainedShare]],
  },
  {
    name: 'topicstream_stream_estimated_accuracy',
    help: "Accuracy estimated without labels: each record's confidence read through the model's held-out calibration, else the mean top-class probability",
    read: (stats) => [[stats.estimatedAccuracy]],
  },
  {
    name: 'topicstream_stream_oov_rate',
    help: "Share of the records' tokens that are not in the model's vocabulary",
    read: (stats) => [[stats.oovRate]],
  },
  {
    name: 'topicstream_stream_non_latin_share',
    help: 'Share of the records with letters whose letters are mostly outside the Latin script',
    read: (stats) => [[stats.languages.nonLatinShare]],
  },
  {
    name: 'topicstream_stream_language_share',
    help: 'Share of records per detected language (ISO 639-1; und: undetermined)',
    extraLabel: 'language',
    read: (stats) => Object.entries(stats.languages.shares).map(([language, share]) => [share, language]),
  },
]

/** A scrape reads every family in a row: they share one set of snapshots taken this close together. */
const SNAPSHOT_REUSE_MS = 250

export function registerStreamHealthMetrics(registry: Registry, monitor: StreamMonitor): void {
  let taken: { readonly at: number; readonly snapshots: readonly StreamHealth[] } | undefined
  const snapshots = (): readonly StreamHealth[] => {
    const now = performance.now()
    if (taken === undefined || now - taken.at > SNAPSHOT_REUSE_MS)
      taken = { at: now, snapshots: monitor.snapshots() }
    return taken.snapshots
  }
  for (const statistic of STREAM_HEALTH_METRICS) {
    if (registry.getSingleMetric(statistic.name) !== undefined) continue
    const labelNames = statistic.extraLabel === undefined ? LABELS : [...LABELS, statistic.extraLabel]
    new Gauge({
      name: statistic.name,
      help: statistic.help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset()
        for (const health of snapshots()) {
          for (const [window, stats] of windows(health)) {
            const labels: Labels = { channel: health.channel, model: health.model.name, window }
            for (const [value, extra] of statistic.read(stats)) {
              if (value === null) continue
              this.set(
                statistic.extraLabel === undefined || extra === undefined
                  ? labels
                  : { ...labels, [statistic.extraLabel]: extra },
                value,
              )
            }
          }
        }
      },
    })
  }
}

function windows(health: StreamHealth): [string, WindowStats][] {
  return [
    ['short', health.window],
    ['hour', health.horizon],
  ]
}
