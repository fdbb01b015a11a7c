import { homedir } from 'node:os'
import { join } from 'node:path'

/** `$XDG_CACHE_HOME`, else `~/.cache`: where downloads, broker jars and trained models are kept. */
export function cacheHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache')
}
