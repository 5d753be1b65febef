import type { Command } from '../command.ts';
import { LogflowError } from '../errors.ts';

// Placeholder until the geo module lands; replaced by its owner.
export const command: Command = {
  name: 'geo',
  summary: '',
  help: 'logflow geo: not built yet',
  async run() {
    throw new LogflowError('geo is not built yet');
  },
};
