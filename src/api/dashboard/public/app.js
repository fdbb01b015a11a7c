/* global document, fetch, sessionStorage, AbortController, TextDecoder */
/* global reportError, setTimeout, clearTimeout */
// The dashboard page: one event stream for records and stats, one form for ad-hoc classification,
// labelling of the records shown, and the learning loop's figures.
// Untrusted text is only ever set through textContent, never parsed as HTML.
import { $, el, svg, formatInt, formatPct, holdWhileUsed } from './dom.js'
import { createLabelling } from './labelling.js'
import { createLearningPanel } from './learning.js'
import { createReviewQueue } from './review.js'

const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#5f6b7a',
  '#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#a0cbe8', '#ffbe7d',
] // prettier-ignore
const FEED_LIMIT = 60
const IDLE_AFTER_SECONDS = 10

const colours = new Map()
let snapshotLabels = []
let servedModel
let modelName

// ---- labelling and learning ------------------------------------------------------------------

const labelling = createLabelling({
  api: (path, init) => api(path, init),
  onLabelled(seq, label) {
    review.labelled(seq, label)
    learning.pollNow()
  },
})
const review = createReviewQueue({ render: feedItem, isLabelled: labelling.isLabelled })
const learning = createLearningPanel({
  api: (path) => api(path),
  modelName: () => modelName,
  onLabels: labelling.setKnownLabels,
})

function colourOf(label) {
  if (!colours.has(label)) colours.set(label, PALETTE[colours.size % PALETTE.length])
  return colours.get(label)
}

/** Time labels under a chart whose right edge is now: `fractions` of its width, 0 the left edge. */
function drawTimeAxis(chart, { left, plotW, height, spanSeconds, fractions }) {
  for (const fraction of fractions) {
    const ago = Math.round(spanSeconds * (1 - fraction))
    const label = svg('text', {
      class: 'axis',
      x: left + plotW * fraction,
      y: height - 4,
      'text-anchor': fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle',
    })
    label.textContent =
      ago === 0 ? 'now' : ago >= 60 ? `−${(ago / 60).toFixed(ago % 60 ? 1 : 0)} min` : `−${ago} s`
    chart.append(label)
  }
}

const formatMs = (value) =>
  value === undefined || value === null
    ? '—'
    : value < 1
      ? `${(value * 1000).toFixed(0)} µs`
      : value < 1000
        ? `${value.toFixed(value < 10 ? 1 : 0)} ms`
        : `${(value / 1000).toFixed(1)} s`

// ---- live feed -------------------------------------------------------------------------------

/** A record as the feed and the review queue list it, with its labelling controls. */
function feedItem(record) {
  const item = el('li')
  item.dataset.seq = String(record.seq)
  if (record.id) item.dataset.id = record.id
  const row = el('div', 'row')
  const chip = el('span', 'chip', record.label)
  chip.style.background = colourOf(record.label)
  chip.title = record.label
  row.append(chip, el('span', 'confidence', formatPct(record.confidence)))
  if (record.abstained) {
    chip.classList.add('guess')
    chip.title = `abstained; it leaned to ${record.label}`
    row.append(el('span', 'abstained', 'abstained'))
  }
  const scored =
    record.trueLabel && (snapshotLabels.length === 0 || snapshotLabels.includes(record.trueLabel))
  if (record.trueLabel && !scored) {
    row.append(el('span', 'verdict', `source topic: ${record.trueLabel}`))
  } else if (record.trueLabel) {
    const ok = record.trueLabel === record.label
    const verdict = el('span', `verdict ${ok ? 'ok' : 'wrong'}`, ok ? '✓' : `✗ ${record.trueLabel}`)
    verdict.title = `known label: ${record.trueLabel}`
    row.append(verdict)
  } else if (record.endToEndMs !== undefined) {
    row.append(el('span', 'verdict', formatMs(record.endToEndMs)))
  }
  item.append(row, el('p', 'text', record.text), labelling.controls(record))
  return item
}

