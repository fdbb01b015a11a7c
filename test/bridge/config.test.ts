import { describe, expect, it } from 'vitest'
import { DEFAULT_BRIDGE_CONFIG, resolveBridgeConfig } from '../../src/bridge/config.js'
import { BRIDGE_KAFKA_OPTIONS } from '../../src/bridge/options.js'

describe('resolveBridgeConfig', () => {
  it('fills the defaults, keeps what is given (undefined keeps the default) and freezes', () => {
    const config = resolveBridgeConfig({ inputTopic: 'in', exactlyOnce: true, groupId: undefined })
    expect(config).toEqual({ ...DEFAULT_BRIDGE_CONFIG, inputTopic: 'in', exactlyOnce: true })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.brokers)).toBe(true)
  })

  it('refuses no brokers and topics that coincide', () => {
    expect(() => resolveBridgeConfig({ brokers: [] })).toThrow(/At least one Kafka broker/)
    expect(() => resolveBridgeConfig({ outputTopic: 'tweets' })).toThrow(
      /input, output and dead-letter topics must differ/,
    )
  })

  it('is where the option table takes its defaults from', () => {
    expect(BRIDGE_KAFKA_OPTIONS.partitions.default).toBe(DEFAULT_BRIDGE_CONFIG.partitions)
    expect(BRIDGE_KAFKA_OPTIONS.inputTopic.default).toBe(DEFAULT_BRIDGE_CONFIG.inputTopic)
    expect(BRIDGE_KAFKA_OPTIONS.maxTextBytes.default).toBe(DEFAULT_BRIDGE_CONFIG.maxTextBytes)
  })
})
