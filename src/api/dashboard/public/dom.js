/* global document */
// What every part of the page builds its elements and figures with. Untrusted text only ever goes
// through textContent, never parsed as HTML.

const SVG = 'http://www.w3.org/2000/svg'

export const $ = (id) => document.getElementById(id)

export function el(tag, className, text) {
  const node = document.createElement(tag)
  if (className) node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

export function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag)
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value))
  return node
}

export const formatPct = (value) =>
  value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`
export const formatInt = (value) =>
  value === null || value === undefined ? '—' : value.toLocaleString('en-US')

/**
 * Whether someone is using `node`: the pointer over it or the focus in it. A list that moves under
 * the pointer cannot be clicked, so its updates wait; `onRelease` runs when the use ends.
 */
export function holdWhileUsed(node, onRelease) {
  let pointer = false
  // The focus is looked up, not tracked: a focused control that is removed fires no event.
  const held = () => pointer || node.contains(document.activeElement)
  node.addEventListener('pointerenter', () => (pointer = true))
  node.addEventListener('pointerleave', () => {
    pointer = false
    if (!held()) onRelease()
  })
  node.addEventListener('focusout', (event) => {
    // Focus moving between two controls of the node is still a use of it.
    if (!pointer && !node.contains(event.relatedTarget)) onRelease()
  })
  return held
}
