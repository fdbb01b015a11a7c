import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/runtime/logger.js'

function sink(): { destination: Writable; text: () => string } {
  const chunks: string[] = []
  return {
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString())
        done()
      },
    }),
    text: () => chunks.join(''),
  }
}

describe('createLogger', () => {
  it('writes one JSON object per line, at or above its level, with pino field names', () => {
    const out = sink()
    const logger = createLogger({ level: 'info', destination: out.destination, name: 'bridge' })
    logger.debug('hidden')
    logger.info({ partitions: [0, 1] }, 'Bridge joined the consumer group')
    const lines = out.text().trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 30,
      name: 'bridge',
      partitions: [0, 1],
      msg: 'Bridge joined the consumer group',
    })
  })

  it('never writes credentials', () => {
    const out = sink()
    const logger = createLogger({ level: 'info', destination: out.destination })
    logger.info({ req: { headers: { authorization: 'Bearer s3cret' } }, apiKey: 'k3y' }, 'request')
    expect(out.text()).not.toContain('s3cret')
    expect(out.text()).not.toContain('k3y')
    expect(out.text()).toContain('[Redacted]')
  })

  it('writes human lines only when asked for', () => {
    const out = sink()
    createLogger({ level: 'info', format: 'pretty', destination: out.destination }).info('listening')
    expect(out.text()).toMatch(/INFO.*listening/)
    expect(() => JSON.parse(out.text())).toThrow()
  })
})
