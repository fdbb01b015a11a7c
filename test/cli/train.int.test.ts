import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import { createModelsFollower } from '../../src/models-topic/index.js'
import { createLogger } from '../../src/runtime/logger.js'
import { closedPort, serveArchive } from '../datasets/fixtures.js'
import { kafkaBrokers, kafkaLibrary, randomTopicName, withAdmin } from '../helpers/kafka.js'
import { makeTarGz, miniNewsgroups } from '../engine/datasets/fixtures.js'
import { runCli } from './helpers.js'
import type { Workspace } from './helpers.js'
import { trainedWorkspace } from './helpers.js'

let workspace: Workspace
beforeAll(async () => {
  workspace = await trainedWorkspace()
})
afterAll(() => workspace.cleanup())

describe('topicstream train', () => {
  it('trains on JSONL with a held-out split and stores the accuracy in the model', async () => {
    const out = join(workspace.dir, 'train-json.tsmodel')
    const trained = await runCli([
      'train',
      '--dataset',
      `jsonl:${workspace.corpus}`,
      '--test-size',
      '0.25',
      '--out',
      out,
      '--json',
    ])
    expect(trained.code).toBe(0)
    const summary = JSON.parse(trained.stdout) as Record<string, number>
    expect(summary).toMatchObject({ classes: 3, trainDocuments: 90, testDocuments: 30, vocabularySize: 37 })
    expect(summary.testAccuracy).toBeGreaterThan(0.9)
    expect(trained.stderr).toMatch(/fit: /)

    const inspected = await runCli(['inspect', '--model', out, '--json'])
    expect(inspected.code).toBe(0)
    const metadata = JSON.parse(inspected.stdout) as Record<string, unknown>
    expect(metadata.testAccuracy).toBe(summary.testAccuracy)
    expect(metadata.classes).toEqual(['food', 'sport', 'tech'])
    expect(metadata.dataset).toMatchObject({ source: `jsonl:${workspace.corpus}`, trainDocuments: 90 })
  })

  it('prints vocabulary size, train time and test accuracy', async () => {
    const out = join(workspace.dir, 'train-text.tsmodel')
    const trained = await runCli([
      'train',
      '--dataset',
      `jsonl:${workspace.corpus}`,
      '--test-size',
      '0.2',
      '--out',
      out,
    ])
    expect(trained.code).toBe(0)
    expect(trained.stdout).toMatch(/^vocabulary +37$/m)
    expect(trained.stdout).toMatch(/^train time +[\d.]+ s$/m)
    expect(trained.stdout).toMatch(/^test accuracy +\d\.\d{4} on 24 docs/m)
  })

  it('passes every training flag into the model parameters', async () => {
    const out = join(workspace.dir, 'flags.tsmodel')
    const trained = await runCli([
      'train',
      '--dataset',
      `jsonl:${workspace.corpus}`,
      '--out',
      out,
      '--quiet',
      '--algorithm',
      'complement',
      '--alpha',
      '0.5',
      '--no-idf',
      '--norm',
      'none',
      '--sublinear-tf',
      '--ngram',
      '1,2',
      '--min-df',
      '2',
      '--max-df',
      '0.9',
      '--complement-norm',
      '--no-fit-prior',
    ])
    expect(trained.code, trained.stderr).toBe(0)
    expect(trained.stdout).toMatch(/no test split/)
    const metadata = JSON.parse((await runCli(['inspect', '--model', out, '--json'])).stdout) as {
      params: unknown
    }
    expect(metadata.params).toEqual({
      algorithm: 'complement',
      alpha: 0.5,
      fitPrior: false,
      complementNorm: true,
      useIdf: false,
      norm: 'none',
      sublinearTf: true,
      smoothIdf: true,
      ngramRange: [1, 2],
      minDf: 2,
      maxDf: 0.9,
      vectorizer: 'count',
      nFeatures: 2 ** 18,
    })
  })

  it('trains a hashing model: no vocabulary, format 2, and it classifies', async () => {
    const out = join(workspace.dir, 'hashing.tsmodel')
    const trained = await runCli([
      'train',
      '--dataset',
      `jsonl:${workspace.corpus}`,
      '--test-size',
      '0.2',
      '--vectorizer',
      'hashing',
      '--n-features',
      '1024',
      '--out',
      out,
    ])
    expect(trained.code, trained.stderr).toBe(0)
    expect(trained.stdout).toMatch(/^vocabulary +none: hashing into 1,024 columns$/m)
    expect(trained.stdout).toMatch(/^test accuracy +\d\.\d{4} on 24 docs/m)
    const inspected = await runCli(['inspect', '--model', out])
    expect(inspected.stdout).toMatch(/^version +[0-9a-f]+ \(format 2\)$/m)
    expect(inspected.stdout).toMatch(/ vectorizer=hashing nFeatures=1024$/m)
    const classified = await runCli(['classify', '--model', out], {
      input: '{"id":"a","text":"football goal"}\n',
    })
    expect(classified.code, classified.stderr).toBe(0)
    expect(JSON.parse(classified.stdout)).toMatchObject({ id: 'a', label: expect.any(String) })
  })

  it('refuses the options of one vectorizer with the other, with exit code 2', async () => {
    const base = [
      'train',
      '--dataset',
      `jsonl:${workspace.corpus}`,
      '--out',
      join(workspace.dir, 'no.tsmodel'),
    ]
    const pruned = await runCli([...base, '--vectorizer', 'hashing', '--min-df', '2'])
    expect(pruned.code).toBe(2)
    expect(pruned.stderr).toMatch(
      /--min-df prunes a vocabulary, and --vectorizer hashing has none.*\[ERR_CONFIG_INVALID\]/,
    )
    const columns = await runCli([...base, '--n-features', '1024'])
    expect(columns.code).toBe(2)
    expect(columns.stderr).toMatch(
      /--n-features sets the columns of --vectorizer hashing.*\[ERR_CONFIG_INVALID\]/,
    )
    expect(existsSync(join(workspace.dir, 'no.tsmodel'))).toBe(false)
  })

  it('trains on a 20news archive with a category subset', async () => {
    const archive = join(workspace.dir, '20news-bydate.tar.gz')
    await writeFile(archive, await makeTarGz(miniNewsgroups()))
    const out = join(workspace.dir, 'news.tsmodel')
    const trained = await runCli([
      'train',
      '--dataset',
      `20news:${archive}`,
      '--categories',
      'sci.space,alt.atheism',
      '--out',
      out,
      '--json',
    ])
    expect(trained.code, trained.stderr).toBe(0)
    expect(JSON.parse(trained.stdout)).toMatchObject({ classes: 2, trainDocuments: 4, testDocuments: 2 })
  })

  it('fails with the code of an unknown category and writes no model', async () => {
    const archive = join(workspace.dir, 'unknown-20news.tar.gz')
    await writeFile(archive, await makeTarGz(miniNewsgroups()))
    const out = join(workspace.dir, 'never.tsmodel')
    const trained = await runCli([
      'train',
      '--dataset',
      `20news:${archive}`,
      '--categories',
      'rec.nope',
      '--out',
      out,
    ])
    expect(trained.code).toBe(1)
    expect(trained.stderr).toMatch(
      /unknown category "rec.nope"; valid categories: alt.atheism, comp.graphics, sci.space \[ERR_DATASET_UNKNOWN_CATEGORY\]/,
    )
    expect(existsSync(out)).toBe(false)
  })

  it('rejects bad options with exit code 2', async () => {
    const noOut = await runCli(['train', '--dataset', `jsonl:${workspace.corpus}`])
    expect(noOut.code).toBe(2)
    expect(noOut.stderr).toMatch(/--out is required \[ERR_CONFIG_INVALID\]/)
    const badNgram = await runCli([
      'train',
      '--dataset',
      `jsonl:${workspace.corpus}`,
      '--ngram',
      '2,3',
      '--out',
      'x',
    ])
    expect(badNgram.code).toBe(2)
    expect(badNgram.stderr).toMatch(/--ngram: expected 1,1 or 1,2/)
    const typo = await runCli(['train', '--datset', 'x'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toMatch(/Did you mean --dataset\?/)
  })

  it('names the bad line of a dataset', async () => {
    const corpus = join(workspace.dir, 'bad.jsonl')
    await writeFile(corpus, '{"text":"a","label":"x"}\n{"text":"b"}\n')
    const trained = await runCli([
      'train',
      '--dataset',
      `jsonl:${corpus}`,
      '--out',
      join(workspace.dir, 'bad.tsmodel'),
    ])
    expect(trained.code).toBe(1)
    expect(trained.stderr).toContain(
      `${corpus}:2: "label" is missing, empty or not a string [ERR_DATASET_INVALID]`,
    )
  })

  it('names --encoding latin1 when a file of a dir: dataset is not UTF-8', async () => {
    const root = join(workspace.dir, 'latin1')
    await mkdir(join(root, 'a'), { recursive: true })
    await mkdir(join(root, 'b'), { recursive: true })
    await writeFile(join(root, 'a', '1'), Buffer.from([0x63, 0x61, 0x66, 0xe9]))
    await writeFile(join(root, 'b', '1'), 'fine')
    const args = ['train', '--dataset', `dir:${root}`, '--out', join(workspace.dir, 'latin1.tsmodel')]
    const strict = await runCli(args)
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain(
      `${join(root, 'a', '1')} is not valid UTF-8 (use --encoding latin1 for Latin-1 files) [ERR_DATASET_INVALID]`,
    )
    const latin1 = await runCli([...args, '--encoding', 'latin1', '--quiet'])
    expect(latin1.code, latin1.stderr).toBe(0)
  })

  it('prints its options with --help', async () => {
    const help = await runCli(['train', '--help'])
    expect(help.code).toBe(0)
    for (const flag of [
      '--dataset',
      '--categories',
      '--algorithm',
      '--alpha',
      '--no-idf',
      '--norm',
      '--sublinear-tf',
      '--ngram',
      '--min-df',
      '--max-df',
      '--out',
      '--test-size',
    ]) {
      expect(help.stdout).toContain(flag.replace('--no-', '--'))
    }
  })

  it('downloads the 20news archive into the cache with progress on stderr', async () => {
    const { url } = await serveArchive(await makeTarGz(miniNewsgroups()))
    const env = {
      TOPICSTREAM_20NEWS: '',
      TOPICSTREAM_20NEWS_URL: url,
      XDG_CACHE_HOME: join(workspace.dir, 'cache'),
    }
    const out = join(workspace.dir, 'downloaded.tsmodel')
    const trained = await runCli(['train', '--dataset', '20news', '--out', out, '--json'], { env })
    expect(trained.code, trained.stderr).toBe(0)
    expect(trained.stderr).toMatch(/^download 20news: 0\.0 MB \/ 0\.0 MB \(100%\)$/m)
    expect(JSON.parse(trained.stdout)).toMatchObject({ classes: 3, trainDocuments: 5 })
    expect(existsSync(join(env.XDG_CACHE_HOME, 'topicstream', '20news-bydate.tar.gz'))).toBe(true)
  })

  it('explains how to pass a local archive when offline', async () => {
    const port = await closedPort()
    const env = {
      TOPICSTREAM_20NEWS: '',
      TOPICSTREAM_20NEWS_URL: `http://127.0.0.1:${port}/20news-bydate.tar.gz`,
      XDG_CACHE_HOME: join(workspace.dir, 'offline-cache'),
    }
    const trained = await runCli(
      ['train', '--dataset', '20news', '--out', join(workspace.dir, 'x.tsmodel')],
      { env },
    )
    expect(trained.code).toBe(1)
    expect(trained.stderr).toMatch(
      /could not download the 20 Newsgroups archive .*pass a local copy with --dataset 20news:PATH or the TOPICSTREAM_20NEWS environment variable \[ERR_DATASET_DOWNLOAD_FAILED\]/,
    )
  })
})

describe('topicstream train --publish', () => {
  it('publishes the model it wrote to the models topic, continuing the pointer before it', async () => {
    const topic = randomTopicName('models')
    onTestFinished(async () => {
      await withAdmin(async (admin) => {
        if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics([topic])
      })
    })
    const brokers = kafkaBrokers().join(',')
    const out = join(workspace.dir, 'published.tsmodel')
    const base = ['train', '--dataset', `jsonl:${workspace.corpus}`, '--test-size', '0.2', '--out', out]
    const first = await runCli([...base, '--publish', brokers, '--models-topic', topic])
    expect(first.code, first.stderr).toBe(0)
    const version = /^model +\S+ \(version ([0-9a-f]+)\)$/m.exec(first.stdout)?.[1]
    expect(first.stdout).toMatch(
      new RegExp(`^published +published@${version} to ${topic} on ${brokers} \\(1 chunk, 0\\.0 MB\\)$`, 'm'),
    )
    expect(first.stderr).toContain(`publish: published@${version} to ${topic}`)

    const second = await runCli([
      ...base,
      '--alpha',
      '0.5',
      '--publish',
      brokers,
      '--models-topic',
      topic,
      '--model-name',
      'published',
      '--json',
    ])
    expect(second.code, second.stderr).toBe(0)
    const summary = JSON.parse(second.stdout) as { version: string; testAccuracy: number }
    expect(summary).toMatchObject({
      published: { name: 'published', topic, brokers: [brokers], chunks: 1, bytes: expect.any(Number) },
    })
    expect(summary.version).not.toBe(version)

    const follower = createModelsFollower({
      client: createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' }),
      topic,
      logger: createLogger({ level: 'silent' }),
    })
    try {
      await follower.start()
      expect(follower.current('published')).toMatchObject({
        version: summary.version,
        action: 'publish',
        history: [version],
      })
      expect(follower.manifest('published', summary.version)).toMatchObject({
        source: 'train',
        previous: version,
        evaluation: { testAccuracy: summary.testAccuracy },
      })
    } finally {
      await follower.stop()
    }
  })

  it('refuses a model name the models topic cannot carry, before training', async () => {
    const out = join(workspace.dir, 'bad name.tsmodel')
    const trained = await runCli([
      'train',
      '--dataset',
      `jsonl:${workspace.corpus}`,
      '--out',
      out,
      '--publish',
      kafkaBrokers().join(','),
    ])
    expect(trained.code).toBe(2)
    expect(trained.stderr).toMatch(/--model-name: "bad name" cannot name a model.*\[ERR_CONFIG_INVALID\]/)
    expect(existsSync(out)).toBe(false)
  })
})
