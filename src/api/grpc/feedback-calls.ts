/**
 * Feedback over gRPC: `Feedback` (one item) and `FeedbackStream` (client streaming). Items get the
 * checks of every feedback channel and go to the same sink and statistics as REST.
 *
 * FeedbackStream accepts items in the order they arrive. While one send to the sink is under way,
 * the items arriving meanwhile gather and go out together in the next send, so a stream costs a
 * round trip to Kafka per send, not per item, and reading pauses while a full batch waits. A bad
 * item stops the reading; the call ends with its error once the items before it are durable.
 */
import { randomUUID } from 'node:crypto'
import { Metadata, type ServerReadableStream, type sendUnaryData, status } from '@grpc/grpc-js'
import type { ModelRegistry } from '../../engine/model-registry.js'
import { type TopicstreamError, toTopicstreamError } from '../../errors.js'
import {
  type FeedbackItem,
  type FeedbackLimits,
  checkFeedback,
  feedbackForModel,
} from '../../learning/feedback.js'
import { type FeedbackIntake, feedbackUnavailable } from '../../learning/feedback-sink.js'
import { countFeedback } from '../metrics.js'
import { type CallContext, throwIfRefused, unaryAsync } from './call-handlers.js'
import type {
  ClassifierServer,
  FeedbackAccepted,
  FeedbackReply,
  FeedbackRequest,
} from './generated/topicstream/v1/classifier.js'
import { toServiceError } from './grpc-errors.js'

/** On a failed FeedbackStream: how many of its items were accepted before the failure. */
export const ACCEPTED_TRAILER = 'topicstream-feedback-accepted'

export interface FeedbackCallsOptions {
  readonly registry: ModelRegistry
  readonly limits: FeedbackLimits
  /** Most items held back while a send is under way; reading pauses at this many. */
  readonly maxBatch: number
  /** Room for the items a FeedbackStream reply lists (under the message size limit). */
  readonly maxReplyBytes: number
  /** Undefined: the server runs without Kafka and refuses feedback. */
  readonly intake: FeedbackIntake | undefined
}

type ModelFeedback = FeedbackItem & { readonly model: string }

type FeedbackCalls = Pick<ClassifierServer, 'feedback' | 'feedbackStream'>

export function createFeedbackCalls(options: FeedbackCallsOptions, context: CallContext): FeedbackCalls {
  const { registry, limits, intake } = options
  const { metrics } = context
  const check = (request: FeedbackRequest): ModelFeedback =>
    feedbackForModel(checkFeedback({ ...request }, limits, randomUUID), registry)
  const refuse = (error: unknown, items: number): TopicstreamError => {
    const ours = toTopicstreamError(error)
    intake?.stats.recordRefused(ours.code, items)
    countFeedback(metrics, 'grpc', items, ours.code)
    return ours
  }
  const accept = (items: readonly ModelFeedback[]): void => {
    intake?.stats.recordAccepted(items.map(({ label }) => label))
    countFeedback(metrics, 'grpc', items.length)
  }

  return {
    feedback(call, callback) {
      unaryAsync('Feedback', call, callback, context, async () => {
        if (intake === undefined) throw refuse(feedbackUnavailable(), 1)
        let item: ModelFeedback
        try {
          item = check(call.request)
        } catch (error) {
          throw refuse(error, 1)
        }
        try {
          await intake.sink.submit([item])
        } catch (error) {
          throw refuse(toTopicstreamError(error, 'ERR_KAFKA_PRODUCE_FAILED'), 1)
        }
        accept([item])
        return reply([item])
      })
    },
    feedbackStream(call, callback) {
      streamFeedback(call, callback, { ...options, context, check, refuse, accept })
    },
  }
}

interface StreamParts extends FeedbackCallsOptions {
  readonly context: CallContext
  readonly check: (request: FeedbackRequest) => ModelFeedback
  readonly refuse: (error: unknown, items: number) => TopicstreamError
  readonly accept: (items: readonly ModelFeedback[]) => void
}

