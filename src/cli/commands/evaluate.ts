import type { Command } from '../command.js'

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
