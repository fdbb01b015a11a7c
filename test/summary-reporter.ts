import type { Reporter, TestModule } from 'vitest/node'

interface Counts {
  passed: number
  failed: number
  skipped: number
}

function line(label: string, counts: Counts): string {
  return `${label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`
}

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that tools reading
 * the last lines of a log (CI dashboards) understand without knowing vitest's format. When the run
 * covers both projects (unit and integration), a line for each comes first.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const total: Counts = { passed: 0, failed: 0, skipped: 0 }
    const byProject = new Map<string, Counts>()
    for (const testModule of testModules) {
      const name = testModule.project.name
      const counts = byProject.get(name) ?? { passed: 0, failed: 0, skipped: 0 }
      byProject.set(name, counts)
      for (const test of testModule.children.allTests()) {
        const state = test.result().state
        const key = state === 'passed' ? 'passed' : state === 'failed' ? 'failed' : 'skipped'
        counts[key]++
        total[key]++
      }
    }
    const perProject = byProject.size > 1 ? [...byProject].map(([name, counts]) => line(name, counts)) : []
    process.stdout.write(`\n${perProject.join('')}${line('tests', total)}`)
  }
}
