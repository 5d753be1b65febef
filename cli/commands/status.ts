import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { usageError } from '../../core/errors.ts';
import { readProjectConfig, warehousePath } from '../../warehouse/project.ts';

const help = `logflow status: one screen that answers "is my pipeline healthy?"

Usage:
  logflow status [--warehouse PATH]                  the local DuckDB warehouse (default)
  logflow status --target bigquery --project P [--location L] [--topic T] [--region R]

Checks, one line each (ok, WARN, FAIL, or - when the source does not exist there):
  ingesters     last line landed per ingest host, and lines in the last 24 h
  subscription  the BigQuery subscription's state (ACTIVE, PERMISSION_DENIED, NOT_FOUND,
                SCHEMA_MISMATCH) and backlog (Cloud Monitoring)
  dead letters  messages held in the dead-letter subscription
  landing       the newest landed row
  last run      the last Dataform workflow invocation and its failed actions (locally: whether
                landing has rows newer than the last transform)
  outputs       when the output tables last changed
  assertions    failing assertions (BigQuery: of the last run; locally: the assertion views now)

On BigQuery the landing queries read only the last day of arrival partitions (7 days for the
newest row); the output check reads dataset metadata. Names follow \`logflow setup\`'s defaults:
give the same --topic, --location and --region as to setup.

Exit status: 0 when nothing FAILs (WARN included), 1 when a check fails, 2 on bad usage.`;

export const command: Command = {
  name: 'status',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'status',
      argv,
      {
        target: { type: 'string' },
        warehouse: { type: 'string' },
        project: { type: 'string' },
        location: { type: 'string' },
        topic: { type: 'string' },
        region: { type: 'string' },
      },
      true,
    );
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}' (see: logflow status --help)`);
    const target = values.target ?? 'local';
    const { render, exitCode, localChecks, cloudChecks } = await import('../../cloud/status.ts');
    const now = new Date();
    if (target === 'local') {
      for (const flag of ['project', 'location', 'topic', 'region'] as const)
        if (values[flag] !== undefined) throw usageError(`--${flag} is only for --target bigquery (see: logflow status --help)`);
      const { openWarehouse } = await import('../../warehouse/duckdb.ts');
      const config = readProjectConfig();
      const warehouse = await openWarehouse(warehousePath(values.warehouse), { readOnly: true });
      try {
        const checks = await localChecks(warehouse.connection, config.schema, config.assertionSchema, now);
        process.stdout.write(
          render(`logflow status: local warehouse ${warehouse.path} at ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`, checks),
        );
        return exitCode(checks);
      } finally {
        warehouse.close();
      }
    }
    if (target !== 'bigquery') throw usageError(`--target must be bigquery or local, got '${target}' (see: logflow status --help)`);
    if (values.warehouse !== undefined) throw usageError('--warehouse is only for the local target (see: logflow status --help)');
    const { setupInput } = await import('../../cloud/input.ts');
    const { planSetup } = await import('../../cloud/plan.ts');
    const { connect, checkCredentials } = await import('../../cloud/clients.ts');
    const input = setupInput(
      { project: values.project, location: values.location, topic: values.topic, region: values.region, schedule: '0 * * * *' },
      process.env,
      'status',
    );
    const plan = planSetup(input);
    const clients = connect({ projectId: input.project });
    try {
      await checkCredentials(clients);
      const checks = await cloudChecks(clients, plan, now);
      process.stdout.write(
        render(`logflow status: project ${input.project} at ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`, checks),
      );
      return exitCode(checks);
    } finally {
      await clients.close();
    }
  },
};
