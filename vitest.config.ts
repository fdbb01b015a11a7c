import { configDefaults, defineConfig } from 'vitest/config'

/**
 * Three projects. A test file named `*.int.test.ts` is an integration test: it needs the run's Kafka
 * broker (Java), the scikit-learn venv (Python), the built `dist/` (it runs `bin/topicstream.js`) or
 * a browser, all prepared by test/global-setup.ts. Every other `*.test.ts` is a unit test and may
 * need none of these. Both kinds sit side by side under test/, mirroring src/.
 *
 *   npm run test:unit          vitest run --project unit
 *   npm run test:integration   vitest run --project integration
 *   npm run test:integration:platformatic   vitest run --project integration-platformatic
 *   npm test                   checks, then all projects in one run: unit, integration, then the
 *                              Kafka integration tests again on @platformatic/kafka
 */
const INTEGRATION = 'test/**/*.int.test.ts'

/**
 * The integration tests of everything that talks to Kafka, run a second time on @platformatic/kafka
 * (test/helpers/kafka.ts `kafkaLibrary()` reads TOPICSTREAM_TEST_KAFKA_CLIENT). The same broker
 * serves both runs.
 */
const KAFKA_CLIENT_INTEGRATION = [
  'test/kafka/**/*.int.test.ts',
  'test/bridge/**/*.int.test.ts',
  'test/producer/**/*.int.test.ts',
  'test/api/serve-bridge.int.test.ts',
  'test/api/dashboard/cold-start.int.test.ts',
  'test/api/dashboard/output-feed.int.test.ts',
  'test/api/dashboard/labelling.int.test.ts',
  'test/cli/bridge.int.test.ts',
  'test/cli/produce.int.test.ts',
  'test/cli/signals.int.test.ts',
  'test/e2e/up.int.test.ts',
  'test/models-topic/**/*.int.test.ts',
  'test/api/feedback.int.test.ts',
  'test/learner/**/*.int.test.ts',
]

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, INTEGRATION],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [INTEGRATION],
          globalSetup: ['test/global-setup.ts'],
          // The commands these tests start use kafkajs here; the project below runs them again on
          // @platformatic/kafka, the product's default.
          env: { TOPICSTREAM_KAFKA_CLIENT: 'kafkajs' },
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-platformatic',
          include: KAFKA_CLIENT_INTEGRATION,
          globalSetup: ['test/global-setup.ts'],
          // The second one reaches the CLI processes these tests start.
          env: { TOPICSTREAM_TEST_KAFKA_CLIENT: 'platformatic', TOPICSTREAM_KAFKA_CLIENT: 'platformatic' },
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
