import type { DuckDBResultReader } from '@duckdb/node-api';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { LogflowError, usageError } from '../../core/errors.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { prepareReadOnly, READ_ONLY_STATEMENTS } from '../../warehouse/read-only.ts';
import { warehousePath } from '../../warehouse/project.ts';
import { formatTable } from '../table.ts';

export const command: Command = {
  name: 'query',
  help: `logflow query: run SQL on the local DuckDB warehouse

Usage: logflow query "<sql>" [options]
  e.g. logflow query "select status, count(*) as hits from logflow.requests group by 1 order by 1"

Runs exactly one read-only statement (${READ_ONLY_STATEMENTS}); the warehouse is opened
read-only. Local files can be read through DuckDB's table functions, e.g.
  logflow query "select * from read_csv('hosts.csv')"

Options:
  --json               print rows as JSON (one array) instead of a table
  --max-rows N         rows to print in table mode (default 100; --json prints all)
  --warehouse PATH     DuckDB file (default: $LOGFLOW_WAREHOUSE or .logflow/warehouse.duckdb)
  -h, --help           show this help
`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'query',
      argv,
      {
        json: { type: 'boolean' },
        'max-rows': { type: 'string' },
        warehouse: { type: 'string' },
      },
      true,
    );
    if (positionals.length !== 1) throw usageError('give exactly one SQL statement in quotes, e.g. logflow query "select 1"');
    const maxRows = Number(values['max-rows'] ?? 100);
    if (!Number.isInteger(maxRows) || maxRows < 0) throw usageError(`--max-rows must be a whole number, got '${values['max-rows']}'`);
    const warehouse = await openWarehouse(warehousePath(values.warehouse), { readOnly: true });
    try {
      const statement = await prepareReadOnly(warehouse.connection, positionals[0]!, 'local');
      let reader: DuckDBResultReader;
      try {
        reader = await statement.runAndReadAll();
      } catch (error) {
        throw new LogflowError(`SQL error: ${(error as Error).message.split('\n')[0]}`);
      }
      const rows = reader.getRowObjectsJson();
      if (values.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      } else {
        process.stdout.write(formatTable(reader.columnNames(), rows, maxRows) + '\n');
      }
      return 0;
    } finally {
      warehouse.close();
    }
  },
};
