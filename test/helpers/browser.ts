/**
 * Headless Chromium for the browser tests, from the system (Debian's `chromium` package), never from
 * a download. Without it the browser tests are skipped locally and fail in CI.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Whether Chromium is there; reports (locally) or throws (in CI) when it is not. */
export function requireChromium(tests: string): boolean {
  if (existsSync(CHROMIUM)) return true
  const why = `${CHROMIUM} is missing (apt-get install chromium)`
  if (process.env.CI) throw new Error(`${tests} need ${why}`)
  console.warn(`Skipping ${tests}: ${why}`)
  return false
}

/** Headless Chromium with its profile in `work`, and its first page. */
export async function openBrowser(work: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1440, height: 960 },
  })
  return { context, page: context.pages()[0] ?? (await context.newPage()) }
}
