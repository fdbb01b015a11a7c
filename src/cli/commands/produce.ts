import type { Command } from '../command.js'

export const produceCommand: Command = {
  name: 'produce',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
