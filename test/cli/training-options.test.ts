import { describe, expect, it } from 'vitest'
import { parseCommandLine } from '../../src/config.js'
import { TRAINING_SPECS, toTrainingParams } from '../../src/cli/training-options.js'

function params(argv: readonly string[]) {
  return toTrainingParams(parseCommandLine(TRAINING_SPECS, argv, {}).options)
}

describe('training options', () => {
  it('default to the count vectorizer, with 2^18 columns should hashing be chosen', () => {
    expect(params([])).toMatchObject({ vectorizer: 'count', nFeatures: 2 ** 18 })
    expect(params(['--vectorizer', 'hashing', '--n-features', '1048576'])).toMatchObject({
      vectorizer: 'hashing',
      nFeatures: 2 ** 20,
    })
  })

  it.each([
    [['--vectorizer', 'hashing', '--min-df', '2'], /--min-df prunes a vocabulary/],
    [['--vectorizer', 'hashing', '--min-df', '2', '--max-df', '0.5'], /--min-df and --max-df/],
    [['--n-features', '1024'], /--n-features sets the columns of --vectorizer hashing/],
  ])('refuse %j: the option does not apply to that vectorizer', (argv, message) => {
    expect(() => params(argv)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(message) }),
    )
  })

  it.each([
    ['--vectorizer', 'bag'],
    ['--n-features', '0'],
    ['--n-features', '1.5'],
    ['--n-features', String(2 ** 31)],
  ])('refuse %s %s', (...argv) => {
    expect(() => params(argv)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }))
  })
})
