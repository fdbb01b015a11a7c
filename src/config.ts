/**
 * Command-line and environment configuration, validated once at the edge and then frozen.
 *
 * Each command declares its options as a table of `OptionSpec`s. The same table drives parsing
 * (flag, then environment variable, then default), validation, `--help` and the README's
 * configuration table, so the three cannot drift apart.
 */
import { parseArgs } from 'node:util'
import { TopicstreamError } from './errors.js'

export type OptionKind = 'string' | 'integer' | 'number' | 'boolean' | 'list'

export interface OptionSpec {
  readonly kind: OptionKind
  readonly description: string
  /** Environment variable read when the flag is absent. */
  readonly env?: string
  readonly default?: string | number | boolean | readonly string[]
  readonly required?: boolean
  /** Allowed values for `string` options. */
  readonly choices?: readonly string[]
  readonly min?: number
  readonly max?: number
  /**
   * A flag that may be given several times (`list` only). Every list value, from a flag or from
   * the environment variable, is also split on commas.
   */
  readonly repeatable?: boolean
  /** Never printed in help defaults, logs or errors. */
  readonly secret?: boolean
  readonly short?: string
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>

type ValueOf<S extends OptionSpec> = S['kind'] extends 'integer' | 'number'
  ? number
  : S['kind'] extends 'boolean'
    ? boolean
    : S['kind'] extends 'list'
      ? readonly string[]
      : string

type HasValue<S extends OptionSpec> = S extends { default: unknown }
  ? true
  : S extends { required: true }
    ? true
    : S['kind'] extends 'boolean'
      ? true
      : false

export type Options<Specs extends OptionSpecs> = {
  readonly [K in keyof Specs]: HasValue<Specs[K]> extends true
    ? ValueOf<Specs[K]>
    : ValueOf<Specs[K]> | undefined
}

export interface ParsedCommand<Specs extends OptionSpecs> {
  readonly options: Options<Specs>
  readonly positionals: readonly string[]
  readonly help: boolean
}

/** What a command line may hold besides options. */
export interface CommandLineShape {
  /**
   * Names of the positional arguments a command takes, in order (`['action']`). None unless
   * declared: a stray word is far more often a typo or a value given to a switch than intended.
   */
  readonly positionals?: readonly string[]
}

/** `camelCase` option names become `--kebab-case` flags. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

export function parseCommandLine<Specs extends OptionSpecs>(
  specs: Specs,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  shape: CommandLineShape = {},
): ParsedCommand<Specs> {
  const byFlag = new Map<string, { key: string; spec: OptionSpec; negated: boolean }>()
  for (const [key, spec] of Object.entries(specs)) {
    byFlag.set(flagName(key), { key, spec, negated: false })
    if (spec.short) byFlag.set(spec.short, { key, spec, negated: false })
    if (spec.kind === 'boolean') byFlag.set(`no-${flagName(key)}`, { key, spec, negated: true })
  }
  // Lenient on purpose: parseArgs never refuses anything, and the checks below say what is wrong in
  // topicstream's own words, one line each.
  const parseSpec: Record<string, { type: 'string' }> = {}
  for (const [flag, { spec }] of byFlag) if (spec.kind !== 'boolean') parseSpec[flag] = { type: 'string' }
  const { tokens = [] } = parseArgs({
    args: [...argv],
    options: parseSpec,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  // --help anywhere before `--` shows the help, whatever else the line holds (even `--model --help`).
  const end = argv.indexOf('--')
  const help = (end === -1 ? argv : argv.slice(0, end)).some((word) => word === '--help' || word === '-h')
  const given = help ? new Map<string, RawValue>() : readTokens(tokens, byFlag, shape.positionals ?? [])

  const options: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    const flag = flagName(key)
    let value: RawValue | undefined = given.get(key)
    let origin = `--${flag}`
    if (
      value === undefined &&
      spec.env !== undefined &&
      env[spec.env] !== undefined &&
      env[spec.env] !== ''
    ) {
      value = env[spec.env]
      origin = spec.env
    }
    if (value === undefined || help) {
      if (spec.required && !help) {
        throw new TopicstreamError(
          'ERR_CONFIG_INVALID',
          `--${flag} is required${spec.env ? ` (or ${spec.env})` : ''}`,
        )
      }
      options[key] = spec.default ?? (spec.kind === 'boolean' ? false : undefined)
      continue
    }
    options[key] = convert(spec, value, origin)
  }
  return Object.freeze({
    options: Object.freeze(options) as Options<Specs>,
    positionals: Object.freeze(tokens.flatMap((token) => (token.kind === 'positional' ? [token.value] : []))),
    help,
  })
}

type RawValue = string | boolean | string[]
type ArgToken = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number]

/** The flags' values by option key; throws on an unknown flag, a missing value or a stray word. */
function readTokens(
  tokens: readonly ArgToken[],
  byFlag: ReadonlyMap<string, { key: string; spec: OptionSpec; negated: boolean }>,
  positionals: readonly string[],
): Map<string, RawValue> {
  const given = new Map<string, RawValue>()
  let positionalCount = 0
  for (const [index, token] of tokens.entries()) {
    if (token.kind === 'option-terminator') continue
    if (token.kind === 'positional') {
      if (positionalCount++ >= positionals.length)
        throw strayArgument(token.value, tokens[index - 1], positionals)
      continue
    }
    const known = byFlag.get(token.name)
    if (known === undefined) throw unknownOption(token.rawName, [...byFlag.keys(), 'help'])
    const { key, spec, negated } = known
    if (spec.kind === 'boolean') {
      if (token.value !== undefined) {
        throw new TopicstreamError(
          'ERR_CONFIG_INVALID',
          `${token.rawName} is a switch and takes no value (see --help)`,
          {
            details: { option: token.rawName },
          },
        )
      }
      given.set(key, !negated)
      continue
    }
    const value = token.value
    // `--model --port 1`: the next word is another option, not this one's value; `--alpha -1` is.
    if (value === undefined || (!token.inlineValue && value.startsWith('-') && !isNumber(value))) {
      throw new TopicstreamError('ERR_CONFIG_INVALID', `${token.rawName} needs a value (see --help)`, {
        details: { option: token.rawName },
      })
    }
    const previous = given.get(key)
    given.set(key, spec.repeatable ? [...(Array.isArray(previous) ? previous : []), value] : value)
  }
  return given
}

function isNumber(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text))
}

