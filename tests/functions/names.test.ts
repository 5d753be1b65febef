import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLocalFunctions } from '../../functions/duckdb.ts';
import { LOCAL_FUNCTIONS } from '../../functions/names.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { PROJECT_DIR } from '../../warehouse/project.ts';
import { loadInclude } from '../support/includes.ts';

const dialect = loadInclude<{ forWarehouse(w: string): Record<string, (...args: string[]) => string> }>('dialect');
const duck = dialect.forWarehouse('duckdb');

let wh: Warehouse;
beforeAll(async () => {
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
  await registerLocalFunctions(wh.connection);
});
afterAll(() => wh.close());

describe('LOCAL_FUNCTIONS', () => {
  it('are the logflow_ functions registered on a DuckDB connection, no more, no fewer', async () => {
    const reader = await wh.connection.runAndReadAll(
      "select distinct function_name from duckdb_functions() where function_name like 'logflow\\_%' escape '\\' order by 1",
    );
    expect(reader.getRows().map(([name]) => name)).toEqual(Object.values(LOCAL_FUNCTIONS).sort());
  });

  it('are the logflow_ functions includes/dialect.js calls on DuckDB', () => {
    const source = readFileSync(join(PROJECT_DIR, 'includes', 'dialect.js'), 'utf8');
    const called = [...new Set([...source.matchAll(/\b(logflow_[a-z0-9_]+)\(/g)].map((m) => m[1]))].sort();
    expect(called).toEqual(Object.values(LOCAL_FUNCTIONS).sort());
  });

  it.each([
    ['ipKey', () => duck.ipKey!('ip'), LOCAL_FUNCTIONS.ipKey],
    ['bytesToString', () => duck.bytesToString!('data'), LOCAL_FUNCTIONS.utf8Lossy],
    ['parseUserAgent', () => duck.parseUserAgent!('udf', 'ua'), LOCAL_FUNCTIONS.parseUserAgent],
  ])('dialect.%s() on DuckDB calls the registered function', (_helper, spell, name) => {
    expect(spell()).toContain(`${name}(`);
  });
});
