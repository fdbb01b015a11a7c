/** A local HTTP server standing in for the 20 Newsgroups download address, and an address with none. */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'

/** Serves `body` on every path of a local server on a free port, closed when the test ends. */
export async function serveArchive(
  body: Buffer,
  status = 200,
): Promise<{ url: string; requests: () => number }> {
  let requests = 0
  const server = createServer((_request, response) => {
    requests++
    response.writeHead(status, { 'content-type': 'application/gzip', 'content-length': body.length })
    response.end(body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(async () => {
    server.close()
    await once(server, 'close')
  })
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/20news-bydate.tar.gz`, requests: () => requests }
}

/** A port that was free a moment ago and now has nobody listening. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}
