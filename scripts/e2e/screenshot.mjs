// Usage: node scripts/e2e/screenshot.mjs URL FILE [SECONDS]
// Opens the dashboard at URL in headless Chromium (Debian's `chromium`), lets it fill for SECONDS
// (default 40) and writes a full-page PNG to FILE: the picture in the README comes from here, taken
// of a real `npm start` by scripts/e2e/npm-start-check.sh --screenshot.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const [url, file, seconds = '40'] = process.argv.slice(2)
if (!url || !file) {
  console.error('usage: node scripts/e2e/screenshot.mjs URL FILE [SECONDS]')
  process.exit(2)
}
const profile = await mkdtemp(join(tmpdir(), 'topicstream-screenshot-'))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  headless: true,
  viewport: { width: 1440, height: 960 },
})
try {
  const page = context.pages()[0] ?? (await context.newPage())
  await page.goto(url)
  await page.waitForSelector('#feed li', { timeout: 60_000 })
  await page.waitForTimeout(Number(seconds) * 1000)
  await page.screenshot({ path: file, fullPage: true })
  console.log(`wrote ${file}`)
} finally {
  await context.close()
  await rm(profile, { recursive: true, force: true })
}