// Records that arrive while someone is labelling in the feed wait, so the feed does not move under
// the pointer; they are added at once when it is let go.
let waiting = []
const feedHeld = holdWhileUsed($('feed'), () => addRecords([]))

/** The hint is a live region: it is only written when its words change. */
function feedHint(text) {
  const hint = $('feed-hint')
  if (hint.textContent !== text) hint.textContent = text
}

function addRecords(records) {
  if (feedHeld()) {
    waiting = [...waiting, ...records].slice(-FEED_LIMIT)
    if (waiting.length > 0) feedHint(`paused while you label · ${waiting.length} new`)
    return
  }
  const batch = waiting.length > 0 ? [...waiting, ...records].slice(-FEED_LIMIT) : records
  waiting = []
  feedHint('newest first')
  if (batch.length === 0) return
  const feed = $('feed')
  const fragment = document.createDocumentFragment()
  for (let i = batch.length - 1; i >= 0; i--) fragment.append(feedItem(batch[i]))
  feed.prepend(fragment)
  while (feed.children.length > FEED_LIMIT) feed.lastElementChild.remove()
  $('feed-empty').hidden = true
}

// ---- stats -----------------------------------------------------------------------------------

function renderSpark(series) {
  const spark = $('spark')
  spark.replaceChildren()
  if (series.length < 2) return
  const max = Math.max(1, ...series)
  const step = 120 / (series.length - 1)
  const points = series.map((v, i) => `${(i * step).toFixed(1)},${(27 - (v / max) * 25).toFixed(1)}`)
  spark.append(svg('polygon', { points: `0,28 ${points.join(' ')} 120,28`, fill: '#2f6fdf', opacity: 0.12 }))
  spark.append(
    svg('polyline', { points: points.join(' '), fill: 'none', stroke: '#2f6fdf', 'stroke-width': 1.2 }),
  )
}

// Four gridline steps of 1, 2, 2.5 or 5 × 10^k records, whole numbers only.
function niceStep(peak) {
  const raw = Math.max(1, peak / 4)
  const power = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 2.5, 5, 10]) {
    const step = m * power
    if (step >= raw && Number.isInteger(step)) return step
  }
  return 10 * power
}

function renderChart(categories) {
  const chart = $('category-chart')
  chart.replaceChildren()
  const width = 640
  const height = 330
  const left = 36
  const bottom = 20
  const plotW = width - left - 4
  const plotH = height - bottom - 6
  const { series, labels, bucketSeconds } = categories
  const peak = Math.max(0, ...series.map((bucket) => bucket.reduce((sum, n) => sum + n, 0)))
  const max = 4 * niceStep(peak)
  for (let i = 0; i <= 4; i++) {
    const y = 6 + plotH - (plotH * i) / 4
    chart.append(svg('line', { class: 'grid', x1: left, x2: width - 4, y1: y, y2: y }))
    const tick = svg('text', { class: 'axis', x: left - 6, y: y + 3, 'text-anchor': 'end' })
    tick.textContent = formatInt(Math.round((max * i) / 4))
    chart.append(tick)
  }
  const slot = plotW / Math.max(1, series.length)
  const barW = Math.max(1, slot - 1.5)
  series.forEach((bucket, b) => {
    let y = 6 + plotH
    bucket.forEach((count, i) => {
      if (count === 0) return
      const h = (count / max) * plotH
      y -= h
      const rect = svg('rect', {
        x: left + b * slot + 0.75,
        y,
        width: barW,
        height: h,
        fill: colourOf(labels[i]),
      })
      const title = svg('title', {})
      title.textContent = `${labels[i]}: ${count}`
      rect.append(title)
      chart.append(rect)
    })
  })
  const spanSeconds = series.length * bucketSeconds
  drawTimeAxis(chart, { left, plotW, height, spanSeconds, fractions: [0, 0.25, 0.5, 0.75, 1] })
  $('chart-hint').textContent = `records per ${bucketSeconds} s, last ${Math.round(spanSeconds / 60)} minutes`
}

