import { describe, expect, test } from 'vitest'
import { status } from '@grpc/grpc-js'
import { HTTP_STATUS, toHttpError } from '../../src/api/http-errors.js'
import { GRPC_STATUS, toServiceError } from '../../src/api/grpc/grpc-errors.js'
import { TopicstreamError } from '../../src/errors.js'

describe('error mappings', () => {
  test('the statuses the API promises', () => {
    expect(HTTP_STATUS.ERR_TEXT_INVALID).toBe(400)
    expect(HTTP_STATUS.ERR_REQUEST_INVALID).toBe(400)
    expect(HTTP_STATUS.ERR_PAYLOAD_TOO_LARGE).toBe(413)
    expect(HTTP_STATUS.ERR_TEXT_TOO_LARGE).toBe(413)
    expect(HTTP_STATUS.ERR_MODEL_NOT_FOUND).toBe(404)
    expect(HTTP_STATUS.ERR_UNAUTHENTICATED).toBe(401)
    expect(HTTP_STATUS.ERR_RATE_LIMITED).toBe(429)
    expect(HTTP_STATUS.ERR_NOT_READY).toBe(503)
    expect(GRPC_STATUS.ERR_TEXT_INVALID).toBe(status.INVALID_ARGUMENT)
    expect(GRPC_STATUS.ERR_MODEL_NOT_FOUND).toBe(status.NOT_FOUND)
    expect(GRPC_STATUS.ERR_PAYLOAD_TOO_LARGE).toBe(status.RESOURCE_EXHAUSTED)
    expect(GRPC_STATUS.ERR_UNAUTHENTICATED).toBe(status.UNAUTHENTICATED)
    expect(GRPC_STATUS.ERR_NOT_READY).toBe(status.UNAVAILABLE)
  })

  test('Fastify errors become ours', () => {
    const fastifyError = (code: string, statusCode: number) =>
      Object.assign(new Error(code), { code, statusCode })
    expect(toHttpError(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400)).error.code).toBe(
      'ERR_REQUEST_INVALID',
    )
    expect(toHttpError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413))).toMatchObject({
      status: 413,
      error: { code: 'ERR_PAYLOAD_TOO_LARGE' },
    })
    expect(toHttpError(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415))).toMatchObject({
      status: 415,
      error: { code: 'ERR_UNSUPPORTED_MEDIA_TYPE' },
    })
    expect(toHttpError(new Error('boom'))).toMatchObject({ status: 500, error: { code: 'ERR_INTERNAL' } })
  })

  test('internal errors do not leak their message over gRPC', () => {
    const internal = toServiceError(new Error('secret path /etc/x'))
    expect(internal.code).toBe(status.INTERNAL)
    expect(internal.details).not.toContain('secret')
    const ours = toServiceError(new TopicstreamError('ERR_TEXT_TOO_LARGE', 'too big'))
    expect(ours).toMatchObject({ code: status.INVALID_ARGUMENT, details: 'too big' })
    expect(ours.metadata?.get('topicstream-error-code')).toEqual(['ERR_TEXT_TOO_LARGE'])
  })
})
