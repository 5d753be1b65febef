import type { Command } from '../command.ts';
import { LogflowError } from '../errors.ts';

// Placeholder until the ingest module lands; replaced by its owner.
export const command: Command = {
  name: 'ingest',
  summary: '',
  help: 'logflow ingest: not built yet',
  async run() {
    throw new LogflowError('ingest is not built yet');
  },
};
