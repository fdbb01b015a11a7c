import { describe, expect, it } from 'vitest'
import { hashedColumn } from '../../src/engine/hashing-vectorizer.js'
import { murmurhash3 } from '../../src/engine/murmurhash3.js'

// [key, seed 0, seed 42], from scikit-learn 1.9.1:
//   .venv/bin/python -c "from sklearn.utils.murmurhash import murmurhash3_32 as m; \
//     print([[k, m(k, 0), m(k, 42)] for k in ['', 'a', 'ab', ...]])"
// (str keys are hashed as their UTF-8 bytes; the result is signed, positive=False).
const VECTORS: ReadonlyArray<readonly [string, number, number]> = [
  ['', 0, 142593372],
  ['a', 1009084850, -1293573533],
  ['ab', -1681926305, -684913081],
  ['abc', -1277324294, 1313807976],
  ['abcd', 1139631978, -396302900],
  ['abcde', -392455434, -1361433616],
  ['foo', -156908512, -1322301282],
  ['hello world', 1586663183, -368272391],
  ['iphone4s', -1457818420, -1149993912],
  ['é', 269551495, 1023967903],
  ['naïve', 992511445, -1984804414],
  ['σς', 1005583142, -941896812],
  ['東京', -1765863102, 1062145983],
  ['😀', -1095487750, 1877935379],
  ['𝐁𝐨𝐥𝐝', 345951798, -253648057],
  ['rt @apple', -1179822623, -535336955],
]

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('murmurhash3 (x86, 32-bit)', () => {
  it.each(VECTORS)('hashes the UTF-8 bytes of %j like scikit-learn', (key, seed0, seed42) => {
    const bytes = utf8(key)
    expect(murmurhash3(bytes, 0, bytes.length)).toBe(seed0)
    expect(murmurhash3(bytes, 0, bytes.length, 42)).toBe(seed42)
  })

  it('hashes a range of a larger buffer as if it stood alone', () => {
    const bytes = utf8('xx hello world yy')
    expect(murmurhash3(bytes, 3, 14)).toBe(1586663183)
    expect(murmurhash3(bytes, 3, 3)).toBe(0)
  })

  // The 4 bytes were solved for by inverting the hash; scikit-learn confirms:
  //   murmurhash3_32(bytes([85, 7, 111, 131]), 0) == -2147483648, and FeatureHasher(n_features=n,
  //   input_type='string', alternate_sign=False) puts them in column 0 for 2**18 and 2**20, 648 for
  //   1000 and 2 for 7.
  it('reaches −2^31, whose column scikit-learn special-cases', () => {
    const hash = murmurhash3(new Uint8Array([85, 7, 111, 131]), 0, 4)
    expect(hash).toBe(-(2 ** 31))
    expect([2 ** 18, 2 ** 20, 1000, 7].map((n) => hashedColumn(hash, n))).toEqual([0, 0, 648, 2])
  })

  it('maps hashes to columns as abs(h) % n', () => {
    expect(hashedColumn(-156908512, 2 ** 20)).toBe(156908512 % 2 ** 20)
    expect(hashedColumn(1009084850, 1000)).toBe(850)
    expect(hashedColumn(0, 16)).toBe(0)
  })
})
