/**
 * Runs once before the integration tests (`*.int.test.ts`, see vitest.config.ts): builds the CLI,
 * prepares the scikit-learn venv and starts one real Kafka broker on free ports. Test files reach
 * these through `inject(...)`; unit tests run without any of them.
 */
import 'vitest'
import type { TestProject } from 'vitest/node'
import { buildOnce } from './setup/build.js'
import { provideKafka } from './setup/kafka.js'
import { setupPython } from './setup/python.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the broker started for this run. */
    kafkaBrokers: string
    /** Python interpreter of the venv with scikit-learn. */
    python: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const teardowns: Array<() => Promise<void>> = []
  await buildOnce()
  project.provide('python', await setupPython())
  teardowns.push(await provideKafka(project))
  return async () => {
    for (const teardown of teardowns.reverse()) await teardown()
  }
}
