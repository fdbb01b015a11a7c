/**
 * Record headers in and out of kafkajs, which keeps them in a plain object keyed by name (see
 * types.ts for why topicstream keeps them as an ordered list).
 */
import type { IHeaders } from 'kafkajs'
import type { RecordHeader, RecordHeaders } from '../types.js'

/**
 * Headers list → what kafkajs's producer takes: an object whose array values become repeated
 * headers. The object has no prototype and its entries are defined, not assigned, so that names
 * such as `__proto__` or `constructor` are written like any other.
 */
export function toKafkaJsHeaders(headers: RecordHeaders): IHeaders {
  const object = Object.create(null) as Record<string, Array<string | Buffer>>
  for (const [name, value] of headers) {
    const values = Object.hasOwn(object, name) ? object[name] : undefined
    if (values) values.push(value)
    else Object.defineProperty(object, name, { value: [value], enumerable: true, writable: true })
  }
  return object as IHeaders
}

/**
 * kafkajs's decoded headers → the record's list. kafkajs folds the list into a plain object, one key
 * per name, a repeated name holding an array in order. It looks the name up with `obj[key]` first,
 * so a name that is an Object.prototype member (`constructor`, `toString`, `__proto__`…) comes out
 * as `[<the prototype's member>, <bytes>]`: only Buffers (or strings) are the record's own values,
 * anything else is dropped. What the object cannot keep is the interleaving of different names
 * (`a, b, a` comes back as `a, a, b`), and names that look like array indices (`"1"`) come first,
 * as Object.keys orders them; each name's own values keep their order.
 */
export function fromKafkaJsHeaders(headers: IHeaders | undefined): RecordHeader[] {
  const list: RecordHeader[] = []
  if (headers === undefined) return list
  for (const name of Object.keys(headers)) {
    const raw: unknown = Object.getOwnPropertyDescriptor(headers, name)?.value
    for (const value of Array.isArray(raw) ? (raw as unknown[]) : [raw]) {
      if (Buffer.isBuffer(value)) list.push([name, value])
      else if (typeof value === 'string') list.push([name, Buffer.from(value)])
    }
  }
  return list
}
