import { canonical } from '../../check/compare.ts';
import type { ZetaSQL } from '../../check/zetasql.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import type { Helpers } from './cases.ts';

/**
 * Runs one SQL expression over a table of inputs on both engines, the BigQuery spelling in
 * ZetaSQL's reference evaluator and the DuckDB spelling in DuckDB, and lists the inputs whose
 * results differ (canonical values per BigQuery type, as the model differential compares them).
 */
export interface ExpressionCase {
  name: string;
  /** The column `x` holds the input: STRING or BYTES. */
  input: 'string' | 'bytes';
  sql: (d: Helpers, x: string) => string;
}

export interface Disagreement {
  input: string;
  bigquery: unknown;
  duckdb: unknown;
}

const show = (value: string | Buffer) => (typeof value === 'string' ? JSON.stringify(value) : `0x${value.toString('hex')}`);

export async function compareExpression(
  zetasql: ZetaSQL,
  wh: Warehouse,
  helpers: { bigquery: Helpers; duckdb: Helpers },
  c: ExpressionCase,
  inputs: (string | Buffer)[],
): Promise<Disagreement[]> {
  const type = c.input === 'string' ? 'STRING' : 'BYTES';
  const evaluated = await zetasql.evaluate(`select i, ${c.sql(helpers.bigquery, 'x')} as v from \`p.fuzz.inputs\``, [
    {
      name: 'p.fuzz.inputs',
      columns: [
        { name: 'i', type: 'INT64' },
        { name: 'x', type },
      ],
      rows: inputs.map((x, i) => ({ i: BigInt(i), x })),
    },
  ]);
  const valueType = evaluated.columns.find((col) => col.name === 'v')!.type;
  const bigquery = new Map(evaluated.rows.map((r) => [Number(r.i), canonical(r.v, valueType)]));

  await wh.connection.run(`create or replace temp table fuzz_inputs (i bigint, x ${c.input === 'string' ? 'varchar' : 'blob'})`);
  const appender = await wh.connection.createAppender('fuzz_inputs', 'main', 'temp');
  inputs.forEach((x, i) => {
    appender.appendBigInt(BigInt(i));
    if (typeof x === 'string') appender.appendVarchar(x);
    else appender.appendBlob(new Uint8Array(x));
    appender.endRow();
  });
  appender.closeSync();
  const reader = await wh.connection.runAndReadAll(`select i, ${c.sql(helpers.duckdb, 'x')} as v from temp.main.fuzz_inputs`);
  const duckdb = new Map(reader.getRowObjects().map((r) => [Number(r.i), canonical(r.v, valueType)]));

  const out: Disagreement[] = [];
  inputs.forEach((x, i) => {
    const a = JSON.stringify(bigquery.get(i) ?? null);
    const b = JSON.stringify(duckdb.get(i) ?? null);
    if (a !== b) out.push({ input: show(x), bigquery: bigquery.get(i) ?? null, duckdb: duckdb.get(i) ?? null });
  });
  return out;
}