function streamFeedback(
  call: ServerReadableStream<FeedbackRequest, FeedbackReply>,
  callback: sendUnaryData<FeedbackReply>,
  parts: StreamParts,
): void {
  const { context, intake, maxBatch, maxReplyBytes, check, refuse, accept } = parts
  const release = context.streams.open(call)
  // Only what the reply lists is kept, never the texts: a stream may run for millions of items.
  const accepted = replyList(maxReplyBytes)
  let pending: ModelFeedback[] = []
  // Sends and the final answer run in this order, one at a time.
  let queue: Promise<void> = Promise.resolve()
  let reading = true
  let settled = false

  const settle = (error?: unknown): void => {
    if (settled) return
    settled = true
    reading = false
    release()
    if (error === undefined) {
      callback(null, accepted.reply())
      context.metrics.grpcRequests.inc({ method: 'FeedbackStream', code: String(status.OK) })
      return
    }
    const serviceError = toServiceError(error)
    const metadata = serviceError.metadata ?? new Metadata()
    metadata.set(ACCEPTED_TRAILER, String(accepted.count()))
    callback({ ...serviceError, metadata })
    context.metrics.grpcRequests.inc({ method: 'FeedbackStream', code: String(serviceError.code) })
  }
  const stopWith = (error?: unknown): void => {
    reading = false
    queue = queue.then(() => settle(error))
  }
  const sendPending = async (): Promise<void> => {
    if (settled || intake === undefined) return
    const batch = pending
    pending = []
    try {
      await intake.sink.submit(batch)
    } catch (error) {
      // Items that arrived during the failed send are refused with it.
      const refused = batch.length + pending.length
      pending = []
      settle(refuse(toTopicstreamError(error, 'ERR_KAFKA_PRODUCE_FAILED'), refused))
      return
    } finally {
      if (call.isPaused()) call.resume()
    }
    accepted.add(batch)
    accept(batch)
  }

  // Cancelled by the client or cut by a shutdown: nobody waits for an answer.
  call.on('cancelled', () => {
    settled = true
    reading = false
    release()
  })
  call.on('error', () => undefined)
  try {
    context.authorize(call.metadata)
  } catch (error) {
    settle(error)
    return
  }
  if (intake === undefined) {
    settle(refuse(feedbackUnavailable(), 1))
    return
  }
  call.on('data', (request: FeedbackRequest) => {
    if (!reading) return
    let item: ModelFeedback
    try {
      throwIfRefused(request)
    } catch (error) {
      stopWith(error)
      return
    }
    try {
      item = check(request)
    } catch (error) {
      stopWith(refuse(error, 1))
      return
    }
    pending.push(item)
    if (pending.length === 1) queue = queue.then(sendPending)
    if (pending.length >= maxBatch) call.pause()
  })
  call.on('end', () => {
    if (reading) stopWith()
  })
}

function reply(items: readonly ModelFeedback[]): FeedbackReply {
  return { accepted: items.length, items: items.map(replyItem) }
}

function replyItem({ id, label, model }: ModelFeedback): FeedbackAccepted {
  return { id, label: String(label), model }
}

/** What encoding one listed item adds beyond its strings (tags and lengths), at most. */
const LISTED_ITEM_OVERHEAD_BYTES = 16

/**
 * The accepted items a stream's reply lists: the first ones, as many as fit in `maxBytes`, so that
 * the reply never outgrows the message size limit; `count` goes on counting them all.
 */
function replyList(maxBytes: number): {
  add(items: readonly ModelFeedback[]): void
  count(): number
  reply(): FeedbackReply
} {
  const listed: FeedbackAccepted[] = []
  let count = 0
  let bytes = 0
  let full = false
  return {
    add(items) {
      count += items.length
      for (const item of items) {
        if (full) return
        const entry = replyItem(item)
        const size =
          LISTED_ITEM_OVERHEAD_BYTES +
          Buffer.byteLength(entry.id) +
          Buffer.byteLength(entry.label) +
          Buffer.byteLength(entry.model)
        if (bytes + size > maxBytes) full = true
        else {
          bytes += size
          listed.push(entry)
        }
      }
    },
    count: () => count,
    reply: () => ({ accepted: count, items: listed }),
  }
}
