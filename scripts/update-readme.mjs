// Rewrites the generated tables of docs/configuration.md (options of every command, error codes)
// from the code.
//   npm run docs
import { readFile, writeFile } from 'node:fs/promises'
import { REFERENCE_DOC, renderReferenceBlocks, replaceReferenceBlocks } from '../dist/cli/reference-docs.js'

const file = new URL(`../${REFERENCE_DOC}`, import.meta.url)
const before = await readFile(file, 'utf8')
const after = replaceReferenceBlocks(before, await renderReferenceBlocks())
await writeFile(file, after)
console.log(
  after === before ? `${REFERENCE_DOC} is up to date` : `${REFERENCE_DOC}: generated tables updated`,
)
