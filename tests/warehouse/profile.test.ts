import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { addProfile, profiledStatement, rowsProfile } from '../../warehouse/profile.ts';

let wh: Warehouse;
beforeAll(async () => {
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
  await wh.connection.run('create table t as select range as id, range % 10 as g from range(1000)');
  await wh.connection.run('create table u as select range as id from range(50)');
});
afterAll(() => wh.close());

const profileOf = async (sql: string) => rowsProfile(String((await wh.connection.runAndReadAll(profiledStatement(sql))).getRows()[0]?.[1]));

describe('rowsProfile()', () => {
  it.each([
    { name: 'a whole table', sql: 'select count(*) from t', t: 1000 },
    { name: 'the rows a pushed-down filter keeps', sql: 'select count(*) from t where id >= 900', t: 100 },
    { name: 'a filter on a script variable (folded into the scan)', sql: "select count(*) from t where id > getvariable('p_from')", t: 10 },
  ])('counts the rows read from $name', async ({ sql, t }) => {
    await wh.connection.run('set variable p_from = 989');
    const profile = await profileOf(sql);
    expect(Object.entries(profile.read).filter(([name]) => name.endsWith('.t'))).toEqual([[expect.stringMatching(/\.t$/), t]]);
  });

  it('runs the statement for real (a profiled CREATE TABLE AS creates it)', async () => {
    const profile = await profileOf('create or replace table v as select t.g from t join u on u.id = t.id');
    expect(Object.values(profile.read).sort((a, b) => a - b)).toEqual([50, 50]);
    expect(profile.widest.HASH_JOIN).toBe(50);
    expect(Number((await wh.connection.runAndReadAll('select count(*) from v')).getRows()[0]?.[0])).toBe(50);
  });
});

describe('addProfile()', () => {
  it('sums rows read per table and keeps the widest operator', () => {
    expect(addProfile({ read: { a: 1, b: 2 }, widest: { WINDOW: 5 } }, { read: { a: 3 }, widest: { WINDOW: 4, FILTER: 1 } })).toEqual({
      read: { a: 4, b: 2 },
      widest: { WINDOW: 5, FILTER: 1 },
    });
  });
});
