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
