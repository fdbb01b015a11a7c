/**
 * Tweet sources, named by a spec string:
 *   replay:FILE          a CSV (Sanders corpus layout) or JSON Lines file
 *   stdin                one text or JSON object per line
 *   twitter              the X API v2 filtered stream
 *   20news-test[:PATH]   the 20 Newsgroups test split, cut to tweet size, labelled
 * Modules of the other sources load only when their spec is used.
 */
import type { Readable } from 'node:stream'
import { TopicstreamError } from '../../errors.js'
import type { TweetSource } from './types.js'

export type { RejectedInput, SourceItem, TweetRecord, TweetSource } from './types.js'

export const SOURCE_KINDS = ['replay:FILE', 'stdin', 'twitter', '20news-test[:PATH]'] as const

export interface SourceSettings {
  readonly stdin: Readable
  readonly env: NodeJS.ProcessEnv
  readonly loop?: boolean
  /** twitter: */
  readonly bearerToken?: string
  readonly keywords?: readonly string[]
  readonly twitterApiUrl?: string
  readonly onNotice?: (message: string) => void
}

export async function createSource(spec: string, settings: SourceSettings): Promise<TweetSource> {
  const colon = spec.indexOf(':')
  const kind = colon === -1 ? spec : spec.slice(0, colon)
  const argument = colon === -1 ? '' : spec.slice(colon + 1)
  switch (kind) {
    case 'replay': {
      if (argument === '') throw unknownSource(spec, 'replay needs a file: replay:FILE')
      const { createReplaySource } = await import('./replay.js')
      return createReplaySource({ path: argument, loop: settings.loop ?? false })
    }
    case 'stdin': {
      const { createLinesSource } = await import('./lines.js')
      return createLinesSource({ input: settings.stdin, name: 'stdin' })
    }
    case 'twitter': {
      const { createTwitterSource } = await import('./twitter.js')
      return createTwitterSource({
        bearerToken: settings.bearerToken ?? '',
        ...(settings.keywords ? { keywords: settings.keywords } : {}),
        ...(settings.twitterApiUrl ? { apiUrl: settings.twitterApiUrl } : {}),
        ...(settings.onNotice ? { onNotice: settings.onNotice } : {}),
      })
    }
    case '20news-test': {
      const { createTwentyNewsgroupsSource } = await import('./twenty-newsgroups.js')
      return createTwentyNewsgroupsSource({
        ...(argument ? { path: argument } : {}),
        env: settings.env,
        loop: settings.loop ?? false,
      })
    }
    default:
      throw unknownSource(spec, `expected one of ${SOURCE_KINDS.join(', ')}`)
  }
}

function unknownSource(spec: string, why: string): TopicstreamError {
  return new TopicstreamError('ERR_CONFIG_INVALID', `--source "${spec}": ${why}`, {
    details: { source: spec },
  })
}
