import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { loadInclude } from '../support/includes.ts';

// stg_landing__lines reads on DuckDB only the landing rows past the position its last run read
// through (dialect.rowPosition). That is exact only if a row committed after a reader's snapshot
// gets a higher position than every row the reader saw, whatever order the transactions began in.

const dialect = loadInclude<{ forWarehouse(w: string): { rowPosition(alias: string): string } }>('dialect');
const duck = dialect.forWarehouse('duckdb');

let dir: string;
let wh: Warehouse;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-rowpos-'));
  wh = await openWarehouse(join(dir, 'w.duckdb'));
  await wh.connection.run(`create table t (who varchar, n integer); insert into t values ('seed', 0)`);
});
afterEach(() => {
  wh.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Each writer's first and last row position. */
const positions = async (): Promise<Record<string, [number, number]>> =>
  Object.fromEntries(
    (await wh.connection.runAndReadAll(`select who, min(${duck.rowPosition('t')}), max(${duck.rowPosition('t')}) from t group by who`))
      .getRows()
      .map(([who, lo, hi]) => [String(who), [Number(lo), Number(hi)] as [number, number]]),
  );

describe('rowPosition()', () => {
  it.each([
    ['a few rows', 3],
    ['more rows than a row group (written before the commit)', 300_000],
  ])('gives rows committed after a snapshot higher positions than it saw, in commit order: %s', async (_what, rows) => {
    const early = await wh.connect();
    const late = await wh.connect();
    const reader = await wh.connect();
    try {
      // `early` begins and appends first, `late` after it, but `late` commits first.
      await early.run('begin transaction');
      await early.run(`insert into t select 'early', range from range(${rows})`);
      await late.run('begin transaction');
      await late.run(`insert into t values ('late', 1), ('late', 2)`);
      await reader.run('begin transaction');
      const seen = Number((await reader.runAndReadAll(`select max(${duck.rowPosition('t')}) from t`)).getRows()[0]?.[0]);
      await late.run('commit');
      await early.run('commit');
      await reader.run('commit');
      const p = await positions();
      expect(seen).toBe(p.seed![1]);
      expect(p.late![0]).toBeGreaterThan(seen);
      expect(p.early![0]).toBeGreaterThan(p.late![1]);
      expect(p.early![1] - p.early![0] + 1).toBe(rows);
    } finally {
      for (const c of [early, late, reader]) c.disconnectSync();
    }
  });

  it('keeps a row its position when a column is updated and the warehouse checkpointed', async () => {
    await wh.connection.run(`insert into t select 'more', range from range(10)`);
    const before = await positions();
    await wh.connection.run(`update t set n = n + 1 where who = 'seed'; checkpoint`);
    expect(await positions()).toEqual(before);
  });

  it('has no BigQuery spelling (BigQuery reads new rows by partition)', () => {
    expect(() => dialect.forWarehouse('bigquery').rowPosition('t')).toThrow(/no row positions/);
  });
});