function strayArgument(
  value: string,
  previous: ArgToken | undefined,
  accepted: readonly string[],
): TopicstreamError {
  // `--proba 5`: the word was meant as the value of a switch, which takes none.
  const why =
    previous?.kind === 'option' && previous.value === undefined
      ? `${previous.rawName} is a switch and takes no value`
      : accepted.length === 0
        ? 'this command takes options only'
        : `this command takes ${accepted.map((name) => `<${name}>`).join(' ')} and options only`
  return new TopicstreamError('ERR_CONFIG_INVALID', `Unexpected argument "${value}": ${why} (see --help)`, {
    details: { argument: value },
  })
}

function convert(spec: OptionSpec, raw: string | boolean | string[], origin: string): unknown {
  const invalid = (why: string): TopicstreamError =>
    new TopicstreamError('ERR_CONFIG_INVALID', `${origin}: ${why}`, {
      details: spec.secret ? { option: origin } : { option: origin, value: raw },
    })
  switch (spec.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw
      const text = String(raw).toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(text)) return true
      if (['0', 'false', 'no', 'off'].includes(text)) return false
      throw invalid('expected true or false')
    }
    case 'integer':
    case 'number': {
      const text = String(raw).trim()
      const value = Number(text)
      if (text === '' || !Number.isFinite(value)) throw invalid(`expected a number, got "${text}"`)
      if (spec.kind === 'integer' && !Number.isInteger(value))
        throw invalid(`expected a whole number, got ${text}`)
      if (spec.min !== undefined && value < spec.min) throw invalid(`must be at least ${spec.min}`)
      if (spec.max !== undefined && value > spec.max) throw invalid(`must be at most ${spec.max}`)
      return value
    }
    case 'list': {
      const items = (Array.isArray(raw) ? raw : [String(raw)]).flatMap((item) => item.split(','))
      return Object.freeze(items.map((item) => item.trim()).filter((item) => item !== ''))
    }
    case 'string': {
      const text = String(raw)
      if (spec.choices && !spec.choices.includes(text)) {
        throw invalid(`expected one of ${spec.choices.join(', ')}, got "${text}"`)
      }
      return text
    }
  }
}

function unknownOption(given: string, known: readonly string[]): TopicstreamError {
  const hint = closest(given.replace(/^-+/, ''), known)
  return new TopicstreamError(
    'ERR_CONFIG_UNKNOWN_OPTION',
    `Unknown option ${given}${hint ? `. Did you mean --${hint}?` : ' (see --help)'}`,
    { details: { option: given } },
  )
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** `--help` text for a command, from its option table. */
export function renderHelp(usage: string, summary: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([key, spec]) => {
    const flag = `--${flagName(key)}${spec.kind === 'boolean' ? '' : ` <${spec.kind === 'list' ? 'a,b' : spec.kind}>`}`
    const extras = [
      spec.env ? `env ${spec.env}` : '',
      spec.default !== undefined && !spec.secret ? `default ${formatDefault(spec.default)}` : '',
      spec.choices ? `one of ${spec.choices.join('|')}` : '',
      spec.required ? 'required' : '',
    ].filter(Boolean)
    return `  ${flag.padEnd(34)} ${spec.description}${extras.length ? ` (${extras.join('; ')})` : ''}`
  })
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${rows.join('\n')}\n  ${'--help'.padEnd(34)} Show this help\n`
}

/** The README's configuration table rows for a command: `| flag | env | default | description |`. */
export function renderMarkdownTable(specs: OptionSpecs): string {
  const lines = ['| Flag | Environment | Default | Description |', '| --- | --- | --- | --- |']
  for (const [key, spec] of Object.entries(specs)) {
    const def = spec.default === undefined || spec.secret ? '' : `\`${formatDefault(spec.default)}\``
    lines.push(
      `| \`--${flagName(key)}\` | ${spec.env ? `\`${spec.env}\`` : ''} | ${def} | ${spec.description} |`,
    )
  }
  return lines.join('\n')
}

function formatDefault(value: string | number | boolean | readonly string[]): string {
  return Array.isArray(value) ? value.join(',') : String(value)
}

/**
 * `defaults` with every value `given` sets: a key given as undefined keeps its default, and keys
 * the defaults do not have are left out. The one merge rule of every resolved settings object.
 */
export function withDefaults<T extends object>(defaults: T, given: Partial<T>): T {
  const result = { ...defaults }
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    const value = given[key]
    if (value !== undefined) result[key] = value as T[keyof T]
  }
  return result
}
