import { describe, expect, it } from 'vitest';
import { LogflowError } from '../../core/errors.ts';
import type { Command } from '../../cli/command.ts';
import { flagHint } from '../../cli/main.ts';

const geo: Command = { name: 'geo', help: '', run: async () => 0, flags: { project: '--project P' } };

describe('flagHint()', () => {
  it.each([
    [[], undefined, ''],
    [['topic'], undefined, ' (see --topic)'],
    [['countryCsv'], undefined, ' (see --country-csv)'],
    [['warehouse'], undefined, ' (see --warehouse or LOGFLOW_WAREHOUSE)'],
    [['project', 'dataset'], geo, ' (see --project P, --dataset)'],
  ])('options %j -> %j', (options, command, hint) => {
    expect(flagHint(new LogflowError('a problem', 1, options), command)).toBe(hint);
  });
});
