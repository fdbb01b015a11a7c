/**
 * What the benchmark baselines answer instead of classifying (the echo routes and the bridge
 * benchmark's pass-through). Never imported by production code.
 */
import type { AttributedClassification } from '../../engine/model-registry.js'
import type { Classification } from '../../engine/types.js'

/**
 * What the benchmark echo routes answer: a typical classification of a tweet by the 20 Newsgroups
 * model, so both routes serialise the same kind of bytes (label lengths, 17-digit probabilities,
 * a 16-hex version), only without the engine.
 */
export const ECHO_RESULT: AttributedClassification = Object.freeze({
  label: 'comp.sys.mac.hardware',
  confidence: 0.17919674117330148,
  abstained: false,
  top_k: Object.freeze(
    (
      [
        ['comp.sys.mac.hardware', 0.17919674117330148],
        ['comp.os.ms-windows.misc', 0.1032867584183111],
        ['comp.sys.ibm.pc.hardware', 0.07880707294956162],
      ] as const
    ).map(([label, probability]) => Object.freeze({ label, probability })),
  ),
  model: Object.freeze({ name: 'echo', version: '3515d50d08afee9a' }),
})

/**
 * `result`'s label and probabilities, fresh, the probabilities moved in their last digits by `sequence`, for
 * the benchmark baselines (echo routes, the bridge's pass-through). V8 keeps the strings of
 * recently formatted numbers, so answering the same doubles every time would serialise them almost
 * for free, while a real answer's are new each time (profiled under load: number formatting took
 * 3.7% of the server's time answering classify and 0.3% answering a constant echo).
 */
export function withFreshProbabilities(result: Classification, sequence: number): Classification {
  const shift = 1 + (sequence % 1_000_000) * 1e-13
  // Field by field, not spread: spreading an object that holds a double is V8's slow path.
  return {
    label: result.label,
    confidence: result.confidence * shift,
    abstained: result.abstained,
    top_k: result.top_k.map(({ label, probability }) => ({ label, probability: probability * shift })),
  }
}
