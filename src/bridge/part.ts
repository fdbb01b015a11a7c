/** The bridge as a part of a process. */
import type { Part } from '../runtime/part.js'
import type { Bridge } from './bridge.js'

export function bridgePart(bridge: Bridge): Part {
  return {
    name: 'the bridge',
    start: () => bridge.start(),
    // The bridge bounds its own stop (finishing the batch in flight, then leaving the group).
    stop: () => bridge.stop(),
  }
}
