/**
 * The worker side of OffThreadJsonParser: decodes and parses one body per message with Fastify's
 * own rules (secure-json-parse, prototype poisoning refused). It imports only packages and Node
 * built-ins, so Node can also run it from its TypeScript source.
 */
import { parentPort } from 'node:worker_threads'
import secureJson from 'secure-json-parse'

interface ParseRequest {
  readonly id: number
  readonly bytes: Uint8Array
}

const decoder = new TextDecoder()
const port = parentPort
if (port === null) throw new Error('json-parse-worker runs only as a worker thread')

port.on('message', ({ id, bytes }: ParseRequest) => {
  try {
    const value: unknown = secureJson.parse(decoder.decode(bytes), undefined, {
      protoAction: 'error',
      constructorAction: 'error',
    })
    port.postMessage({ id, ok: true, value })
  } catch {
    port.postMessage({ id, ok: false })
  }
})
