/** Human-readable command output: aligned `name value` lines, as `train`, `evaluate` and `inspect` print. */
export function formatFields(rows: ReadonlyArray<readonly [string, string]>): string {
  return rows.map(([key, value]) => `${key.padEnd(14)} ${value}\n`).join('')
}
