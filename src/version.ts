import { readFileSync } from 'node:fs'

/** topicstream's version from package.json (read on call, never on import). */
export function packageVersion(): string {
  // src/ and dist/ are both one level below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}
