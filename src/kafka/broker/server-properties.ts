/**
 * `server.properties` of a single-node KRaft broker (broker and controller in one JVM), tuned for a
 * laptop or CI: every internal topic has one replica, and memory-hungry defaults are cut down.
 */

export interface ServerSettings {
  readonly host: string
  readonly port: number
  readonly controllerPort: number
  /** Absolute directory of the partition logs and the KRaft metadata log. */
  readonly logDir: string
}

export function renderServerProperties(settings: ServerSettings): string {
  const { host, port, controllerPort, logDir } = settings
  const entries: ReadonlyArray<readonly [string, string | number]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@${host}:${controllerPort}`],
    ['listeners', `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${host}:${port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', logDir],
    ['num.partitions', 1],
    ['default.replication.factor', 1],
    ['min.insync.replicas', 1],
    // The defaults (3 replicas, min ISR 2) can never be met by one node: group offsets and
    // InitProducerId (idempotent and transactional producers) would time out.
    ['offsets.topic.replication.factor', 1],
    ['offsets.topic.num.partitions', 8],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['transaction.state.log.num.partitions', 4],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    ['share.coordinator.state.topic.num.partitions', 1],
    // Consumers of a fresh group start at once instead of waiting 3 s for more members.
    ['group.initial.rebalance.delay.ms', 0],
    // The cleaner allocates this buffer on the heap at start (128 MiB by default).
    ['log.cleaner.dedupe.buffer.size', 4 * 1024 * 1024],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
    ['log.retention.hours', 24],
    ['log.segment.bytes', 64 * 1024 * 1024],
  ]
  return `# Written by topicstream on each start; edits are overwritten.\n${entries.map(([key, value]) => `${key}=${value}`).join('\n')}\n`
}

/** Reads back the client and controller ports of a properties file written above. */
export function parseListenerPorts(
  properties: string,
): { host: string; port: number; controllerPort: number } | undefined {
  const listeners = /^listeners=(.*)$/m.exec(properties)?.[1]
  if (listeners === undefined) return undefined
  const plain = /PLAINTEXT:\/\/([^:,]+):(\d+)/.exec(listeners)
  const controller = /CONTROLLER:\/\/[^:,]+:(\d+)/.exec(listeners)
  if (!plain?.[1] || !plain[2] || !controller?.[1]) return undefined
  return { host: plain[1], port: Number(plain[2]), controllerPort: Number(controller[1]) }
}
