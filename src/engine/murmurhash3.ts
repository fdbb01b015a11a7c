/**
 * MurmurHash3 x86 32-bit (Austin Appleby's reference `MurmurHash3_x86_32`) over a range of bytes:
 * what scikit-learn's `murmurhash3_32(key, seed, positive=False)` returns for the UTF-8 bytes of
 * `key`, a signed 32-bit integer.
 *
 * Written here rather than taken from npm: `murmurhash3js-revisited` and `murmurhash` give the same
 * values but hash a whole array, so every token would need a `subarray` view, and measured 3–7×
 * slower per token on the Sanders terms (the former also checks every byte unless a module-wide
 * flag is turned off); `imurmurhash` hashes UTF-16 units, which differs from UTF-8 on any
 * non-ASCII text.
 */

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

/** The hash of `bytes[start, end)`, as a signed 32-bit integer. */
export function murmurhash3(bytes: Uint8Array, start: number, end: number, seed = 0): number {
  const length = end - start
  const blocks = start + (length & ~3)
  let h = seed | 0
  let i = start
  for (; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
    k = Math.imul(k, C1)
    k = Math.imul((k << 15) | (k >>> 17), C2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const tail = length & 3
  if (tail !== 0) {
    let k = bytes[i]
    if (tail > 1) k |= bytes[i + 1] << 8
    if (tail > 2) k |= bytes[i + 2] << 16
    k = Math.imul(k, C1)
    h ^= Math.imul((k << 15) | (k >>> 17), C2)
  }
  h ^= length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}
