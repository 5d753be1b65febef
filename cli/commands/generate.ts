import type { Command } from '../command.ts';
import { LogflowError } from '../errors.ts';

// Placeholder until the generate module lands; replaced by its owner.
export const command: Command = {
  name: 'generate',
  summary: '',
  help: 'logflow generate: not built yet',
  async run() {
    throw new LogflowError('generate is not built yet');
  },
};
