import { describe, expect, it } from 'vitest'
import { DEFAULT_PRODUCER_CONFIG, resolveProducerConfig } from '../../src/producer/config.js'

describe('resolveProducerConfig', () => {
  it('fills the defaults, keeps what is given (undefined keeps the default) and freezes', () => {
    const config = resolveProducerConfig({ source: 'stdin', rate: 20, topic: undefined })
    expect(config).toEqual({ ...DEFAULT_PRODUCER_CONFIG, source: 'stdin', rate: 20 })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.brokers)).toBe(true)
    expect(DEFAULT_PRODUCER_CONFIG.partitions).toBe(3)
  })

  it.each([
    [{ source: '' }, 'A source is required'],
    [{ source: 'stdin', brokers: [] }, 'At least one Kafka broker'],
    [{ source: 'stdin', rate: -1 }, 'The rate must be 0 or more'],
    [{ source: 'stdin', rate: Number.NaN }, 'The rate must be 0 or more'],
    [{ source: 'stdin', partitions: 0 }, 'Partitions must be a whole number'],
  ])('refuses %j', (config, message) => {
    expect(() => resolveProducerConfig(config)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringContaining(message) }),
    )
  })
})
