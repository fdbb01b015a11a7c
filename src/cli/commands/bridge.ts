import type { Command } from '../command.js'

export const bridgeCommand: Command = {
  name: 'bridge',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
