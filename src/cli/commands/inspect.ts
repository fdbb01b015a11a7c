import type { Command } from '../command.js'

export const inspectCommand: Command = {
  name: 'inspect',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
