import type { Command } from '../command.js'

export const serveCommand: Command = {
  name: 'serve',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
