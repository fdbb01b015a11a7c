/**
 * The Apache Kafka jars of the local broker: gathered once from Maven Central with the packaged
 * `kafka/pom.xml`, then read from a per-version cache so later starts work offline.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cacheHome } from '../../cache-dir.js'
import { TopicstreamError } from '../../errors.js'

/** The Kafka release the packaged pom pins; bump both together. */
export const KAFKA_VERSION = '4.1.2'

const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1'

/**
 * `kafka/` (pom.xml, log4j2.properties). The same relative path holds from `src/kafka/broker`
 * (tests) and `dist/kafka/broker` (the published CLI), as both sit two levels under the root.
 */
export function kafkaResourceDir(): string {
  return fileURLToPath(new URL('../../../kafka/', import.meta.url))
}

export function defaultJarCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheHome(env), 'topicstream', `kafka-${KAFKA_VERSION}`)
}

export interface EnsureJarsOptions {
  /** Defaults to `${XDG_CACHE_HOME:-~/.cache}/topicstream/kafka-<version>`. */
  cacheDir?: string
  env?: NodeJS.ProcessEnv
  /** Told once, before the first (slow) download. */
  onProgress?: (message: string) => void
}

/** Resolves to the directory holding every broker jar, downloading them on first use. */
export async function ensureKafkaJars(options: EnsureJarsOptions = {}): Promise<string> {
  const env = options.env ?? process.env
  const cacheDir = options.cacheDir ?? defaultJarCacheDir(env)
  const libDir = join(cacheDir, 'libs')
  // `libs/` appears only by an atomic rename of a finished download, so its presence means complete.
  if (existsSync(join(libDir, `kafka_2.13-${KAFKA_VERSION}.jar`))) return libDir

  options.onProgress?.(
    `Downloading Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${cacheDir} (once, about 45 MB)…`,
  )
  await mkdir(cacheDir, { recursive: true })
  const partial = join(cacheDir, `libs.partial-${process.pid}-${Date.now()}`)
  try {
    await runMaven(
      [
        '-B',
        '-q',
        '-f',
        join(kafkaResourceDir(), 'pom.xml'),
        `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
        '-DincludeScope=runtime',
        `-DoutputDirectory=${partial}`,
      ],
      env,
      kafkaResourceDir(),
    )
    try {
      await rename(partial, libDir)
    } catch (error) {
      // Another process finished the same download first; theirs is as good as ours.
      if (!existsSync(join(libDir, `kafka_2.13-${KAFKA_VERSION}.jar`))) throw error
    }
  } finally {
    await rm(partial, { recursive: true, force: true })
  }
  return libDir
}

function runMaven(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8000)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new TopicstreamError(
          'ERR_KAFKA_BROKER',
          error.code === 'ENOENT'
            ? 'Maven (mvn) is needed once to download the Kafka jars, and it is not on PATH (Debian: apt-get install maven)'
            : `mvn could not be started: ${error.message}`,
          { cause: error },
        ),
      )
    })
    child.once('close', (code) => {
      if (code === 0) return resolve()
      reject(
        new TopicstreamError(
          'ERR_KAFKA_BROKER',
          `mvn failed (exit ${code}) to download the Kafka jars:\n${output.trim().split('\n').slice(-20).join('\n')}`,
          { canRetry: true, details: { exitCode: code } },
        ),
      )
    })
  })
}
