import type { Command } from '../command.js'

export const trainCommand: Command = {
  name: 'train',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
