/** The `--model NAME=FILE` values of `serve` and `up`, turned into the registry's model sources. */
import { basename, extname } from 'node:path'
import type { ModelSource } from '../engine/model-registry.js'
import { TopicstreamError } from '../errors.js'

/** `NAME=FILE` (or just `FILE`, named after the file) → a model source. */
export function parseModelSpec(spec: string): ModelSource {
  const at = spec.indexOf('=')
  const path = at === -1 ? spec : spec.slice(at + 1)
  const name = at === -1 ? basename(spec, extname(spec)) : spec.slice(0, at)
  if (name === '' || path === '') {
    throw new TopicstreamError('ERR_CONFIG_INVALID', `--model expects NAME=FILE, got "${spec}"`, {
      details: { option: '--model', value: spec },
    })
  }
  return { name, path }
}
