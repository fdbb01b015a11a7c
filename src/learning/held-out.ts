/**
 * Which feedback items are held out: never trained on, only used to compare the live model with
 * the candidate. The choice is a function of the item's id alone, so every replay of the feedback
 * topic (a restarted learner, another machine) holds out the same items.
 */
import { murmurhash3 } from '../engine/murmurhash3.js'

const encoder = new TextEncoder()
// A seed of its own: the hashing vectorizer hashes with seed 0, and the held-out share must not
// line up with any feature column.
const HELD_OUT_SEED = 0x5eed

/** One item in `every` is held out (`every` ≥ 2); 0 or 1 holds none out. */
export function isHeldOut(id: string, every: number): boolean {
  if (every < 2) return false
  const bytes = encoder.encode(id)
  return (murmurhash3(bytes, 0, bytes.length, HELD_OUT_SEED) >>> 0) % every === 0
}
