// Rewrites the generated tables of README.md (options of every command, error codes) from the code.
//   npm run docs
import { readFile, writeFile } from 'node:fs/promises'
import { renderReferenceBlocks, replaceReferenceBlocks } from '../dist/cli/reference-docs.js'

const file = new URL('../README.md', import.meta.url)
const before = await readFile(file, 'utf8')
const after = replaceReferenceBlocks(before, await renderReferenceBlocks())
await writeFile(file, after)
console.log(after === before ? 'README.md is up to date' : 'README.md: generated tables updated')
