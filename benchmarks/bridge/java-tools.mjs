// Kafka's own performance tools (in the broker's jars), run against the benchmark's broker: the records/s a
// JVM client reaches on the same machine and broker, the physical limit the bridge is compared with.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { clearTimeout, setTimeout } from 'node:timers'

const TOOLS = {
  producer: 'org.apache.kafka.tools.ProducerPerformance',
  consumer: 'org.apache.kafka.tools.ConsumerPerformance',
}

/**
 * `libDir`: the broker's jar directory (ensureKafkaJars()); `workDir`: where a quiet log4j2 configuration
 * is written (warnings to stderr, so stdout holds only the tools' figures).
 */
export function createJavaTools({ libDir, workDir, env = process.env }) {
  const java = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java'
  const log4j = join(workDir, 'tools-log4j2.properties')
  writeFileSync(
    log4j,
    [
      'status = error',
      'appender.err.type = Console',
      'appender.err.name = STDERR',
      'appender.err.target = SYSTEM_ERR',
      'appender.err.layout.type = PatternLayout',
      'appender.err.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = warn',
      'rootLogger.appenderRef.err.ref = STDERR',
      '',
    ].join('\n'),
  )
  const run = (tool, args, timeoutMs) =>
    new Promise((resolveRun, reject) => {
      const child = spawn(
        java,
        [
          '-Xmx512m',
          '-XX:+UseG1GC',
          `-Dlog4j2.configurationFile=${log4j}`,
          '-cp',
          join(libDir, '*'),
          TOOLS[tool],
          ...args,
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)))
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      child.once('close', (code, signal) => {
        clearTimeout(timer)
        if (code === 0) resolveRun(stdout)
        else
          reject(
            new Error(
              `${TOOLS[tool]} exited with ${code ?? signal}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
            ),
          )
      })
    })

  return {
    /**
     * ProducerPerformance, acks=all and idempotent (the bridge's producer settings), random values of
     * `recordSize` bytes, as fast as it can. Its own figures: records/s and latency percentiles.
     */
    async produce({ brokers, topic, records, recordSize }) {
      const output = await run(
        'producer',
        [
          ...['--topic', topic, '--num-records', String(records), '--throughput', '-1'],
          ...['--record-size', String(recordSize)],
          ...['--producer-props', `bootstrap.servers=${brokers}`, 'acks=all', 'enable.idempotence=true'],
        ],
        180_000,
      )
      // The summary: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency,
      // P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
      const summary = output
        .trim()
        .split('\n')
        .reverse()
        .find((line) => line.includes('records/sec') && line.includes('50th'))
      const match = summary?.match(
        /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.*?(\d+) ms 99th/,
      )
      if (!match) throw new Error(`Unexpected ProducerPerformance output: ${output.slice(-500)}`)
      return {
        records: Number(match[1]),
        rate: Number(match[2]),
        mbPerSecond: Number(match[3]),
        avgLatencyMs: Number(match[4]),
        p99LatencyMs: Number(match[5]),
      }
    },

    /** ConsumerPerformance: `records` records from the beginning of `topic`, in a new group. */
    async consume({ brokers, topic, records }) {
      const output = await run(
        'consumer',
        [
          '--bootstrap-server',
          brokers,
          '--topic',
          topic,
          '--messages',
          String(records),
          '--timeout',
          '60000',
        ],
        180_000,
      )
      // A CSV header and one line of values: start.time, end.time, data.consumed.in.MB, MB.sec,
      // data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
      const lines = output.trim().split('\n')
      const headerAt = lines.findIndex((line) => line.includes('nMsg.sec'))
      if (headerAt < 0 || headerAt + 1 >= lines.length) {
        throw new Error(`Unexpected ConsumerPerformance output: ${output.slice(-500)}`)
      }
      const header = lines[headerAt].split(',').map((field) => field.trim())
      const values = lines[headerAt + 1].split(',').map((field) => field.trim())
      const field = (name) => Number(values[header.indexOf(name)])
      return {
        records: field('data.consumed.in.nMsg'),
        rate: field('nMsg.sec'),
        fetchRate: field('fetch.nMsg.sec'),
        rebalanceMs: field('rebalance.time.ms'),
      }
    },
  }
}
