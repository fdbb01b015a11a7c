import { readFile } from 'node:fs/promises'
import { describe, expect, test } from 'vitest'
import { renderReferenceBlocks, replaceReferenceBlocks } from '../../src/cli/reference-docs.js'
import { COMMANDS } from '../../src/cli/main.js'
import { ERROR_CODES } from '../../src/errors.js'

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')

describe('README reference tables', () => {
  test('are what `npm run docs` generates from the code (run it when this fails)', async () => {
    expect(replaceReferenceBlocks(readme, await renderReferenceBlocks())).toBe(readme)
  })

  test('cover every command and every error code', () => {
    for (const name of Object.keys(COMMANDS)) expect(readme).toContain(`<!-- generated:options:${name} -->`)
    for (const code of Object.keys(ERROR_CODES)) expect(readme).toContain(`| \`${code}\` |`)
  })

  test('a block that nothing renders is refused', () => {
    expect(() =>
      replaceReferenceBlocks('<!-- generated:nope -->\nx\n<!-- /generated:nope -->', new Map()),
    ).toThrow(/nope/)
  })
})
