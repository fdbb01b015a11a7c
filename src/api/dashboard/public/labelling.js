/* global document */
// Labelling a record, in the live feed or the review queue: ✓ sends the label the model gave (for
// an abstention, the class it leaned to), ✎ opens a field to pick the right one among the known
// labels or type a new one. The label goes to POST /v1/feedback with the record's id, text and
// model, exactly as any other client sends feedback.
import { $, el } from './dom.js'

/**
 * `api(path, init)` resolves `{ status, ok, body }` and has already asked for a key on a 401.
 * `onLabelled(seq, label)` runs once a label was accepted.
 */
export function createLabelling({ api, onLabelled }) {
  // The page's own labels, by the server's record number: a record labelled here shows as labelled
  // wherever it appears again (the feed, the queue, after a reconnect).
  const labelled = new Map()
  let known = []

  /** The labels the type-ahead offers: the model's classes and those already given as feedback. */
  function setKnownLabels(labels) {
    const next = [...new Set(labels.map(String))].sort((a, b) => a.localeCompare(b))
    if (next.length === known.length && next.every((label, i) => label === known[i])) return
    known = next
    $('known-labels').replaceChildren(
      ...next.map((label) => {
        const option = el('option')
        option.value = label
        return option
      }),
    )
  }

  /** The whole text: the stream cuts long ones for display, and feedback must carry what was classified. */
  async function wholeText(record) {
    if (!record.cut) return record.text
    const { ok, status, body } = await api(`/dashboard/records/${record.seq}`)
    if (!ok) throw new Error(body?.error?.message ?? `HTTP ${status}`)
    return body.text
  }

  async function send(record, label) {
    const item = {
      text: await wholeText(record),
      label,
      ...(record.id ? { id: record.id } : {}),
      ...(record.model ? { model: record.model } : {}),
    }
    const { ok, status, body } = await api('/v1/feedback', { method: 'POST', body: item })
    if (status === 401) throw new Error('This server needs an API key: enter it above, then label again.')
    if (!ok) throw new Error(body?.error?.message ?? `HTTP ${status}`)
    return String(body.items?.[0]?.label ?? label)
  }

  function showAccepted(box, label) {
    const focused = box.contains(document.activeElement)
    const outcome = el('span', 'outcome ok', `✓ accepted: ${label}`)
    outcome.setAttribute('role', 'status')
    box.replaceChildren(outcome)
    box.dataset.state = 'labelled'
    // The button pressed is gone: keep keyboard users where they were.
    if (focused) {
      box.tabIndex = -1
      box.focus()
    }
  }

  function accepted(seq, label) {
    labelled.set(seq, label)
    for (const box of document.querySelectorAll(`.labeller[data-seq="${seq}"]`)) showAccepted(box, label)
    onLabelled(seq, label)
  }

  /** The controls of one record. */
  function controls(record) {
    const box = el('div', 'labeller')
    box.dataset.seq = String(record.seq)
    box.setAttribute('role', 'group')
    box.setAttribute('aria-label', 'Label this record')
    if (labelled.has(record.seq)) {
      showAccepted(box, labelled.get(record.seq))
      return box
    }
    const confirm = button('confirm', '✓', `Confirm ${record.abstained ? 'the guess ' : ''}${record.label}`)
    confirm.title = `Right: send ${record.label} as its label`
    const correct = button('correct', '✎', 'Correct the label')
    correct.title = 'Wrong: give the right label'
    correct.setAttribute('aria-expanded', 'false')
    const form = el('form', 'relabel')
    form.hidden = true
    const input = el('input')
    input.setAttribute('list', 'known-labels')
    input.name = 'label'
    input.maxLength = 256
    input.autocomplete = 'off'
    input.placeholder = 'right label'
    input.setAttribute('aria-label', 'Right label: pick one or type a new one')
    const submit = el('button', 'send', 'Send')
    submit.type = 'submit'
    form.append(input, submit)
    const outcome = el('span', 'outcome')
    outcome.setAttribute('role', 'status')
    box.append(confirm, correct, form, outcome)

    const busy = (on) => {
      for (const control of [confirm, correct, input, submit]) control.disabled = on
    }
    const open = (on) => {
      form.hidden = !on
      correct.setAttribute('aria-expanded', String(on))
      if (on) input.focus()
    }
    async function label(value) {
      busy(true)
      outcome.className = 'outcome'
      outcome.textContent = 'sending…'
      try {
        accepted(record.seq, await send(record, value))
      } catch (failure) {
        busy(false)
        outcome.className = 'outcome error'
        outcome.textContent = failure.message
      }
    }

    confirm.addEventListener('click', () => label(record.label))
    correct.addEventListener('click', () => open(form.hidden))
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return
      open(false)
      correct.focus()
    })
    // A label the model does not know yet becomes a new class: say so before it is sent.
    input.addEventListener('input', () => {
      const value = input.value.trim()
      submit.textContent = value === '' || known.includes(value) ? 'Send' : 'Send new label'
    })
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const value = input.value.trim()
      if (value === '') {
        outcome.className = 'outcome error'
        outcome.textContent = 'Pick or type a label first.'
        input.focus()
        return
      }
      label(value)
    })
    return box
  }

  return {
    controls,
    setKnownLabels,
    isLabelled: (seq) => labelled.has(seq),
  }
}

function button(className, text, label) {
  const node = el('button', className, text)
  node.type = 'button'
  node.setAttribute('aria-label', label)
  return node
}
