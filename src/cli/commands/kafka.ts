import type { Command } from '../command.js'

export const kafkaCommand: Command = {
  name: 'kafka',
  summary: '',
  async run() {
    throw new Error('not implemented yet')
  },
}
