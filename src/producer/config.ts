/**
 * The producer's settings: `resolveProducerConfig` fills every default (written once, here), checks
 * them and freezes the result. `produce`'s option table takes its defaults from here.
 */
import { withDefaults } from '../config.js'
import { TopicstreamError } from '../errors.js'
import { DEFAULT_BROKERS, DEFAULT_INPUT_TOPIC, DEFAULT_TOPIC_PARTITIONS } from '../kafka/defaults.js'
import { DEFAULT_KEYWORDS, DEFAULT_TWITTER_API_URL } from './sources/defaults.js'

export interface ProducerConfig {
  readonly brokers: readonly string[]
  readonly topic: string
  /** `replay:FILE`, `stdin`, `twitter` or `20news-test[:PATH]`. */
  readonly source: string
  /** Records per second, evenly spaced; 0 sends as fast as possible. */
  readonly rate: number
  /** Start the file or the test split again at its end. */
  readonly loop: boolean
  /** Partitions of the topic when it has to be created. */
  readonly partitions: number
  /** twitter: one filtered-stream rule per keyword. */
  readonly keywords: readonly string[]
  readonly twitterApiUrl: string
  readonly bearerToken: string | undefined
}

export const DEFAULT_PRODUCER_CONFIG: Omit<ProducerConfig, 'source'> = Object.freeze({
  brokers: DEFAULT_BROKERS,
  topic: DEFAULT_INPUT_TOPIC,
  rate: 0,
  loop: false,
  partitions: DEFAULT_TOPIC_PARTITIONS,
  keywords: DEFAULT_KEYWORDS,
  twitterApiUrl: DEFAULT_TWITTER_API_URL,
  bearerToken: undefined,
})

export function resolveProducerConfig(
  config: Partial<ProducerConfig> & Pick<ProducerConfig, 'source'>,
): ProducerConfig {
  const result = withDefaults<ProducerConfig>({ ...DEFAULT_PRODUCER_CONFIG, source: config.source }, config)
  const invalid = (message: string): TopicstreamError => new TopicstreamError('ERR_CONFIG_INVALID', message)
  if (result.brokers.length === 0) throw invalid('At least one Kafka broker (host:port) is required')
  if (result.source === '') throw invalid('A source is required')
  if (!(result.rate >= 0) || !Number.isFinite(result.rate))
    throw invalid(`The rate must be 0 or more, got ${result.rate}`)
  if (!Number.isInteger(result.partitions) || result.partitions < 1) {
    throw invalid(`Partitions must be a whole number of at least 1, got ${result.partitions}`)
  }
  return Object.freeze({ ...result, brokers: Object.freeze([...result.brokers]) })
}
