/**
 * Progress of long commands on stderr: redrawn in place on a terminal, and at most one line per
 * second otherwise, so CI logs stay short. Phases that count bytes show megabytes.
 */
import type { Writable } from 'node:stream'
import type { Progress, ProgressListener } from '../engine/types.js'

const BYTE_PHASES = new Set(['download 20news', 'read 20news'])

export function createProgressPrinter(
  stream: Writable & { isTTY?: boolean },
  quiet = false,
): ProgressListener {
  if (quiet) return () => {}
  const tty = stream.isTTY === true
  let phase = ''
  let last = 0
  return (progress: Progress) => {
    const finished = progress.total !== undefined && progress.done >= progress.total
    const now = Date.now()
    if (progress.phase === phase && !finished && now - last < (tty ? 100 : 1000)) return
    if (tty && phase !== '' && progress.phase !== phase) stream.write('\n')
    phase = progress.phase
    last = now
    const line = `${progress.phase}: ${formatProgress(progress)}`
    stream.write(tty ? `\r\x1b[K${line}${finished ? '\n' : ''}` : `${line}\n`)
    if (finished) phase = ''
  }
}

export function formatProgress({ phase, done, total }: Progress): string {
  const bytes = BYTE_PHASES.has(phase)
  const amount = (n: number) => (bytes ? `${(n / 1e6).toFixed(1)} MB` : n.toLocaleString('en-US'))
  if (total === undefined || total === 0) return amount(done)
  return `${amount(done)} / ${amount(total)} (${Math.floor((done / total) * 100)}%)`
}
