/**
 * Runs once before the integration tests (`*.int.test.ts`, see vitest.config.ts): builds the CLI,
 * prepares the scikit-learn venv and starts one real Kafka broker on free ports. Test files reach
 * these through `inject(...)`; unit tests run without any of them.
 */
import 'vitest'
import type { TestProject } from 'vitest/node'
import { buildOnce } from './setup/build.js'
import { startTestKafka } from './setup/kafka.js'
import { setupPython } from './setup/python.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the broker started for this run. */
    kafkaBrokers: string
    /** Python interpreter of the venv with scikit-learn. */
    python: string
  }
}

interface SharedSetup {
  readonly python: string
  readonly kafkaBrokers: string
  teardown(): Promise<void>
}

interface SharedState {
  users: number
  setup: Promise<SharedSetup>
}

/**
 * Every integration project (`integration`, `integration-platformatic`) runs this setup, and all of
 * them share one build, one venv and one broker: the first project starts them, the last one to
 * finish stops them. Kept on globalThis, as each project may load this module on its own.
 */
const SHARED = Symbol.for('topicstream.test.global-setup')

async function prepare(): Promise<SharedSetup> {
  await buildOnce()
  const python = await setupPython()
  const kafka = await startTestKafka()
  return { python, kafkaBrokers: kafka.brokers, teardown: kafka.teardown }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const holder = globalThis as { [SHARED]?: SharedState }
  const state = (holder[SHARED] ??= { users: 0, setup: prepare() })
  state.users++
  const shared = await state.setup
  project.provide('python', shared.python)
  project.provide('kafkaBrokers', shared.kafkaBrokers)
  return async () => {
    state.users--
    if (state.users > 0) return
    delete holder[SHARED]
    await shared.teardown()
  }
}
