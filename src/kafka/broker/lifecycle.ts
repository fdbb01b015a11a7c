/**
 * Starting, probing and stopping a detached single-node Kafka JVM that lives in one data directory:
 *
 *   <dataDir>/server.properties   written on every start (ports may change between starts)
 *   <dataDir>/broker.pid          the JVM's pid while it runs
 *   <dataDir>/broker.out          the JVM's stdout/stderr (warnings, crashes)
 *   <dataDir>/logs/server.log     the broker log (log4j2, rolled)
 *   <dataDir>/kraft/              partitions and the KRaft metadata log, formatted once
 *
 * Everything is found again from the directory, so `stop` and `status` work from any process.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { TopicstreamError } from '../../errors.js'
import { KAFKA_VERSION, ensureKafkaJars, kafkaResourceDir } from './jars.js'
import { parseListenerPorts, renderServerProperties } from './server-properties.js'

export interface BrokerPaths {
  readonly dataDir: string
  readonly properties: string
  readonly pidFile: string
  readonly outFile: string
  readonly logDir: string
  readonly logFile: string
  readonly kraftDir: string
}

export function brokerPaths(dataDir: string): BrokerPaths {
  const dir = resolve(dataDir)
  return {
    dataDir: dir,
    properties: join(dir, 'server.properties'),
    pidFile: join(dir, 'broker.pid'),
    outFile: join(dir, 'broker.out'),
    logDir: join(dir, 'logs'),
    logFile: join(dir, 'logs', 'server.log'),
    kraftDir: join(dir, 'kraft'),
  }
}

export interface StartBrokerOptions {
  readonly dataDir: string
  readonly port: number
  readonly controllerPort: number
  /** Listen address; the broker advertises the same one. */
  readonly host?: string
  /** JVM maximum heap, e.g. `512m`. */
  readonly heap?: string
  /** How long to wait for the client port to accept connections. */
  readonly readyTimeoutMs?: number
  readonly jarCacheDir?: string
  readonly env?: NodeJS.ProcessEnv
  readonly onProgress?: (message: string) => void
}

export interface BrokerStatus {
  readonly running: boolean
  readonly pid: number | undefined
  readonly host: string | undefined
  readonly port: number | undefined
  readonly controllerPort: number | undefined
  /** `host:port` for clients, when the broker runs. */
  readonly brokers: string | undefined
  readonly dataDir: string
  readonly logFile: string
  readonly version: string
}

/** Starts the broker detached (it outlives this process) and resolves once clients can connect. */
export async function startBroker(options: StartBrokerOptions): Promise<BrokerStatus> {
  const paths = brokerPaths(options.dataDir)
  const host = options.host ?? '127.0.0.1'
  const env = options.env ?? process.env

  const current = await brokerStatus(paths.dataDir)
  if (current.running) {
    throw new TopicstreamError(
      'ERR_KAFKA_BROKER',
      `A broker already runs on ${paths.dataDir} (pid ${current.pid}, ${current.brokers})`,
      { details: { dataDir: paths.dataDir, pid: current.pid, brokers: current.brokers } },
    )
  }
  for (const port of [options.port, options.controllerPort]) {
    if (await canConnect(host, port)) {
      throw new TopicstreamError('ERR_KAFKA_BROKER', `Port ${host}:${port} is already in use`, {
        details: { host, port },
      })
    }
  }

  const libDir = await ensureKafkaJars({ cacheDir: options.jarCacheDir, env, onProgress: options.onProgress })
  const java = javaBinary(env)
  await mkdir(paths.logDir, { recursive: true })
  await writeFile(
    paths.properties,
    renderServerProperties({
      host,
      port: options.port,
      controllerPort: options.controllerPort,
      logDir: paths.kraftDir,
    }),
  )
  if (!existsSync(join(paths.kraftDir, 'meta.properties'))) {
    await runToCompletion(
      java,
      [
        ...jvmOptions(libDir, paths, '256m'),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        randomClusterId(),
        '-c',
        paths.properties,
      ],
      env,
    )
  }

  const out = openSync(paths.outFile, 'a')
  let pid: number
  try {
    const child = spawn(
      java,
      [...jvmOptions(libDir, paths, options.heap ?? '512m'), 'kafka.Kafka', paths.properties],
      {
        detached: true,
        stdio: ['ignore', out, out],
        env,
      },
    )
    pid = await spawned(child)
    child.unref()
  } finally {
    closeSync(out)
  }
  await writeFile(paths.pidFile, `${pid}\n`)

  try {
    await waitUntilReady(host, options.port, pid, paths, options.readyTimeoutMs ?? 90_000)
  } catch (error) {
    await stopBroker(paths.dataDir, { timeoutMs: 5_000 })
    throw error
  }
  return brokerStatus(paths.dataDir)
}

export async function brokerStatus(dataDir: string): Promise<BrokerStatus> {
  const paths = brokerPaths(dataDir)
  const listeners = parseListenerPorts(await readFile(paths.properties, 'utf8').catch(() => ''))
  const pid = await readPid(paths)
  const running = pid !== undefined && isBrokerProcess(pid, paths)
  return {
    running,
    pid: running ? pid : undefined,
    host: listeners?.host,
    port: listeners?.port,
    controllerPort: listeners?.controllerPort,
    brokers: running && listeners ? `${listeners.host}:${listeners.port}` : undefined,
    dataDir: paths.dataDir,
    logFile: paths.logFile,
    version: KAFKA_VERSION,
  }
}

