/**
 * Labelled texts in one file: CSV with a header row, or JSON Lines. Every row must have a string
 * text and a label; a row that does not is an error naming its line, never skipped, because a
 * silently smaller training set is worse than a failed run.
 *
 * Labels are non-empty strings, or (JSON Lines only) integral JSON numbers. As with scikit-learn,
 * whose classes are numpy.unique of the labels, string classes sort by code point and numeric
 * classes numerically; a number's class name is its shortest JSON form, so 1 and 1.0 are one class.
 * A fractional number (2.5) is refused, as scikit-learn's classifiers refuse continuous targets, and
 * so is a file mixing strings and numbers, as scikit-learn refuses a mix of label types. CSV cells
 * are always strings: a CSV label column of digits sorts as text ("10" before "9").
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import { TopicstreamError } from '../../errors.js'
import type { Dataset } from '../types.js'
import { filterClasses, numericLabelName, selectCategories, toLabeledDocuments } from './labeled.js'
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
  /** Class names: the label itself, or a number's `numericLabelName`. */
  readonly labels: string[]
  /** The first row with a string label and the first with a number label, for the mixed-type error. */
  firstString?: { readonly line: number; readonly label: string }
  firstNumber?: { readonly line: number; readonly label: number }
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
  let name: string
  if (typeof label === 'number') {
    const numeric = numericLabelName(label)
    if (typeof numeric !== 'string') throw invalid(path, line, `"${labelColumn}" ${numeric.reason}`)
    name = numeric
    rows.firstNumber ??= { line, label }
  } else if (typeof label === 'string' && label !== '') {
    name = label
    rows.firstString ??= { line, label }
  } else if (label === undefined || label === '') {
    throw invalid(path, line, `"${labelColumn}" is missing, empty or not a string`)
  } else {
    const got = label === null ? 'null' : Array.isArray(label) ? 'an array' : `a ${typeof label}`
    throw invalid(path, line, `"${labelColumn}" must be a string or a number, got ${got}`)
  }
  rows.texts.push(text)
  rows.labels.push(name)
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
  const { firstString, firstNumber } = rows
  if (firstString && firstNumber) {
    throw new TopicstreamError(
      'ERR_DATASET_INVALID',
      `${path} mixes string and number labels (line ${firstString.line}: ${JSON.stringify(firstString.label)}, ` +
        `line ${firstNumber.line}: ${JSON.stringify(firstNumber.label)}); scikit-learn refuses such a mix. ` +
        'Write every label as a string, or every label as a number.',
      {
        details: {
          path,
          stringLabel: { line: firstString.line, label: firstString.label },
          numberLabel: { line: firstNumber.line, label: firstNumber.label },
        },
      },
    )
  }
  const all = toLabeledDocuments(rows.texts, rows.labels, undefined, firstNumber ? 'number' : 'string')
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
