/**
 * The stream monitor: one set of statistics per channel and model, compared with the model's
 * held-out reference when it has one, carried over model versions with the same classes.
 */
import { describe, expect, test } from 'vitest'
import { evaluateModel, trainClassifier } from '../../src/engine/index.js'
import { TextClassifier } from '../../src/engine/text-classifier.js'
import { CALIBRATION_BANDS } from '../../src/engine/types.js'
import { createStreamMonitor, streamBaseline, trainingMix } from '../../src/health/stream-monitor.js'
import { FOOD, SPORTS, TECH } from '../api/helpers.js'

const CLASSES = ['food', 'sports', 'tech']
const TEXTS = [...FOOD, ...SPORTS, ...TECH]
const TARGETS = [...FOOD.map(() => 0), ...SPORTS.map(() => 1), ...TECH.map(() => 2)]

function train(extraSports = 0): TextClassifier {
  const sports = Array.from({ length: extraSports }, (_, i) => SPORTS[i % SPORTS.length] as string)
  return trainClassifier(
    { texts: [...TEXTS, ...sports], targets: [...TARGETS, ...sports.map(() => 1)], classes: CLASSES },
    {},
    { source: 'test:monitor', fingerprint: 'monitor' },
  )
}

function withReference(model: TextClassifier): TextClassifier {
  const { reference } = evaluateModel(model, {
    texts: TEXTS,
    targets: Int32Array.from(TARGETS),
    classes: CLASSES,
  })
  const { state } = model
  return new TextClassifier({ ...state, metadata: { ...state.metadata, reference } })
}

function observeAll(
  monitor: ReturnType<typeof createStreamMonitor>,
  model: TextClassifier,
  texts: readonly string[],
) {
  const ref = { name: 'm', version: model.metadata.version }
  for (const text of texts) monitor.observe('bridge', model, ref, model.classify(text), text)
  return ref
}

describe('streamBaseline', () => {
  test('is the held-out reference when the model has one, else the training mix and no calibration', () => {
    const plain = train(6)
    expect(streamBaseline(plain)).toEqual({ mix: trainingMix(plain), calibration: undefined })
    const counts = Array.from(plain.state.classCount)
    expect(trainingMix(plain)).toEqual(counts.map((count) => count / counts.reduce((a, b) => a + b)))

    const referenced = withReference(plain)
    const reference = referenced.metadata.reference
    expect(reference?.predictedMix).toHaveLength(CLASSES.length)
    expect(reference?.calibration).toHaveLength(CALIBRATION_BANDS)
    expect(streamBaseline(referenced)).toEqual({
      mix: reference?.predictedMix,
      calibration: reference?.calibration,
    })
  })
})

describe('createStreamMonitor', () => {
  test('keeps one stream per channel and model, and reports nothing before the first record', () => {
    const monitor = createStreamMonitor({ now: () => 1_000 })
    expect(monitor.snapshots()).toEqual([])
    const model = train()
    const ref = observeAll(monitor, model, SPORTS)
    monitor.observe('api', model, ref, model.classify(FOOD[0] as string), FOOD[0] as string)
    const streams = monitor.snapshots('m')
    expect(streams.map((stream) => [stream.channel, stream.window.records])).toEqual([
      ['bridge', SPORTS.length],
      ['api', 1],
    ])
    expect(monitor.snapshots('other')).toEqual([])
  })

  test('estimates accuracy through the calibration of a model with a reference', () => {
    const model = withReference(train())
    const monitor = createStreamMonitor({ now: () => 1_000 })
    observeAll(monitor, model, TEXTS)
    const [stream] = monitor.snapshots()
    const calibration = model.metadata.reference?.calibration ?? []
    // Every text is a training text the model gets right: each confidence band it falls in has
    // accuracy 1, so the estimate is 1, whatever the confidences are.
    expect(calibration.filter((accuracy) => accuracy !== null)).toEqual(
      calibration.filter((accuracy) => accuracy !== null).map(() => 1),
    )
    expect(stream?.window.estimatedAccuracy).toBe(1)
    expect(stream?.window.confidence.mean).toBeLessThan(1)
  })

  test('a new version with the same classes keeps the window; other classes start a new one', () => {
    const monitor = createStreamMonitor({ now: () => 1_000 })
    observeAll(monitor, train(), SPORTS)
    observeAll(monitor, train(4), FOOD)
    expect(monitor.snapshots()[0]?.window.records).toBe(SPORTS.length + FOOD.length)
    expect(monitor.snapshots()[0]?.model.version).toBe(train(4).metadata.version)

    const fewer = trainClassifier(
      {
        texts: [...FOOD, ...SPORTS],
        targets: [...FOOD.map(() => 0), ...SPORTS.map(() => 1)],
        classes: ['food', 'sports'],
      },
      {},
      { source: 'test:monitor', fingerprint: 'fewer' },
    )
    observeAll(monitor, fewer, TECH)
    expect(monitor.snapshots()[0]?.window.records).toBe(TECH.length)
  })
})

describe('evaluateModel reference', () => {
  test('is the share of each predicted class and the accuracy per confidence band', () => {
    const model = train()
    const documents = {
      // Two training texts under the wrong label: two mistakes.
      texts: [...TEXTS, FOOD[0] as string, TECH[0] as string],
      targets: Int32Array.from([...TARGETS, 1, 0]),
      classes: CLASSES,
    }
    const { reference, accuracy } = evaluateModel(model, documents)
    const results = documents.texts.map((text) => model.classify(text, { topK: 1 }))
    const predicted = results.map((result) => CLASSES.indexOf(result.label as string))
    expect(reference.documents).toBe(documents.texts.length)
    expect(reference.predictedMix).toEqual(
      CLASSES.map((_, c) => predicted.filter((p) => p === c).length / documents.texts.length),
    )
    const bands = Array.from({ length: CALIBRATION_BANDS }, () => ({ right: 0, all: 0 }))
    results.forEach((result, i) => {
      const band = bands[Math.min(CALIBRATION_BANDS - 1, Math.floor(result.confidence * CALIBRATION_BANDS))]!
      band.all++
      if (predicted[i] === documents.targets[i]) band.right++
    })
    expect(reference.calibration).toEqual(bands.map(({ right, all }) => (all === 0 ? null : right / all)))
    expect(accuracy).toBe((documents.texts.length - 2) / documents.texts.length)
  })
})