function renderTotals(categories) {
  const order = categories.labels
    .map((label, i) => ({ label, count: categories.totals[i] ?? 0 }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
  const list = $('totals')
  list.replaceChildren(
    ...order.map(({ label, count }) => {
      const item = el('li')
      const swatch = el('span', 'swatch')
      swatch.style.background = colourOf(label)
      const name = el('span', 'name', label)
      name.title = label
      item.append(swatch, name, el('span', 'count', formatInt(count)))
      return item
    }),
  )
}

function renderState(stats) {
  const banner = $('banner')
  const idle = stats.idleSeconds === null || stats.idleSeconds >= IDLE_AFTER_SECONDS
  const reason = (stats.kafkaMessage ?? '').replace(/^Kafka is unavailable:\s*/, '')
  let kind = stats.kafka
  let text = {
    up: 'Kafka connected',
    down: 'Kafka unavailable',
    connecting: 'connecting to Kafka',
    reconnecting: `reconnecting to Kafka${stats.kafkaAttempt ? ` (attempt ${stats.kafkaAttempt})` : ''}`,
  }[kind]
  text ??= 'Kafka state unknown'
  banner.hidden = true
  if (stats.kafka === 'down') {
    banner.hidden = false
    banner.dataset.kind = 'down'
    banner.textContent = `Kafka is unreachable${reason ? ` (${reason})` : ''}. Records will appear again once it is back; the classify box still works.`
  } else if (stats.kafka === 'reconnecting') {
    banner.hidden = false
    banner.dataset.kind = 'idle'
    const attempt = stats.kafkaAttempt ? `attempt ${stats.kafkaAttempt}` : 'retrying'
    banner.textContent = `The dashboard's Kafka consumer is reconnecting (${attempt}${reason ? `, last error: ${reason}` : ''}). Records will appear once it has joined; the classify box still works.`
  } else if (stats.kafka === 'up' && idle) {
    kind = 'idle'
    text = stats.idleSeconds === null ? 'stream idle' : `idle for ${stats.idleSeconds} s`
    banner.hidden = false
    banner.dataset.kind = 'idle'
    const topic = stats.topics ? ` on ${stats.topics.output}` : ''
    const produced = stats.bridgeResultsProduced ?? 0
    banner.textContent =
      stats.idleSeconds !== null
        ? `No new records${topic} for ${stats.idleSeconds} s.`
        : produced > 0
          ? `No records yet while the bridge reports ${formatInt(produced)} results: the dashboard's Kafka consumer is behind or reconnecting.`
          : `No classified records${topic} yet. Is a producer writing to ${stats.topics?.input ?? 'the input topic'}?`
  } else if (stats.kafka === 'up') {
    text = 'streaming'
  }
  showState(kind, text)
}

function renderStats(stats) {
  renderState(stats)
  if (stats.model)
    $('model').textContent = `${stats.model.name}${stats.model.version ? ` · ${stats.model.version}` : ''}`
  // A new model or version (a promotion, a rollback) brings its own classes and figures.
  const served = stats.model ? `${stats.model.name}@${stats.model.version}` : undefined
  if (served !== servedModel) {
    servedModel = served
    modelName = stats.model?.name
    learning.pollNow()
  }
  if (stats.topics) $('topics').textContent = `${stats.topics.input} → ${stats.topics.output}`
  // Colours follow the model's class order so a category keeps its colour across reloads.
  if (stats.categories.labels.length !== snapshotLabels.length) {
    snapshotLabels = stats.categories.labels
    for (const label of snapshotLabels) colourOf(label)
  }
  $('throughput').textContent =
    stats.throughput < 10 ? stats.throughput.toFixed(1) : formatInt(Math.round(stats.throughput))
  renderSpark(stats.throughputSeries)
  $('classify-p50').textContent = formatMs(stats.classifyLatencyMs?.p50)
  $('classify-p99').textContent = formatMs(stats.classifyLatencyMs?.p99)
  $('e2e-p50').textContent = formatMs(stats.endToEndLatencyMs?.p50)
  $('e2e-p99').textContent = formatMs(stats.endToEndLatencyMs?.p99)
  $('accuracy').textContent = formatPct(stats.accuracy.window)
  $('accuracy-overall').textContent = formatPct(stats.accuracy.overall)
  $('lag').textContent = formatInt(stats.consumerLag)
  $('dlq').textContent = formatInt(stats.dlqCount)
  $('total').textContent = formatInt(stats.totals.records)
  renderChart(stats.categories)
  renderTotals(stats.categories)
}

// ---- stream health ---------------------------------------------------------------------------

// Languages keep their colour for the page's life; English first, as most streams are.
const LANGUAGE_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#edc948',
  '#76b7b2',
  '#ff9da7',
  '#9c755f',
]
const LANGUAGE_GREYS = { und: '#c9ced6', other: '#9aa3af' }
const languageColours = new Map([['en', LANGUAGE_PALETTE[0]]])
const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' })

function languageColour(code) {
  if (LANGUAGE_GREYS[code]) return LANGUAGE_GREYS[code]
  if (!languageColours.has(code)) {
    languageColours.set(code, LANGUAGE_PALETTE[languageColours.size % LANGUAGE_PALETTE.length])
  }
  return languageColours.get(code)
}

/** Stacking order: English, the others as first seen, then undetermined and other on top. */
function languageRank(code) {
  if (code === 'und') return 1000
  if (code === 'other') return 1001
  languageColour(code)
  return [...languageColours.keys()].indexOf(code)
}

function languageName(code) {
  if (code === 'und') return 'undetermined'
  if (code === 'other') return 'other'
  try {
    return languageNames.of(code) ?? code
  } catch {
    return code
  }
}

const formatShare = (value) => (value === null || value === undefined ? '—' : `${Math.round(value * 100)}%`)
const formatIndex = (value) => (value === null || value === undefined ? '—' : value.toFixed(2))
const clamp01 = (value) => Math.min(1, Math.max(0, value))

/**
 * One gauge: its reading, a bar of `value / scale` (full past the scale), the threshold's mark, and
 * its state: `over` past the threshold, `ok` under it, `plain` without one.
 */
function renderGauge(id, { reading, value, scale = 1, threshold, sub }) {
  const gauge = $(id)
  gauge.querySelector('.reading').textContent = reading
  gauge.querySelector('.sub').textContent = sub
  const fill = gauge.querySelector('.fill')
  fill.style.width = `${(value === null ? 0 : clamp01(value / scale) * 100).toFixed(1)}%`
  const mark = gauge.querySelector('.mark')
  mark.hidden = threshold === undefined
  if (threshold !== undefined) {
    mark.style.left = `${(clamp01(threshold / scale) * 100).toFixed(1)}%`
    mark.title = `warns above ${scale === 1 ? formatShare(threshold) : formatIndex(threshold)}`
  }
  gauge.dataset.state =
    threshold === undefined || value === null ? 'plain' : value > threshold ? 'over' : 'ok'
}

/** The median, the p10–p90 range and the low-confidence line on a 0–100% strip. */
function renderConfidence(figures, thresholds) {
  const { p10, p50, p90, lowShare, threshold } = figures.confidence
  const gauge = $('gauge-confidence')
  gauge.querySelector('.reading').textContent = formatShare(p50)
  const range = gauge.querySelector('.range')
  range.hidden = p10 === null || p90 === null
  if (!range.hidden) {
    range.style.left = `${(p10 * 100).toFixed(1)}%`
    range.style.width = `${(Math.max(0.01, p90 - p10) * 100).toFixed(1)}%`
  }
  const median = gauge.querySelector('.median')
  median.hidden = p50 === null
  if (p50 !== null) median.style.left = `${(p50 * 100).toFixed(1)}%`
  const mark = gauge.querySelector('.mark')
  mark.style.left = `${(threshold * 100).toFixed(1)}%`
  mark.title = `low confidence: under ${formatShare(threshold)}`
  gauge.querySelector('.sub').textContent =
    `${formatShare(lowShare)} under ${formatShare(threshold)} · p10 ${formatShare(p10)} · p90 ${formatShare(p90)}`
  gauge.dataset.state = lowShare === null ? 'plain' : lowShare > thresholds.lowConfidenceShare ? 'over' : 'ok'
}

function renderHealthBanner(warnings) {
  const banner = $('health-banner')
  banner.hidden = warnings.length === 0
  $('health-warnings').replaceChildren(
    ...warnings.map(({ code, message }) => {
      const item = el('li', undefined, message)
      item.dataset.code = code
      return item
    }),
  )
}

/**
 * Stacked bars of the language shares, one per sample (each covering the time since the one
 * before), and the unknown-token rate as a line over them, against its threshold.
 */
function renderHealthChart(health) {
  const chart = $('health-chart')
  chart.replaceChildren()
  const width = 640
  const height = 150
  const left = 36
  const right = 4
  const top = 6
  const bottom = 20
  const plotW = width - left - right
  const plotH = height - top - bottom
  const { sampleMs, capacity } = health.series
  const spanMs = sampleMs * capacity
  const now = health.at
  const points = [
    ...health.series.points.filter((point) => point.at < now),
    { at: now, oovRate: health.window.oovRate, languages: health.window.languages },
  ]
  const xOf = (at) => left + plotW * clamp01(1 - (now - at) / spanMs)
  const yOf = (share) => top + plotH * (1 - clamp01(share))

  for (const share of [0, 0.5, 1]) {
    chart.append(svg('line', { class: 'grid', x1: left, x2: width - right, y1: yOf(share), y2: yOf(share) }))
    const tick = svg('text', { class: 'axis', x: left - 6, y: yOf(share) + 3, 'text-anchor': 'end' })
    tick.textContent = `${share * 100}%`
    chart.append(tick)
  }

  const shown = new Set()
  let previous = now - spanMs
  const lines = [[]]
  for (const point of points) {
    // A bar reaches back to the sample before it, unless that one is missing (no stream then).
    const x1 = xOf(point.at - previous < 1.5 * sampleMs ? previous : point.at - sampleMs)
    const x2 = xOf(point.at)
    previous = point.at
    const barW = Math.max(1, x2 - x1 - 1.5)
    let y = yOf(0)
    const bar = svg('g', {})
    const parts = []
    const stack = Object.entries(point.languages).sort(([a], [b]) => languageRank(a) - languageRank(b))
    for (const [code, share] of stack) {
      if (share <= 0) continue
      shown.add(code)
      const h = share * plotH
      y -= h
      bar.append(svg('rect', { x: x1 + 0.75, y, width: barW, height: h, fill: languageColour(code) }))
      parts.push(`${languageName(code)} ${formatShare(share)}`)
    }
    const title = svg('title', {})
    title.textContent = [...parts, `unknown tokens ${formatShare(point.oovRate)}`].join(' · ')
    bar.append(title)
    chart.append(bar)
    if (point.oovRate === null) {
      if (lines.at(-1).length > 0) lines.push([])
    } else {
      lines.at(-1).push(`${((x1 + x2) / 2).toFixed(1)},${yOf(point.oovRate).toFixed(1)}`)
    }
  }

  const limit = yOf(health.thresholds.oovRate)
  chart.append(svg('line', { class: 'limit', x1: left, x2: width - right, y1: limit, y2: limit }))
  for (const run of lines) {
    if (run.length === 0) continue
    if (run.length === 1) {
      const [cx, cy] = run[0].split(',')
      chart.append(svg('circle', { class: 'oov-dot', cx, cy, r: 2.5 }))
    } else {
      chart.append(svg('polyline', { class: 'oov-halo', points: run.join(' ') }))
      chart.append(svg('polyline', { class: 'oov', points: run.join(' ') }))
    }
  }

  drawTimeAxis(chart, { left, plotW, height, spanSeconds: spanMs / 1000, fractions: [0, 0.5, 1] })

  $('health-chart-hint').textContent = `each bar: records of ${health.span}`
  const order = [...shown].sort((a, b) => languageRank(a) - languageRank(b))
  const legend = order.map((code) => {
    const item = el('li')
    const swatch = el('span', 'swatch')
    swatch.style.background = languageColour(code)
    item.append(swatch, el('span', 'name', languageName(code)))
    return item
  })
  const oov = el('li', 'oov-key')
  oov.append(
    el('span', 'stroke'),
    el('span', 'name', `unknown tokens (warns above ${formatShare(health.thresholds.oovRate)})`),
  )
  $('health-legend').replaceChildren(...legend, oov)
}

function renderHealth(health) {
  $('health-panel').hidden = false
  $('health-empty').hidden = health !== null
  $('health-body').hidden = health === null
  if (health === null) {
    $('health-hint').textContent = 'without labels'
    renderHealthBanner([])
    return
  }
  const { window: now, hour, thresholds } = health
  const source = health.channel === 'bridge' ? 'Kafka stream' : 'REST and gRPC requests'
  const few = now.records < thresholds.minRecords ? ` (too few to judge under ${thresholds.minRecords})` : ''
  $('health-hint').textContent = `${source} · ${formatInt(now.records)} records in ${health.span}${few}`
  renderHealthBanner(health.warnings)
  renderGauge('gauge-psi', {
    reading: formatIndex(now.psi),
    value: now.psi,
    scale: 2 * thresholds.labelPsi,
    threshold: thresholds.labelPsi,
    sub: `vs the reference mix · hour ${formatIndex(hour.psi)}`,
  })
  renderGauge('gauge-jsd', {
    reading: formatIndex(now.jsd),
    value: now.jsd,
    sub: `0 same mix, 1 none shared · hour ${formatIndex(hour.jsd)}`,
  })
  renderGauge('gauge-accuracy', {
    reading: formatPct(now.estimatedAccuracy),
    value: now.estimatedAccuracy,
    sub: `mean confidence · hour ${formatPct(hour.estimatedAccuracy)}`,
  })
  renderConfidence(now, thresholds)
  renderGauge('gauge-oov', {
    reading: formatShare(now.oovRate),
    value: now.oovRate,
    threshold: thresholds.oovRate,
    sub: `of the tokens · hour ${formatShare(hour.oovRate)}`,
  })
  renderGauge('gauge-language', {
    reading: formatShare(now.nonEnglishShare),
    value: now.nonEnglishShare,
    threshold: thresholds.nonEnglishShare,
    sub: `of the records · hour ${formatShare(hour.nonEnglishShare)}`,
  })
  renderHealthChart(health)
}

// ---- classify box ----------------------------------------------------------------------------

// Same token rule as the model's analyzer (scikit-learn's default `(?u)\b\w\w+\b`, lowercased).
const TOKEN = /[\p{L}\p{N}_]{2,}/gu

function highlight(text, explanation) {
  const weights = new Map()
  for (const { term, weight } of explanation) {
    for (const part of term.split(' ')) weights.set(part, Math.max(weights.get(part) ?? 0, weight))
  }
  const top = Math.max(1e-9, ...weights.values())
  const out = $('highlighted')
  out.replaceChildren()
  let last = 0
  for (const match of text.matchAll(TOKEN)) {
    const weight = weights.get(match[0].toLowerCase())
    if (weight === undefined || weight <= 0) continue
    out.append(text.slice(last, match.index))
    const mark = el('mark', undefined, match[0])
    mark.style.background = `rgba(47, 111, 223, ${(0.15 + 0.55 * (weight / top)).toFixed(2)})`
    mark.title = `+${weight.toFixed(3)} toward the top label`
    out.append(mark)
    last = match.index + match[0].length
  }
  out.append(text.slice(last))
}

function renderResult(text, result) {
  const list = $('topk')
  list.replaceChildren(
    ...result.top_k.map(({ label, probability }) => {
      const item = el('li')
      const track = el('span', 'track')
      const bar = el('span', 'bar')
      bar.style.width = `${Math.max(0.5, probability * 100).toFixed(1)}%`
      bar.style.background = colourOf(label)
      bar.style.display = 'block'
      track.append(bar)
      const name = el('span', 'name', label)
      name.title = label
      item.append(name, track, el('span', 'pct', formatPct(probability)))
      return item
    }),
  )
  highlight(text, result.explanation ?? [])
  $('highlight-caption').textContent = result.explanation?.length
    ? `Highlighted: the terms that raised ${result.label} over the runner-up; darker is stronger.`
    : 'No term of this text is in the vocabulary: the answer comes from the class priors.'
  $('classify-result').hidden = false
}

async function classify(event) {
  event.preventDefault()
  const text = $('classify-text').value
  const button = $('classify-button')
  const error = $('classify-error')
  error.textContent = ''
  if (text.trim() === '') {
    error.textContent = 'Type some text first.'
    return
  }
  // A key typed but not yet confirmed with its own button counts too.
  const typed = $('api-key').value.trim()
  if (typed !== '' && typed !== apiKey) useKey(typed)
  button.disabled = true
  try {
    const response = await fetch('/v1/classify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization() },
      body: JSON.stringify({ text, top_k: 5, explain: true }),
    })
    const body = await response.json()
    // A server with API keys: ask for one rather than failing on every try.
    if (response.status === 401) {
      keyRefused()
      if (apiKey === '') throw new Error('this server needs an API key; enter it above and classify again')
    }
    if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`)
    renderResult(text, body)
  } catch (failure) {
    error.textContent = `Could not classify: ${failure.message}`
  } finally {
    button.disabled = false
  }
}

// ---- API key ---------------------------------------------------------------------------------

// One key for the stream and the classify box, kept for this tab only: sessionStorage, never
// localStorage, so it does not outlive the browsing session.
const KEY_STORAGE = 'topicstream.apiKey'
let apiKey = readStoredKey()

function readStoredKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? ''
  } catch {
    return '' // storage disabled: the key lives in memory only
  }
}

function authorization() {
  return apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` }
}

