/**
 * Real tweets for the load tests: the Sanders corpus at $TOPICSTREAM_TWEETS (default
 * ../shared/data/tweets/sanders-full-corpus.csv relative to the repository root).
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))

export function tweetsPath(explicit) {
  return (
    explicit ??
    process.env.TOPICSTREAM_TWEETS ??
    fileURLToPath(new URL('../../shared/data/tweets/sanders-full-corpus.csv', import.meta.url))
  )
}

/** `[{ topic, text }]`, in file order. */
export async function loadTweets(path = tweetsPath()) {
  const rows = parse(await readFile(path, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    relax_quotes: true,
  })
  return rows
    .map((row) => ({ topic: row.Topic, text: row.TweetText }))
    .filter((row) => typeof row.text === 'string' && row.text.trim() !== '')
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** Reads `--name value` flags into an object of strings; bare `--flag` is "true". */
export function parseFlags(argv) {
  const flags = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--')) continue
    const next = argv[i + 1]
    if (next === undefined || next.startsWith('--')) flags[arg.slice(2)] = 'true'
    else flags[arg.slice(2)] = argv[++i]
  }
  return flags
}
