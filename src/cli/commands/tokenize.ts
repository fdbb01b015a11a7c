import type { Command } from '../command.js'

export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
