/* global document */
// The review queue: of the last few hundred records, those the model was least sure of, as the
// server picks them (abstentions, then the lowest confidence). Labelled records leave it.
import { $, holdWhileUsed } from './dom.js'

const SHOWN = 10

/** `render(record)` builds a record's list item; `isLabelled(seq)` says whether the page labelled it. */
export function createReviewQueue({ render, isLabelled }) {
  const list = $('review')
  let candidates = []
  let shown = []
  const held = holdWhileUsed(list, draw)

  function draw() {
    const next = candidates.filter((record) => !isLabelled(record.seq)).slice(0, SHOWN)
    // Quiet when nothing changed: redrawing would also drop what a reviewer was typing.
    if (next.length !== shown.length || next.some((record, i) => record.seq !== shown[i])) {
      list.replaceChildren(...next.map(render))
      shown = next.map((record) => record.seq)
    }
    $('review-empty').hidden = next.length > 0
  }

  return {
    /** The server's latest queue, least sure first. */
    update(records) {
      candidates = records
      if (!held()) draw()
    },
    /** A record was labelled (here or in the feed): it leaves at once; the others wait to be let go. */
    labelled(seq, label) {
      const item = list.querySelector(`li[data-seq="${seq}"]`)
      if (item === null) return
      const focused = item.contains(document.activeElement)
      const neighbour = item.nextElementSibling ?? item.previousElementSibling
      item.remove()
      shown = shown.filter((other) => other !== seq)
      if (focused) (neighbour?.querySelector('button') ?? $('review-title')).focus()
      if (!held()) draw()
      $('review-status').textContent = `Accepted “${label}”: it left the queue.`
    },
  }
}
