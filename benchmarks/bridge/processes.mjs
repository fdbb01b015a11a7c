// Bridges as separate processes (`topicstream bridge`, the way they are deployed), for the scale-out
// measurement: N processes in one consumer group share the input partitions.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

const STOP_GRACE_MS = 40_000

/**
 * Spawns `count` bridge processes with the same options (one group). `stop()` sends SIGTERM and waits
 * (SIGKILL after a grace period); `failed` rejects if a process exits before `stop()`.
 */
export function spawnBridges({
  root,
  count,
  brokers,
  modelFile,
  inputTopic,
  outputTopic,
  dlqTopic,
  groupId,
  client,
}) {
  const args = [
    join(root, 'bin/topicstream.js'),
    'bridge',
    ...['--brokers', brokers, '--model', modelFile],
    ...['--input-topic', inputTopic, '--output-topic', outputTopic, '--dlq-topic', dlqTopic],
    ...['--group', groupId, '--kafka-client', client, '--log-level', 'warn'],
  ]
  let stopping = false
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] })
    child.tail = ''
    child.stderr.on('data', (chunk) => (child.tail = (child.tail + chunk).slice(-3000)))
    child.closed = once(child, 'close')
    return child
  })
  const failed = Promise.race(
    children.map(async (child, i) => {
      const [code, signal] = await child.closed
      if (!stopping) {
        throw new Error(
          `Bridge process ${i + 1} of ${count} exited with ${code ?? signal}: ${child.tail.trim()}`,
        )
      }
    }),
  )
  failed.catch(() => {})
  return {
    failed,
    /** Stops every process; resolves with their last stderr lines (warnings, errors). */
    async stop() {
      stopping = true
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await Promise.race([Promise.all(children.map((child) => child.closed)), sleep(STOP_GRACE_MS)])
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await Promise.all(children.map((child) => child.closed))
      return children.map((child) => child.tail.trim()).filter(Boolean)
    },
  }
}