export interface StopBrokerOptions {
  /** Grace period after SIGTERM before SIGKILL. */
  readonly timeoutMs?: number
  /** SIGKILL at once, as a crash would (the data dir stays usable for a restart). */
  readonly force?: boolean
}

/** Resolves to whether a broker was running. Safe to call when none is. */
export async function stopBroker(dataDir: string, options: StopBrokerOptions = {}): Promise<boolean> {
  const paths = brokerPaths(dataDir)
  const pid = await readPid(paths)
  if (pid === undefined || !isBrokerProcess(pid, paths)) {
    await rm(paths.pidFile, { force: true })
    return false
  }
  signal(pid, options.force ? 'SIGKILL' : 'SIGTERM')
  // A single node shuts down in a few seconds (it flushes logs and writes a clean-shutdown marker).
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  while (isBrokerProcess(pid, paths)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL')
      await sleep(200)
      if (isBrokerProcess(pid, paths)) {
        throw new TopicstreamError('ERR_KAFKA_BROKER', `The broker (pid ${pid}) did not exit after SIGKILL`)
      }
      break
    }
    await sleep(100)
  }
  await rm(paths.pidFile, { force: true })
  return true
}

/** The last lines of the broker's logs, for error messages. */
export async function brokerLogTail(dataDir: string, lines = 30): Promise<string> {
  const paths = brokerPaths(dataDir)
  const parts: string[] = []
  for (const file of [paths.logFile, paths.outFile]) {
    const text = await readFile(file, 'utf8').catch(() => '')
    const tail = text.trimEnd().split('\n').slice(-lines).join('\n')
    if (tail !== '') parts.push(`--- ${file}\n${tail}`)
  }
  return parts.join('\n')
}

function jvmOptions(libDir: string, paths: BrokerPaths, heap: string): string[] {
  return [
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(kafkaResourceDir(), 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${paths.logDir}`,
    '-cp',
    join(libDir, '*'),
  ]
}

function javaBinary(env: NodeJS.ProcessEnv): string {
  return env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java'
}

/** Kafka's `Uuid.randomUuid()`: 16 random bytes, base64url without padding, never starting with '-'. */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

function spawned(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolvePid, reject) => {
    child.once('error', (error) => reject(javaError(error)))
    child.once('spawn', () => {
      if (child.pid === undefined)
        reject(new TopicstreamError('ERR_KAFKA_BROKER', 'The Kafka JVM did not start'))
      else resolvePid(child.pid)
    })
  })
}

function runToCompletion(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8000)
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    child.once('error', (error) => reject(javaError(error)))
    child.once('close', (code) => {
      if (code === 0) resolveRun()
      else
        reject(
          new TopicstreamError(
            'ERR_KAFKA_BROKER',
            `Formatting the Kafka storage failed (exit ${code}):\n${output.trim()}`,
            {
              details: { exitCode: code },
            },
          ),
        )
    })
  })
}

function javaError(error: NodeJS.ErrnoException): TopicstreamError {
  const where =
    error.path === 'java'
      ? '`java` is not on PATH (install a JRE or set JAVA_HOME)'
      : `${error.path} does not exist (check JAVA_HOME)`
  return new TopicstreamError(
    'ERR_KAFKA_BROKER',
    error.code === 'ENOENT'
      ? `Java 17 or newer is needed to run the Kafka broker, and ${where}`
      : `java could not be started: ${error.message}`,
    { cause: error },
  )
}

async function waitUntilReady(
  host: string,
  port: number,
  pid: number,
  paths: BrokerPaths,
  timeoutMs: number,
): Promise<void> {
  // The client port is bound only once the broker is unfenced and serving, so a TCP connect
  // is a sound readiness check (the controller port opens earlier and would not be).
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!isBrokerProcess(pid, paths)) {
      throw new TopicstreamError(
        'ERR_KAFKA_BROKER',
        `The Kafka broker exited during start-up:\n${await brokerLogTail(paths.dataDir)}`,
        { details: { dataDir: paths.dataDir } },
      )
    }
    if (await canConnect(host, port)) return
    if (Date.now() > deadline) {
      throw new TopicstreamError(
        'ERR_KAFKA_BROKER',
        `The Kafka broker did not accept connections on ${host}:${port} within ${Math.round(timeoutMs / 1000)} s:\n${await brokerLogTail(paths.dataDir)}`,
        { details: { dataDir: paths.dataDir }, canRetry: true },
      )
    }
    await sleep(250)
  }
}

export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host, port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolveConnect(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

async function readPid(paths: BrokerPaths): Promise<number | undefined> {
  const text = await readFile(paths.pidFile, 'utf8').catch(() => '')
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/**
 * Alive, not a zombie, and really our JVM: a stale pid file may name a pid the system reused.
 * Where /proc is missing (macOS) only liveness can be checked.
 */
function isBrokerProcess(pid: number, paths: BrokerPaths): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (!existsSync('/proc/self/cmdline')) return true
  try {
    // A zombie (exited, not yet reaped by its parent) has an empty command line.
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(paths.properties)
  } catch {
    return false
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}
