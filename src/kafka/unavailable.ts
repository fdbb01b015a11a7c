/**
 * The broker's error codes that mean "a leader or coordinator is moving or starting": the cluster is
 * not usable right now, and asking again will do. Both adapters report them as ERR_KAFKA_UNAVAILABLE,
 * retriable. These are the names both client libraries use; each adapter adds its library's names
 * for the codes Kafka renamed (kafkajs keeps the older ones).
 */
export const UNAVAILABLE_BROKER_ERRORS: readonly string[] = [
  'LEADER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NOT_CONTROLLER',
  'KAFKA_STORAGE_ERROR',
]
