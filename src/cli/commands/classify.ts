import type { Command } from '../command.js'

export const classifyCommand: Command = {
  name: 'classify',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