/** A JSON request with the page's key; a 401 asks for one. Resolves `{ status, ok, body }`. */
async function api(path, { method = 'GET', body } = {}) {
  const response = await fetch(path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...authorization() },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    cache: 'no-store',
  })
  const json = await response.json().catch(() => undefined)
  if (response.status === 401) keyRefused()
  return { status: response.status, ok: response.ok, body: json }
}

/** A 401: ask for a key, or for another one. */
function keyRefused() {
  askForKey(apiKey === '' ? 'This server needs an API key.' : 'The server refused this API key.')
}

function askForKey(message) {
  const form = $('key-form')
  $('key-message').textContent = message
  if (form.hidden) {
    form.hidden = false
    $('api-key').focus()
  }
}

function useKey(key) {
  apiKey = key
  try {
    if (key === '') sessionStorage.removeItem(KEY_STORAGE)
    else sessionStorage.setItem(KEY_STORAGE, key)
  } catch {
    // storage disabled: the key lives in memory only
  }
  reconnectNow()
  learning.unlock()
}

function keyAccepted() {
  $('key-form').hidden = true
  $('key-message').textContent = ''
}

// ---- event stream ----------------------------------------------------------------------------

// EventSource cannot send an Authorization header, so the stream is read with fetch and parsed here.
// Like EventSource, it reconnects after a drop, waiting the server's `retry:` time (doubled after
// each failed attempt, up to a limit).
const STREAM_URL = '/dashboard/events'
const MAX_RETRY_MS = 30_000
const handlers = new Map([
  ['records', addRecords],
  ['stats', renderStats],
  ['health', renderHealth],
  ['review', (records) => review.update(records)],
])
let retryMs = 2000
let streamController
let wake = () => {}

