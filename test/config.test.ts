import { describe, expect, it } from 'vitest'
import {
  type OptionSpecs,
  flagName,
  parseCommandLine,
  renderHelp,
  renderMarkdownTable,
  withDefaults,
} from '../src/config.js'
import { TopicstreamError } from '../src/errors.js'

const SPECS = {
  port: { kind: 'integer', env: 'TEST_PORT', default: 8080, min: 0, max: 65535, description: 'Port' },
  ratio: { kind: 'number', description: 'A ratio' },
  mode: { kind: 'string', choices: ['fast', 'exact'], default: 'exact', description: 'Mode' },
  verbose: { kind: 'boolean', env: 'TEST_VERBOSE', description: 'Talk more' },
  docs: { kind: 'boolean', default: true, description: 'Serve docs' },
  tags: { kind: 'list', description: 'Tags' },
  model: { kind: 'list', repeatable: true, env: 'TEST_MODELS', description: 'Models' },
  token: { kind: 'string', secret: true, env: 'TEST_TOKEN', default: 'hidden', description: 'Token' },
} as const satisfies OptionSpecs

function errorOf(run: () => unknown): TopicstreamError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(TopicstreamError)
    return error as TopicstreamError
  }
  throw new Error('expected an error')
}

describe('parseCommandLine', () => {
  it('takes the flag first, then the environment variable, then the default', () => {
    expect(parseCommandLine(SPECS, ['--port', '1'], { TEST_PORT: '2' }).options.port).toBe(1)
    expect(parseCommandLine(SPECS, [], { TEST_PORT: '2' }).options.port).toBe(2)
    expect(parseCommandLine(SPECS, [], { TEST_PORT: '' }).options.port).toBe(8080)
    const { options } = parseCommandLine(SPECS, [], {})
    expect(options).toMatchObject({ port: 8080, mode: 'exact', verbose: false, docs: true })
    expect(options.ratio).toBeUndefined()
  })

  it('converts booleans from flags, --no- flags and the environment', () => {
    expect(parseCommandLine(SPECS, ['--verbose'], {}).options.verbose).toBe(true)
    expect(parseCommandLine(SPECS, ['--no-docs'], {}).options.docs).toBe(false)
    expect(parseCommandLine(SPECS, [], { TEST_VERBOSE: 'yes' }).options.verbose).toBe(true)
    expect(parseCommandLine(SPECS, [], { TEST_VERBOSE: 'off' }).options.verbose).toBe(false)
    expect(errorOf(() => parseCommandLine(SPECS, [], { TEST_VERBOSE: 'maybe' })).code).toBe(
      'ERR_CONFIG_INVALID',
    )
  })

  it('splits lists on commas, and repeatable flags and their variable alike', () => {
    expect(parseCommandLine(SPECS, ['--tags', ' a, b,,c '], {}).options.tags).toEqual(['a', 'b', 'c'])
    const repeated = parseCommandLine(SPECS, ['--model', 'a=x', '--model', 'b=y,c=z'], {})
    expect(repeated.options.model).toEqual(['a=x', 'b=y', 'c=z'])
    expect(parseCommandLine(SPECS, [], { TEST_MODELS: 'a=x, b=y' }).options.model).toEqual(['a=x', 'b=y'])
  })

  it('refuses out-of-range, fractional and non-numeric numbers and unknown choices', () => {
    for (const argv of [
      ['--port', '70000'],
      ['--port', '1.5'],
      ['--port', 'abc'],
      ['--ratio', ''],
      ['--mode', 'slow'],
    ]) {
      const error = errorOf(() => parseCommandLine(SPECS, argv, {}))
      expect(error.code, argv.join(' ')).toBe('ERR_CONFIG_INVALID')
      expect(error.details?.option).toBe(argv[0])
    }
  })

  it('names the environment variable in errors, and never echoes a secret', () => {
    const fromEnv = errorOf(() => parseCommandLine(SPECS, [], { TEST_PORT: '-1' }))
    expect(fromEnv.message).toMatch(/^TEST_PORT: must be at least 0/)
    const secretSpecs = { key: { kind: 'integer', secret: true, description: 'Key' } } as const
    const secret = errorOf(() => parseCommandLine(secretSpecs, ['--key', 's3cret'], {}))
    expect(JSON.stringify(secret.details)).not.toContain('s3cret')
  })

  it('suggests the closest option for a typo', () => {
    const error = errorOf(() => parseCommandLine(SPECS, ['--prot', '1'], {}))
    expect(error.code).toBe('ERR_CONFIG_UNKNOWN_OPTION')
    expect(error.message).toMatch(/Did you mean --port\?$/)
    expect(errorOf(() => parseCommandLine(SPECS, ['--zzzzzz'], {})).message).not.toMatch(/Did you mean/)
  })

  it('requires required options unless help is asked for', () => {
    const specs = {
      dataset: { kind: 'string', required: true, env: 'TEST_DATASET', description: 'D' },
    } as const
    expect(errorOf(() => parseCommandLine(specs, [], {})).message).toBe(
      '--dataset is required (or TEST_DATASET)',
    )
    expect(parseCommandLine(specs, ['--help'], {}).help).toBe(true)
  })

  it('refuses positional arguments the command does not declare, and says what to do', () => {
    const stray = errorOf(() => parseCommandLine(SPECS, ['--port', '1', 'extra', '--verbose'], {}))
    expect(stray.code).toBe('ERR_CONFIG_INVALID')
    expect(stray.message).toBe('Unexpected argument "extra": this command takes options only (see --help)')
    expect(stray.details).toEqual({ argument: 'extra' })
    expect(errorOf(() => parseCommandLine(SPECS, ['--', '--port'], {})).message).toMatch(
      /^Unexpected argument "--port"/,
    )
    // A value given to a switch is the usual way to get here.
    expect(errorOf(() => parseCommandLine(SPECS, ['--verbose', '5'], {})).message).toBe(
      'Unexpected argument "5": --verbose is a switch and takes no value (see --help)',
    )
    expect(errorOf(() => parseCommandLine(SPECS, ['--no-docs', 'x'], {})).message).toMatch(
      /--no-docs is a switch/,
    )
  })

  it('accepts declared positionals, in order, and refuses one more', () => {
    const shape = { positionals: ['action'] }
    expect(parseCommandLine(SPECS, ['start', '--port', '1'], {}, shape).positionals).toEqual(['start'])
    expect(parseCommandLine(SPECS, ['--port', '1'], {}, shape).positionals).toEqual([])
    const extra = errorOf(() => parseCommandLine(SPECS, ['start', '--port', '1', 'now'], {}, shape))
    expect(extra.code).toBe('ERR_CONFIG_INVALID')
    expect(extra.message).toBe(
      'Unexpected argument "now": this command takes <action> and options only (see --help)',
    )
  })

  it('leaves stray arguments to --help, which prints the usage instead', () => {
    expect(parseCommandLine(SPECS, ['extra', '--help'], {}).help).toBe(true)
  })

  it('returns frozen options and positionals', () => {
    const parsed = parseCommandLine(SPECS, ['file.txt'], {}, { positionals: ['file'] })
    expect(parsed.positionals).toEqual(['file.txt'])
    expect(Object.isFrozen(parsed.options)).toBe(true)
    expect(Object.isFrozen(parsed.positionals)).toBe(true)
  })
})

