/** Result records exactly as the bridge writes them, for the output feed tests. */
import { buildResult } from '../../../src/bridge/records.js'

const classification = {
  label: 'sci.space',
  confidence: 0.8,
  abstained: false,
  top_k: [
    { label: 'sci.space', probability: 0.8 },
    { label: 'sci.med', probability: 0.2 },
  ],
  model: { name: '20news', version: 'v1' },
}

/** A result value exactly as the bridge writes it. */
export function bridgeResult(id: string, produced: number, trueLabel?: string): string {
  return JSON.stringify(
    buildResult({ id, text: `text ${id}`, ...(trueLabel ? { label: trueLabel } : {}) }, classification, {
      topic: 'tweets',
      partition: 0,
      offset: '7',
      timestamp: String(produced),
      classifiedAt: new Date(produced + 5).toISOString(),
    }),
  )
}