/** A parser of the `text/event-stream` format: feed it decoded text, it calls `onEvent(type, data)`. */
function eventStreamParser(onEvent) {
  let pending = ''
  let type = ''
  let data = []
  return (chunk) => {
    // A CR at the very end may be half of a CRLF: it stays pending until the next chunk.
    const lines = (pending + chunk).split(/\r\n|\r(?!$)|\n/)
    pending = lines.pop()
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) onEvent(type || 'message', data.join('\n'))
        type = ''
        data = []
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      let value = colon === -1 ? '' : line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
      if (field === 'event') type = value
      else if (field === 'data') data.push(value)
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value)
    }
  }
}

function dispatch(type, data) {
  const handler = handlers.get(type)
  if (handler === undefined) return
  // A rendering bug must not cost the stream; it is still reported like any uncaught error.
  try {
    handler(JSON.parse(data))
  } catch (failure) {
    reportError(failure)
  }
}

/** Reads one connection until it ends: resolves 'unauthorized' or 'ended', rejects when it fails. */
async function readStream(signal, onOpen) {
  const response = await fetch(STREAM_URL, {
    headers: { accept: 'text/event-stream', ...authorization() },
    cache: 'no-store',
    signal,
  })
  if (response.status === 401) {
    await response.body?.cancel()
    return 'unauthorized'
  }
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
  onOpen()
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  const parse = eventStreamParser(dispatch)
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return 'ended'
    parse(decoder.decode(value, { stream: true }))
  }
}