describe('help and README tables', () => {
  it('derive flags from the keys and hide secret defaults', () => {
    expect(flagName('maxTextBytes')).toBe('max-text-bytes')
    const help = renderHelp('test [options]', 'Does things.', SPECS)
    expect(help).toMatch(/--port <integer> +Port \(env TEST_PORT; default 8080\)/)
    expect(help).toMatch(/--mode <string> +Mode \(default exact; one of fast\|exact\)/)
    expect(help).not.toContain('hidden')
    const table = renderMarkdownTable(SPECS)
    expect(table).toContain('| `--port` | `TEST_PORT` | `8080` | Port |')
    expect(table).toContain('| `--token` | `TEST_TOKEN` |  | Token |')
  })
})

describe('withDefaults', () => {
  it('takes given values, keeps defaults for undefined ones and leaves out unknown keys', () => {
    const defaults: { a: number; b: string; c: number | undefined } = Object.freeze({
      a: 1,
      b: 'x',
      c: undefined,
    })
    // Options objects carry more than settings (a bridge's classify function, say).
    const given = { a: 2, b: undefined, c: 3, classify: () => 'not a setting' }
    expect(withDefaults<typeof defaults>(defaults, given)).toEqual({ a: 2, b: 'x', c: 3 })
    expect(defaults).toEqual({ a: 1, b: 'x', c: undefined })
  })
})
