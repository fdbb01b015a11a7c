import type { Command } from '../command.js'

export const upCommand: Command = {
  name: 'up',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
