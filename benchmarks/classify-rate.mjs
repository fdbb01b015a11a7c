// How fast a loaded model classifies single texts, the way a server calls it: shared by the engine
// benchmark and the load tests' calibration.

/** CPU time of this process, in ms: the figure stays meaningful on a busy machine. */
export function cpuMs() {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * Texts per second of CPU time, one `classify` call each, cycling through `texts`. A warm-up first
 * (a second by default), so the JIT has compiled the hot path and the model's pages are resident.
 */
export function classifyRate(classifier, texts, measureMs = 3000, warmUpMs = 1000) {
  const warmUp = cpuMs()
  while (cpuMs() - warmUp < warmUpMs) for (const text of texts) classifier.classify(text)
  let calls = 0
  const start = cpuMs()
  while (cpuMs() - start < measureMs) {
    for (const text of texts) classifier.classify(text)
    calls += texts.length
  }
  return calls / ((cpuMs() - start) / 1000)
}
