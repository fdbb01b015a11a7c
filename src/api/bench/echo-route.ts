/**
 * Benchmark-only route: the same body schema and limits as /v1/classify, minus the engine, so load
 * tests can tell transport cost from classification cost. Registered only when benchmark routes are
 * on. Each answer is a fresh copy of `ECHO_RESULT` (`withFreshProbabilities`), serialised like a real one.
 *
 * `?busy_us=N` spins for N microseconds of CPU time before answering: load tests use it to see what
 * the same amount of CPU work as the engine's (measured as CPU time) costs a request, with no
 * classification involved.
 */
import type { FastifyPluginAsync } from 'fastify'
import { attribute } from '../../engine/model-registry.js'
import type { ApiConfig } from '../api-config.js'
import { type ClassifyRequestFields, type TextCheck, createTextCheck } from '../classify-service.js'
import { ECHO_RESULT, withFreshProbabilities } from './echo-result.js'
import { classifyBodySchema, errorResponses } from '../schemas.js'

export const echoRoutes: FastifyPluginAsync<{ readonly config: ApiConfig }> = async (app, { config }) => {
  const checkText: TextCheck = createTextCheck(config.maxTextBytes)
  let answered = 0
  // No querystring schema, so plain echo does exactly the work classify does around the engine.
  app.post<{ Body: ClassifyRequestFields; Querystring: { readonly busy_us?: string } }>(
    '/echo',
    {
      schema: {
        hide: true,
        body: { ...classifyBodySchema, $id: 'EchoRequest' },
        response: { 200: { $ref: 'Classification#' }, ...errorResponses(400, 401, 413, 429) },
      },
    },
    async (request) => {
      checkText(request.body.text)
      const busy = Number(request.query.busy_us)
      if (busy > 0) spin(Math.min(busy, 1000))
      return attribute(withFreshProbabilities(ECHO_RESULT, answered++), ECHO_RESULT.model)
    },
  )
}

/** Burns CPU time, not wall time: a thread taken off the core meanwhile must still do all the work. */
function spin(microseconds: number): void {
  const cpu = (): number => {
    const { user, system } = process.cpuUsage()
    return user + system
  }
  const until = cpu() + microseconds
  while (cpu() < until);
}
