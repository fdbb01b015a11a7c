/**
 * The generated tables of the reference docs (docs/configuration.md): every command's options (flag,
 * environment variable, default) and every error code with its HTTP and gRPC status. They come from
 * the same tables the code runs on; `npm run docs` rewrites them in place and a test fails when the
 * document is out of date.
 */
import { status } from '@grpc/grpc-js'
import { GRPC_STATUS } from '../api/grpc/grpc-errors.js'
import { HTTP_STATUS } from '../api/http-errors.js'
import { renderMarkdownTable } from '../config.js'
import { ERROR_CODES, type ErrorCode } from '../errors.js'
import { COMMANDS } from './main.js'

/** The document that holds the generated blocks, relative to the package root. */
export const REFERENCE_DOC = 'docs/configuration.md'

/** Block name → generated Markdown, for `<!-- generated:NAME -->` … `<!-- /generated:NAME -->`. */
export async function renderReferenceBlocks(): Promise<ReadonlyMap<string, string>> {
  const blocks = new Map<string, string>()
  for (const [name, entry] of Object.entries(COMMANDS)) {
    blocks.set(`options:${name}`, renderMarkdownTable((await entry.load()).options))
  }
  blocks.set('errors', renderErrorTable())
  return blocks
}

function renderErrorTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map(
    (code) =>
      `| \`${code}\` | ${ERROR_CODES[code]} | ${HTTP_STATUS[code]} | \`${status[GRPC_STATUS[code]]}\` |`,
  )
  return ['| Code | Meaning | HTTP | gRPC |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

/** Replaces the content of every generated block in `document`; unknown block names are an error. */
export function replaceReferenceBlocks(document: string, blocks: ReadonlyMap<string, string>): string {
  return document.replace(
    /<!-- generated:([\w:-]+) -->\n[\s\S]*?<!-- \/generated:\1 -->/g,
    (_match, name: string) => {
      const content = blocks.get(name)
      if (content === undefined)
        throw new Error(`${REFERENCE_DOC} has a generated block "${name}" that nothing renders`)
      return `<!-- generated:${name} -->\n${content}\n<!-- /generated:${name} -->`
    },
  )
}
