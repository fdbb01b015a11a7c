/* global document, setTimeout, clearTimeout */
// The learning panel: feedback accepted, the live model and the learner's candidate scored on the
// same held-out feedback, the promotion gate, and both accuracies over time. It asks
// GET /v1/models/{name} and GET /v1/feedback/stats every two seconds and redraws only when an
// answer changed; the chart's points are the learner's figures as this page has seen them.
import { $, svg, formatInt, formatPct } from './dom.js'

const POLL_MS = 2000
const MAX_POINTS = 240

/**
 * `api(path)` resolves `{ status, ok, body }`; `modelName()` is the served model once known;
 * `onLabels(labels)` is given the model's classes and the labels sent as feedback.
 */
export function createLearningPanel({ api, modelName, onLabels }) {
  let timer
  let polling = false
  // After a 401 the panel waits for a key: asking again would only count against the rate limit.
  let locked = false
  let shown = ''
  let lastUpdate
  const points = []

  async function poll() {
    const name = modelName()
    if (name === undefined) return
    const [detail, feedback] = await Promise.all([
      api(`/v1/models/${encodeURIComponent(name)}`),
      api('/v1/feedback/stats'),
    ])
    if (detail.status === 401 || feedback.status === 401) {
      locked = true
      render({ state: 'locked' })
      return
    }
    if (!detail.ok) {
      render({ state: 'error', message: detail.body?.error?.message ?? `HTTP ${detail.status}` })
      return
    }
    onLabels([...(detail.body.classes ?? []), ...Object.keys(feedback.body?.labels ?? {})])
    const learning = detail.body.learning
    if (learning === undefined) {
      render({ state: 'off' })
      return
    }
    const status = learning.status
    if (status !== undefined && status.updatedAt !== lastUpdate) {
      lastUpdate = status.updatedAt
      points.push({
        at: Date.parse(status.updatedAt),
        live: status.live.heldOutAccuracy,
        candidate: status.candidate.heldOutAccuracy,
      })
      if (points.length > MAX_POINTS) points.shift()
    }
    render({
      state: 'on',
      name,
      accepted: feedback.ok ? feedback.body.accepted : null,
      current: learning.versions?.current,
      status,
      points: points.length,
    })
  }

  function render(view) {
    // Quiet when nothing changed.
    const key = JSON.stringify(view)
    if (key === shown) return
    shown = key
    document.body.dataset.learning = view.state
    $('learning-panel').hidden = false
    $('learning-body').hidden = view.state !== 'on'
    $('learning-off').hidden = view.state === 'on'
    if (view.state !== 'on') {
      $('learning-off').textContent = {
        off: 'Learning loop off: this server takes no feedback (start it with --bridge, or topicstream up).',
        locked: 'This server needs an API key to show the learning loop; enter it above.',
        error: `The learning loop cannot be read: ${view.message}`,
      }[view.state]
      return
    }
    const { status } = view
    $('learning-hint').textContent = `model ${view.name}`
    $('feedback-accepted').textContent = formatInt(view.accepted)
    $('live-version').textContent = view.current ?? status?.live.version ?? '—'
    $('live-accuracy').textContent = formatPct(status?.live.heldOutAccuracy)
    $('live-items').textContent = formatInt(status?.live.heldOutItems ?? 0)
    $('candidate-version').textContent = status?.candidate.version ?? '—'
    $('candidate-accuracy').textContent = formatPct(status?.candidate.heldOutAccuracy)
    $('candidate-items').textContent = formatInt(status?.candidate.heldOutItems ?? 0)
    $('candidate-learnt').textContent = formatInt(status?.candidate.learnt ?? 0)
    const gate = $('gate-reason')
    if (status === undefined) {
      gate.textContent = 'No feedback learnt yet: label a record to start.'
      gate.dataset.state = 'closed'
    } else {
      const how = status.gate.autoPromote ? 'promotes by itself' : 'waits for a promote request'
      gate.textContent = `${status.gate.open ? 'Open' : 'Closed'}: ${status.gate.reason} (window ${status.gate.window}, ${how})`
      gate.dataset.state = status.gate.open ? 'open' : 'closed'
    }
    renderChart()
  }

  /** Live and candidate held-out accuracy, one point per figure the learner shared, oldest left. */
  function renderChart() {
    const chart = $('learning-chart')
    chart.replaceChildren()
    const width = 640
    const height = 150
    const left = 36
    const right = 6
    const top = 6
    const bottom = 20
    const plotW = width - left - right
    const plotH = height - top - bottom
    const first = points[0]?.at ?? 0
    const span = Math.max(1, (points.at(-1)?.at ?? 0) - first)
    const xOf = (at) => (points.length < 2 ? left + plotW : left + (plotW * (at - first)) / span)
    const yOf = (share) => top + plotH * (1 - share)
    for (const share of [0, 0.5, 1]) {
      chart.append(
        svg('line', { class: 'grid', x1: left, x2: width - right, y1: yOf(share), y2: yOf(share) }),
      )
      const tick = svg('text', { class: 'axis', x: left - 5, y: yOf(share) + 3, 'text-anchor': 'end' })
      tick.textContent = `${share * 100}%`
      chart.append(tick)
    }
    for (const which of ['live', 'candidate']) {
      // A reset window (after a promotion or a rollback) has no accuracy: the line breaks there.
      const runs = [[]]
      for (const point of points) {
        if (point[which] === null || point[which] === undefined) {
          if (runs.at(-1).length > 0) runs.push([])
        } else {
          runs.at(-1).push(`${xOf(point.at).toFixed(1)},${yOf(point[which]).toFixed(1)}`)
        }
      }
      for (const run of runs) {
        if (run.length === 1) {
          const [cx, cy] = run[0].split(',')
          chart.append(svg('circle', { class: `${which}-dot`, cx, cy, r: 2.5 }))
        } else if (run.length > 1) {
          chart.append(svg('polyline', { class: `${which}-line`, points: run.join(' ') }))
        }
      }
    }
    if (points.length > 0) {
      for (const [point, anchor] of [
        [points[0], 'start'],
        [points.at(-1), 'end'],
      ]) {
        if (points.length === 1 && anchor === 'start') continue
        const label = svg('text', {
          class: 'axis',
          x: anchor === 'start' ? left : width - right,
          y: height - 4,
          'text-anchor': anchor,
        })
        label.textContent = new Date(point.at).toLocaleTimeString('en-GB')
        chart.append(label)
      }
    }
    const latest = points.at(-1)
    const title = svg('title', {})
    title.textContent = latest
      ? `held-out accuracy: live ${formatPct(latest.live)}, candidate ${formatPct(latest.candidate)}`
      : 'no held-out figures yet'
    chart.append(title)
  }

  async function tick() {
    timer = undefined
    if (!locked && !polling && !document.hidden) {
      polling = true
      try {
        await poll()
      } catch (failure) {
        render({ state: 'error', message: failure.message })
      } finally {
        polling = false
      }
    }
    schedule(POLL_MS)
  }

  function schedule(ms) {
    clearTimeout(timer)
    timer = setTimeout(tick, ms)
  }

  return {
    start: () => schedule(0),
    /** Ask now (a label was accepted, the model changed) rather than at the next tick. */
    pollNow: () => schedule(0),
    /** A new API key: try again. */
    unlock() {
      locked = false
      schedule(0)
    },
  }
}
