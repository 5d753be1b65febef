import type { Command } from '../command.ts';
import { LogflowError } from '../errors.ts';

// Placeholder until the check module lands; replaced by its owner.
export const command: Command = {
  name: 'check',
  summary: '',
  help: 'logflow check: not built yet',
  async run() {
    throw new LogflowError('check is not built yet');
  },
};
