/**
 * Feedback end to end on the run's broker: a server whose sink is the Kafka feedback sink takes a
 * REST batch, a gRPC item and a gRPC stream; a real consumer reads the feedback topic back, and
 * every record's key and value must be what was accepted, in the order it was accepted.
 */
import { Metadata, type ServiceError, credentials } from '@grpc/grpc-js'
import { afterAll, describe, expect, onTestFinished, test } from 'vitest'
import {
  ClassifierClient,
  type FeedbackReply,
  FeedbackRequest,
} from '../../src/api/grpc/generated/topicstream/v1/classifier.js'
import { createMetrics } from '../../src/api/metrics.js'
import { type RunningServer, startServer } from '../../src/api/server.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import { type FeedbackItem, feedbackRecord } from '../../src/learning/feedback.js'
import { type KafkaFeedbackSink, createKafkaFeedbackSink } from '../../src/learning/feedback-sink.js'
import { collect, kafkaBrokers, kafkaLibrary, randomTopicName, withAdmin } from '../helpers/kafka.js'
import { tinyRegistry } from './helpers.js'

const clients: ClassifierClient[] = []
afterAll(() => {
  for (const client of clients) client.close()
})

/** A Kafka feedback sink on a fresh topic, closed and deleted when the test finishes. */
async function kafkaSink(): Promise<{ sink: KafkaFeedbackSink; topic: string }> {
  const topic = randomTopicName('feedback')
  const client = createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })
  const sink = createKafkaFeedbackSink({ client, topic })
  onTestFinished(async () => {
    await sink.close()
    await withAdmin((admin) => admin.deleteTopics([topic]))
  })
  await sink.connect()
  return { sink, topic }
}

async function serve(sink: KafkaFeedbackSink): Promise<{ server: RunningServer; grpc: ClassifierClient }> {
  const server = await startServer({
    registry: tinyRegistry(),
    host: '127.0.0.1',
    port: 0,
    grpcPort: 0,
    feedback: { sink },
    metrics: createMetrics({ defaultMetrics: false }),
  })
  onTestFinished(() => server.close(1000))
  const grpc = new ClassifierClient(`127.0.0.1:${server.grpcPort}`, credentials.createInsecure())
  clients.push(grpc)
  return { server, grpc }
}

type Outcome = { reply?: FeedbackReply; error?: ServiceError }

function feedbackStream(client: ClassifierClient, requests: readonly Partial<FeedbackRequest>[]) {
  return new Promise<Outcome>((resolve) => {
    const call = client.feedbackStream(new Metadata(), (error, reply) =>
      resolve(error ? { error } : { reply }),
    )
    for (const request of requests) call.write(FeedbackRequest.create(request))
    call.end()
  })
}

function feedback(client: ClassifierClient, request: Partial<FeedbackRequest>) {
  return new Promise<Outcome>((resolve) => {
    client.feedback(FeedbackRequest.create(request), (error, reply) => resolve(error ? { error } : { reply }))
  })
}

const decoded = (records: Awaited<ReturnType<typeof collect>>) =>
  records.map((record) => ({
    key: record.key?.toString('utf8'),
    value: record.value?.toString('utf8'),
    partition: record.partition,
  }))

describe('feedback to Kafka', () => {
  test('REST and gRPC feedback lands on the one-partition topic, key = id, in order', async () => {
    const { sink, topic } = await kafkaSink()
    expect(await withAdmin((admin) => admin.partitionCount(topic))).toBe(1)
    const { server, grpc } = await serve(sink)

    const batch = [
      { text: 'the striker scored a late goal', label: 'sports', id: 'rest-1' },
      { text: 'café, croissant et 😀', label: 'food' },
      { text: 'a new graphics processor', label: 'tech', model: 'other' },
    ]
    const response = await fetch(`${server.restUrl}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: batch }),
    })
    expect(response.status).toBe(202)
    const rest = (await response.json()) as { items: Array<{ id: string; model: string }> }

    const unary = await feedback(grpc, { id: 'grpc-1', text: 'the chef cooked a curry', label: 'food' })
    expect(unary.error).toBeUndefined()

    const streamed = Array.from({ length: 20 }, (_, i) => ({
      id: `stream-${i}`,
      text: `tweet number ${i} about the match`,
      label: i % 2 === 0 ? 'sports' : 'tech',
    }))
    const stream = await feedbackStream(grpc, streamed)
    expect(stream.error).toBeUndefined()
    expect(stream.reply?.accepted).toBe(20)

    const sent: FeedbackItem[] = [
      ...batch.map(({ text, label }, i) => ({
        id: rest.items[i]?.id as string,
        text,
        label,
        model: rest.items[i]?.model as string,
      })),
      { id: 'grpc-1', text: 'the chef cooked a curry', label: 'food', model: 'tiny' },
      ...streamed.map((item) => ({ ...item, model: 'tiny' })),
    ]
    expect(sent[0]?.id).toBe('rest-1')
    expect(sent[2]?.model).toBe('other')

    const records = await collect(topic, sent.length)
    expect(decoded(records)).toEqual(sent.map((item) => ({ ...feedbackRecord(item), partition: 0 })))
  })

  test('the sink creates a missing topic with one partition and refuses sends after close', async () => {
    const { sink, topic } = await kafkaSink()
    expect(await withAdmin((admin) => admin.partitionCount(topic))).toBe(1)
    const item = { id: 'only', text: 'goal', label: 'sports' }
    await sink.submit([item])
    expect(decoded(await collect(topic, 1))).toEqual([{ ...feedbackRecord(item), partition: 0 }])
    await sink.close()
    await expect(sink.submit([item])).rejects.toMatchObject({ code: 'ERR_KAFKA_UNAVAILABLE' })
  })
})
