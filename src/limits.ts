/**
 * Limits every edge applies by default (REST, gRPC and the Kafka bridge), defined once so they agree.
 */

/** Largest text, in UTF-8 bytes, that is classified: a tweet never comes near it. */
export const DEFAULT_MAX_TEXT_BYTES = 64 * 1024
