import { describe, expect, it } from 'vitest'
import { loadCsv, loadJsonl } from '../../../src/engine/datasets/index.js'
import { requireData, sandersTweets } from '../../helpers/data.js'
import { writeTemp } from './fixtures.js'

describe('CSV loader', () => {
  it('parses quoted fields with commas, quotes and newlines', async () => {
    const path = await writeTemp(
      'data.csv',
      '\uFEFFlabel,text,extra\r\nb,"hello, ""world""\nsecond line",1\r\na,plain,2\r\n\r\nb,"",3\r\n',
    )
    const dataset = await loadCsv(path)
    expect(dataset.source).toBe(`csv:${path}`)
    expect(dataset.train.classes).toEqual(['a', 'b'])
    expect(dataset.train.texts).toEqual(['hello, "world"\nsecond line', 'plain', ''])
    expect([...dataset.train.targets]).toEqual([1, 0, 1])
  })

  it('selects other columns', async () => {
    const path = await writeTemp('data.csv', 'Topic,Body\nx,one\ny,two\n')
    const dataset = await loadCsv(path, { textColumn: 'Body', labelColumn: 'Topic' })
    expect(dataset.train.texts).toEqual(['one', 'two'])
    await expect(loadCsv(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringContaining('has no column "text"; its columns are Topic, Body'),
    })
  })

  it('names the line of a row with an empty label', async () => {
    const path = await writeTemp('data.csv', 'text,label\nfine,a\nno label,\nalso fine,b\n')
    await expect(loadCsv(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: `${path}:3: "label" is missing, empty or not a string`,
    })
  })

  it('names the line of a row with a wrong number of fields', async () => {
    const path = await writeTemp('data.csv', 'text,label\nfine,a\nx,y,z\n')
    await expect(loadCsv(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringMatching(/data\.csv:3: /),
    })
  })

  it('keeps numeric-looking labels as strings, in code-point order', async () => {
    const path = await writeTemp('data.csv', 'text,label\na,10\nb,2\nc,1\nd,1.0\n')
    const dataset = await loadCsv(path)
    expect(dataset.train.classes).toEqual(['1', '1.0', '10', '2'])
    expect(dataset.train.labelType).toBeUndefined()
  })

  it('rejects a file that is not UTF-8', async () => {
    const path = await writeTemp('data.csv', Buffer.from('text,label\ncaf\xe9,a\n', 'latin1'))
    await expect(loadCsv(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: `${path} is not valid UTF-8`,
    })
  })
})