/** Resolves after `ms`, or at once when a new key is given (then `wake` is called). */
function pause(ms) {
  return new Promise((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(resolve, ms)
    wake = () => {
      clearTimeout(timer)
      resolve()
    }
  })
}

function reconnectNow() {
  streamController?.abort()
  wake()
}

function showState(kind, text) {
  const state = $('state')
  state.dataset.state = kind
  state.textContent = text
}

async function follow() {
  let failures = 0
  for (;;) {
    const controller = new AbortController()
    streamController = controller
    let outcome
    try {
      outcome = await readStream(controller.signal, () => {
        failures = 0
        if (apiKey !== '') keyAccepted()
        $('feed-empty').textContent = 'Waiting for classified records…'
      })
    } catch {
      outcome = 'failed'
    }
    if (controller.signal.aborted) continue // a new key: connect again at once
    if (outcome === 'unauthorized') {
      showState('locked', 'API key needed')
      $('feed-empty').textContent = 'This server needs an API key to show its live data.'
      keyRefused()
      await pause() // until a key is given
      continue
    }
    showState('down', 'server unreachable')
    await pause(Math.min(MAX_RETRY_MS, retryMs * 2 ** failures))
    failures += 1
  }
}

// ---- wiring ----------------------------------------------------------------------------------

learning.start()

$('classify-form').addEventListener('submit', classify)
$('classify-text').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) $('classify-form').requestSubmit()
})
$('key-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const key = $('api-key').value.trim()
  if (key === '') {
    $('key-message').textContent = 'Enter the API key first.'
    return
  }
  $('key-message').textContent = 'Connecting…'
  // Confirmed with its own button: try it again even if it is the key in use.
  useKey(key)
})
follow()
