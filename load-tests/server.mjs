// `topicstream serve` with the benchmark echo routes, on free ports, for the load tests.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './tweets.mjs'

/** Starts the server on `model`; `nodeArgs` go to its Node process (e.g. `--perf-basic-prof`). */
export function startServer(model, nodeArgs = []) {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(REPO_ROOT, 'bin/topicstream.js'),
      'serve',
      '--model',
      `bench=${model}`,
      '--port',
      '0',
      '--grpc-port',
      '0',
    ],
    {
      env: { ...process.env, TOPICSTREAM_BENCHMARK_ROUTES: '1', TOPICSTREAM_LOG_LEVEL: 'info' },
      // The server logs to stderr, its `serving on` line included.
      stdio: ['ignore', 'inherit', 'pipe'],
    },
  )
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk) => {
      output += chunk
      const line = output.split('\n').find((candidate) => candidate.includes('topicstream serving on'))
      if (line === undefined) return
      child.stderr.off('data', onData)
      // Later log lines (warnings, errors) still reach the terminal.
      child.stderr.pipe(process.stderr)
      const { rest, grpc } = JSON.parse(line)
      resolve({
        rest,
        grpc,
        pid: child.pid,
        stop: async () => {
          child.kill('SIGTERM')
          await exited
        },
      })
    }
    child.stderr.on('data', onData)
    void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${output}`)))
  })
}
