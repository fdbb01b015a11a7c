/**
 * The alert rules as Prometheus reads them: promtool checks the rules file and runs its unit tests
 * (deploy/prometheus/topicstream-alerts.test.yml), the same as `bash scripts/promtool.sh`.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { promtoolTestRules, requirePromtool } from '../helpers/promtool.js'

const RULES = fileURLToPath(new URL('../../deploy/prometheus/topicstream-alerts.yml', import.meta.url))
const RULE_TESTS = fileURLToPath(
  new URL('../../deploy/prometheus/topicstream-alerts.test.yml', import.meta.url),
)
const promtool = requirePromtool('the alert-rule tests')

describe.skipIf(promtool === undefined)('alert rules under promtool', () => {
  test('the rules file is valid', async () => {
    const { stdout } = await promisify(execFile)(promtool as string, ['check', 'rules', RULES])
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/)
  })

  test('every rule unit test passes', async () => {
    expect(await promtoolTestRules(promtool as string, RULE_TESTS)).toContain('SUCCESS')
  })
})
