/**
 * Labelled texts in one file: CSV with a header row, or JSON Lines. Every row must have a string
 * text and a non-empty string label; a row that does not is an error naming its line, never
 * skipped, because a silently smaller training set is worse than a failed run.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import { TopicstreamError } from '../../errors.js'
import type { Dataset } from '../types.js'
import { filterClasses, selectCategories, sortedUnique, toLabeledDocuments } from './labeled.js'
import { decodeUtf8 } from './text.js'

export interface TabularOptions {
  readonly categories?: readonly string[]
  /** Column (CSV) or property (JSONL) holding the text. Default `text`. */
  readonly textColumn?: string
  /** Column (CSV) or property (JSONL) holding the label. Default `label`. */
  readonly labelColumn?: string
}

interface Rows {
  readonly texts: string[]
  readonly labels: string[]
}

export async function loadCsv(path: string, options: TabularOptions = {}): Promise<Dataset> {
  const { text, fingerprint } = await readText(path)
  const textColumn = options.textColumn ?? 'text'
  const labelColumn = options.labelColumn ?? 'label'
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>
  try {
    records = parse(text, { columns: true, bom: true, info: true, skip_empty_lines: true })
  } catch (error) {
    const line = (error as { lines?: number }).lines
    throw invalid(path, line, error instanceof Error ? error.message : String(error), error)
  }
  const columns = records[0] ? Object.keys(records[0].record) : []
  for (const column of [textColumn, labelColumn]) {
    if (records.length > 0 && !columns.includes(column)) {
      throw new TopicstreamError(
        'ERR_DATASET_INVALID',
        `${path} has no column "${column}"; its columns are ${columns.join(', ')}`,
        { details: { path, column, columns } },
      )
    }
  }
  const rows: Rows = { texts: [], labels: [] }
  for (const { record, info } of records) {
    addRow(rows, record[textColumn], record[labelColumn], path, info.lines, textColumn, labelColumn)
  }
  return toDataset(`csv:${path}`, rows, fingerprint, path, options)
}

export async function loadJsonl(path: string, options: TabularOptions = {}): Promise<Dataset> {
  const { text, fingerprint } = await readText(path)
  const textColumn = options.textColumn ?? 'text'
  const labelColumn = options.labelColumn ?? 'label'
  const rows: Rows = { texts: [], labels: [] }
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '')
    if (line.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (error) {
      throw invalid(path, i + 1, `not valid JSON (${(error as Error).message})`, error)
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalid(path, i + 1, 'expected a JSON object')
    }
    const record = value as Record<string, unknown>
    addRow(rows, record[textColumn], record[labelColumn], path, i + 1, textColumn, labelColumn)
  }
  return toDataset(`jsonl:${path}`, rows, fingerprint, path, options)
}

async function readText(path: string): Promise<{ text: string; fingerprint: string }> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new TopicstreamError(
      missing ? 'ERR_DATASET_NOT_FOUND' : 'ERR_DATASET_INVALID',
      missing ? `dataset file ${path} does not exist` : `${path} cannot be read`,
      { cause: error, details: { path } },
    )
  }
  return { text: decodeUtf8(bytes, path), fingerprint: createHash('sha256').update(bytes).digest('hex') }
}

function addRow(
  rows: Rows,
  text: unknown,
  label: unknown,
  path: string,
  line: number,
  textColumn: string,
  labelColumn: string,
): void {
  if (typeof text !== 'string') throw invalid(path, line, `"${textColumn}" is missing or not a string`)
  if (typeof label !== 'string' || label === '') {
    throw invalid(path, line, `"${labelColumn}" is missing, empty or not a string`)
  }
  rows.texts.push(text)
  rows.labels.push(label)
}

function toDataset(
  source: string,
  rows: Rows,
  fingerprint: string,
  path: string,
  options: TabularOptions,
): Dataset {
  if (rows.texts.length === 0) {
    throw new TopicstreamError('ERR_DATASET_INVALID', `${path} has no rows`, { details: { path } })
  }
  const all = toLabeledDocuments(rows.texts, rows.labels, sortedUnique(rows.labels))
  const train = filterClasses(all, selectCategories(all.classes, options.categories))
  return { source, train, fingerprint }
}

function invalid(path: string, line: number | undefined, why: string, cause?: unknown): TopicstreamError {
  const where = line === undefined ? path : `${path}:${line}`
  return new TopicstreamError('ERR_DATASET_INVALID', `${where}: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { path, ...(line === undefined ? {} : { line }) },
  })
}
