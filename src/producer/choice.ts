/**
 * Which producer `up` runs: the X filtered stream when a bearer token is given, otherwise an endless
 * replay (a file, or the labelled 20 Newsgroups test split) at a steady rate.
 */
import type { TweetProducerOptions } from './tweet-producer.js'

export type ProducerChoice =
  | { readonly kind: 'none' }
  | { readonly kind: 'x'; readonly bearerToken: string }
  | { readonly kind: 'replay'; readonly file: string; readonly rate: number }
  | { readonly kind: '20news-test'; readonly rate: number }

export function producerOptions(
  choice: Exclude<ProducerChoice, { kind: 'none' }>,
): Pick<TweetProducerOptions, 'source' | 'rate' | 'loop' | 'bearerToken'> {
  if (choice.kind === 'x') return { source: 'twitter', bearerToken: choice.bearerToken }
  // A demo stream should not run dry: replays start over at the end.
  return {
    source: choice.kind === 'replay' ? `replay:${choice.file}` : '20news-test',
    rate: choice.rate,
    loop: true,
  }
}
