/**
 * The engine is a library: it reads the paths and options it is given, never the environment, the
 * command line or the network, and depends on nothing of the application around it.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ENGINE = resolve('src/engine')
const SHARED = ['src/errors.ts', 'src/limits.ts', 'src/utf8.ts'].map((file) => resolve(file))
const NETWORK = /^node:(http|https|http2|net|tls|dgram|dns)$/

const files = readdirSync(ENGINE, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({
    name: relative(process.cwd(), join(ENGINE, file)),
    text: readFileSync(join(ENGINE, file), 'utf8'),
  }))

describe('the engine', () => {
  it('has source files to check', () => {
    expect(files.map((file) => file.name)).toContain(join('src', 'engine', 'index.ts'))
  })

  it('imports only its own modules, src/errors, src/limits, src/utf8 and packages', () => {
    const outside: string[] = []
    for (const file of files) {
      for (const [, specifier = ''] of file.text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
        if (NETWORK.test(specifier)) outside.push(`${file.name}: ${specifier}`)
        if (!specifier.startsWith('.')) continue
        const target = resolve(dirname(join(process.cwd(), file.name)), specifier).replace(/\.js$/, '.ts')
        if (!target.startsWith(`${ENGINE}/`) && !SHARED.includes(target))
          outside.push(`${file.name}: ${specifier}`)
      }
    }
    expect(outside).toEqual([])
  })

  it('reads neither the environment nor the network, and names no command-line flag', () => {
    const found = files.flatMap((file) => {
      // Comment lines may quote a command (a generated file says how it was generated).
      const code = file.text
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join('\n')
      return [/process\.env/, /\bfetch\(/, /(^|[^\w-])--[a-z]/m].flatMap((pattern) =>
        pattern.test(code) ? [`${file.name}: ${pattern.source}`] : [],
      )
    })
    expect(found).toEqual([])
  })
})
