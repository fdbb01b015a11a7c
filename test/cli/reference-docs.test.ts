import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { REFERENCE_DOC, renderReferenceBlocks, replaceReferenceBlocks } from '../../src/cli/reference-docs.js'
import { COMMANDS } from '../../src/cli/main.js'
import { ERROR_CODES } from '../../src/errors.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const reference = await readFile(join(root, REFERENCE_DOC), 'utf8')

describe(`${REFERENCE_DOC} reference tables`, () => {
  test('are what `npm run docs` generates from the code (run it when this fails)', async () => {
    expect(replaceReferenceBlocks(reference, await renderReferenceBlocks())).toBe(reference)
  })

  test('cover every command and every error code', () => {
    for (const name of Object.keys(COMMANDS))
      expect(reference).toContain(`<!-- generated:options:${name} -->`)
    for (const code of Object.keys(ERROR_CODES)) expect(reference).toContain(`| \`${code}\` |`)
  })

  test('a block that nothing renders is refused', () => {
    expect(() =>
      replaceReferenceBlocks('<!-- generated:nope -->\nx\n<!-- /generated:nope -->', new Map()),
    ).toThrow(/nope/)
  })
})

describe('documentation links', () => {
  test('every relative link in README.md and docs/*.md points at a file or folder that exists', async () => {
    const documents = [
      'README.md',
      ...(await readdir(join(root, 'docs')))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
    ]
    const broken: string[] = []
    for (const document of documents) {
      const text = await readFile(join(root, document), 'utf8')
      for (const target of relativeLinkTargets(text)) {
        const path = join(root, dirname(document), target)
        if (!existsSync(path)) broken.push(`${document} → ${target} (${relative(root, path)})`)
      }
    }
    expect(broken).toEqual([])
  })

  test('the link scan sees inline links and images, and skips code, anchors and absolute URLs', () => {
    const text = [
      'See [the API](docs/api.md#rest) and ![shot](docs/dashboard.png "title").',
      '[top](#top) [site](https://example.com) [mail](mailto:a@b.c) `[code](nope.md)`',
      '```sh',
      '[fenced](nope.md)',
      '```',
    ].join('\n')
    expect(relativeLinkTargets(text)).toEqual(['docs/api.md', 'docs/dashboard.png'])
  })
})

/** Targets of the inline links and images outside code, without their anchors; URLs and bare anchors skipped. */
function relativeLinkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '')
  const targets: string[] = []
  for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = decodeURI(match[1]!.split('#')[0]!.split('?')[0]!)
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue
    targets.push(target)
  }
  return targets
}