describe('JSON Lines loader', () => {
  it('reads objects, skipping blank lines only', async () => {
    const path = await writeTemp(
      'data.jsonl',
      '{"text":"a b","label":"x"}\n\n{"label":"y","text":"c","id":3}\r\n',
    )
    const dataset = await loadJsonl(path)
    expect(dataset.train.texts).toEqual(['a b', 'c'])
    expect(dataset.train.classes).toEqual(['x', 'y'])
  })

  it.each([
    ['{"text":"a","label":"x"}\n{"text":5,"label":"x"}\n', 2, '"text" is missing or not a string'],
    ['{"text":"a","label":"x"}\n\n{"text":"b"}\n', 3, '"label" is missing, empty or not a string'],
    ['{"text":"a","label":"x"}\n["a","x"]\n', 2, 'expected a JSON object'],
    ['{"text":"a","label":"x"}\n{"text":\n', 2, 'not valid JSON'],
  ])('names the line of a bad row (%#)', async (content, line, why) => {
    const path = await writeTemp('data.jsonl', content)
    await expect(loadJsonl(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringContaining(`${path}:${line}: ${why}`),
      details: { path, line },
    })
  })

  it('uses custom property names', async () => {
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ body: `t${i}`, cat: i % 2 ? 'odd' : 'even' }),
    )
    const path = await writeTemp('data.jsonl', lines.join('\n'))
    const dataset = await loadJsonl(path, {
      textColumn: 'body',
      labelColumn: 'cat',
    })
    expect(dataset.source).toBe(`jsonl:${path}`)
    expect(dataset.train.classes).toEqual(['even', 'odd'])
    expect(dataset.train.texts).toHaveLength(20)
    expect(dataset.test).toBeUndefined()
  })

  it('accepts JSON numbers as labels, ordered numerically, 1 and 1.0 one class', async () => {
    const rows = [
      { text: 'a', label: 10 },
      { text: 'b', label: 2 },
      { text: 'c', label: 1 },
      { text: 'd', label: 20 },
      { text: 'e', label: 5 },
      { text: 'f', label: -3 },
    ]
    const lines = rows.map((row) => JSON.stringify(row))
    lines.push('{"text":"g","label":1.0}', '{"text":"h","label":2e0}', '{"text":"i","label":-0}')
    const path = await writeTemp('data.jsonl', lines.join('\n'))
    const dataset = await loadJsonl(path)
    // numpy.unique([10, 2, 1, 20, 5, -3, 1.0, 2.0, -0.0]) == [-3, -0, 1, 2, 5, 10, 20]
    expect(dataset.train.classes).toEqual(['-3', '0', '1', '2', '5', '10', '20'])
    expect(dataset.train.labelType).toBe('number')
    expect([...dataset.train.targets]).toEqual([5, 3, 2, 6, 4, 0, 2, 3, 1])
  })

  it('keeps string labels that look like numbers in code-point order', async () => {
    const path = await writeTemp('data.jsonl', '{"text":"a","label":"10"}\n{"text":"b","label":"9"}\n')
    const dataset = await loadJsonl(path)
    expect(dataset.train.classes).toEqual(['10', '9'])
    expect(dataset.train.labelType).toBeUndefined()
  })

  it('selects numeric categories by class name', async () => {
    const lines = [10, 2, 1, 10].map((label, i) => JSON.stringify({ text: `t${i}`, label }))
    const path = await writeTemp('data.jsonl', lines.join('\n'))
    const dataset = await loadJsonl(path, { categories: ['10', '1'] })
    expect(dataset.train).toMatchObject({ classes: ['1', '10'], labelType: 'number' })
    expect(dataset.train.texts).toEqual(['t0', 't2', 't3'])
  })

  it('refuses a mix of string and number labels, naming one of each', async () => {
    const path = await writeTemp(
      'data.jsonl',
      '{"text":"a","label":"sports"}\n{"text":"b","label":"tech"}\n{"text":"c","label":3}\n',
    )
    await expect(loadJsonl(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringContaining(
        `${path} mixes string and number labels (line 1: "sports", line 3: 3)`,
      ),
      details: { path, stringLabel: { line: 1, label: 'sports' }, numberLabel: { line: 3, label: 3 } },
    })
  })

  it.each([
    ['{"text":"a","label":true}', 'must be a string or a number, got a boolean'],
    ['{"text":"a","label":null}', 'must be a string or a number, got null'],
    ['{"text":"a","label":[1]}', 'must be a string or a number, got an array'],
    ['{"text":"a","label":2.5}', '2.5 is not an integer: scikit-learn refuses fractional labels'],
    ['{"text":"a","label":1e400}', 'Infinity is not an integer'],
    ['{"text":"a","label":12345678901234567890}', '12345678901234567000 is too large to be an exact class'],
  ])('refuses a label that cannot be a class: %s', async (line, why) => {
    const path = await writeTemp('data.jsonl', `{"text":"a","label":1}\n${line}\n`)
    await expect(loadJsonl(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringContaining(`${path}:2: "label" ${why}`),
    })
  })

  it('reports a missing file as ERR_DATASET_NOT_FOUND', async () => {
    await expect(loadJsonl('/nonexistent.jsonl')).rejects.toMatchObject({
      code: 'ERR_DATASET_NOT_FOUND',
    })
  })
})

const realTweets = sandersTweets()
const tweets = realTweets.path
const hasTweets = requireData('the real-tweets loader test', [realTweets])

describe.skipIf(!hasTweets)('CSV loader on the Sanders tweets', () => {
  it('reads all 5,113 tweets with Topic as the label', async () => {
    const dataset = await loadCsv(tweets, { textColumn: 'TweetText', labelColumn: 'Topic' })
    expect(dataset.train.texts).toHaveLength(5_113)
    expect(dataset.train.classes).toEqual(['apple', 'google', 'microsoft', 'twitter'])
    expect(dataset.fingerprint).toBe('19bf91b49bbf852eae402210489c0d87071ad11e067b6bf351660db19435c0c8')
  })
})
