/**
 * What the parts of the @platformatic/kafka client share: the options every library client is
 * created with, the logger at the client's level, the consumers by group, and the connection
 * events and reachability check all clients have.
 */
import type {
  Admin,
  BaseOptions,
  ClusterMetadata,
  Consumer,
  Producer,
  RetryDelayGetter,
} from '@platformatic/kafka'
import type { KafkaClientOptions, KafkaLogger, KafkaLogLevel } from '../types.js'

const LOG_RANK: Record<KafkaLogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 }

const backoff: RetryDelayGetter = (_client, _operation, attempt) => Math.min(10_000, 300 * 2 ** (attempt - 1))

export interface Context {
  readonly options: KafkaClientOptions
  readonly base: BaseOptions
  readonly log: (level: Exclude<KafkaLogLevel, 'silent'>, fields: object, message: string) => void
  /** Consumers of this client by group, for transactions that commit a group's offsets. */
  readonly groups: Map<string, Consumer>
}

export function createContext(options: KafkaClientOptions): Context {
  const limit = LOG_RANK[options.logLevel ?? 'info']
  const logger: KafkaLogger | undefined = options.logger
  return {
    options,
    base: {
      clientId: options.clientId ?? 'topicstream',
      bootstrapBrokers: [...options.brokers],
      connectTimeout: options.connectionTimeoutMs ?? 3000,
      timeout: 30_000,
      retries: options.retries ?? 8,
      retryDelay: backoff,
      autocreateTopics: false,
    },
    log: (level, fields, message) => {
      if (logger !== undefined && LOG_RANK[level] <= limit) logger[level](fields, message)
    },
    groups: new Map(),
  }
}

/** Library connection events → the logger (debug), so what the client does is visible. */
export function forwardEvents(context: Context, client: Producer | Consumer | Admin, name: string): void {
  client.on('client:broker:connect', (payload) =>
    context.log('debug', { kafka: name, broker: payload.broker }, 'Connected to broker'),
  )
  client.on('client:broker:disconnect', (payload) =>
    context.log('debug', { kafka: name, broker: payload.broker }, 'Disconnected from broker'),
  )
  client.on('client:broker:failed', (payload) =>
    context.log('warn', { kafka: name, broker: payload.broker }, 'Connection to broker failed'),
  )
}

/** Reachability check: the cluster's metadata, with the client's bounded retries. */
export async function reach(context: Context, client: Producer | Consumer | Admin): Promise<ClusterMetadata> {
  return client.metadata({ topics: [], retries: context.options.retries ?? 8 })
}
