import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { loadInclude } from '../support/includes.ts';
import { DIALECT_CASES, type Helpers } from './cases.ts';

// The BigQuery spelling of every dialect helper, evaluated by ZetaSQL's reference evaluator
// (BigQuery semantics), must give the value the DuckDB spelling gives in DuckDB.
const bq = loadInclude<{ forWarehouse(w: string): Helpers }>('dialect').forWarehouse('bigquery');

let zetasql: ZetaSQL;
beforeAll(async () => {
  zetasql = await startZetaSQL();
});
afterAll(async () => {
  await zetasql?.close();
});

/** Values as DuckDB's JSON rows show them: numbers as numbers, 64-bit integers as numbers too. */
function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  return value ?? null;
}

describe('dialect helpers on BigQuery (ZetaSQL evaluator)', () => {
  it.each(DIALECT_CASES)('$name', async ({ sql, expected }) => {
    const result = await zetasql.evaluate(`select ${sql(bq)} as v`, []);
    expect(normalise(result.rows[0]?.v)).toEqual(normalise(expected));
  });
});
