/**
 * The OpenAPI document, generated from the route schemas (the committed openapi/openapi.json is
 * this output; a test fails when it is stale). Run: `node dist/api/openapi.js openapi/openapi.json`.
 */
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ModelRegistry } from '../engine/model-registry.js'
import { buildApp } from './app.js'

export async function generateOpenApi(): Promise<string> {
  // Routes are never called here, so the model is only named, not loaded.
  const registry = new ModelRegistry([{ name: 'default', path: 'default.tsmodel' }])
  const app = await buildApp({ registry, config: { docs: false, benchmarkRoutes: false } })
  try {
    await app.ready()
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await app.close()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const target = process.argv[2] ?? 'openapi/openapi.json'
  await writeFile(target, await generateOpenApi())
  console.log(`wrote ${target}`)
}
