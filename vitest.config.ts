import { configDefaults, defineConfig } from 'vitest/config'

/**
 * Two projects. A test file named `*.int.test.ts` is an integration test: it needs the run's Kafka
 * broker (Java), the scikit-learn venv (Python), the built `dist/` (it runs `bin/topicstream.js`) or
 * a browser, all prepared by test/global-setup.ts. Every other `*.test.ts` is a unit test and may
 * need none of these. Both kinds sit side by side under test/, mirroring src/.
 *
 *   npm run test:unit          vitest run --project unit
 *   npm run test:integration   vitest run --project integration
 *   npm test                   checks, then both projects in one run: unit first, then integration
 */
const INTEGRATION = 'test/**/*.int.test.ts'

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
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
