import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { afterExplain, prepareReadOnly, type ReadOnlyPolicy } from '../../warehouse/read-only.ts';

// The read-only guard of `logflow query` (and of any HTTP endpoint): one statement, read-only
// by DuckDB's own classification, against a real warehouse file opened read-only.

const CATALOG = 'test-project';
let dir: string;
let path: string;
let open: Warehouse[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-readonly-'));
  path = join(dir, 'warehouse.duckdb');
  const wh = await openWarehouse(path, { catalog: CATALOG });
  await wh.connection.run('create schema logflow; create table logflow.requests as select 1 as status');
  wh.close();
  writeFileSync(join(dir, 'hosts.csv'), 'host,team\na.example,web\n');
});

afterEach(() => {
  for (const wh of open) wh.close();
  open = [];
});

async function readOnly(): Promise<Warehouse> {
  const wh = await openWarehouse(path, { catalog: CATALOG, readOnly: true });
  open.push(wh);
  return wh;
}

async function run(sql: string, policy: ReadOnlyPolicy = 'local'): Promise<unknown[]> {
  const wh = await readOnly();
  const statement = await prepareReadOnly(wh.connection, sql, policy);
  return (await statement.runAndReadAll()).getRowObjectsJson();
}

async function requestsStillThere(): Promise<boolean> {
  const wh = await readOnly();
  const reader = await wh.connection.runAndReadAll('select count(*) as n from logflow.requests');
  return reader.getRowObjectsJson()[0]?.n === '1';
}

describe('prepareReadOnly()', () => {
  const other = () => join(dir, 'other.duckdb');
  it.each([
    [
      'several statements (the issue 11 bypass)',
      () => `use memory; detach "${CATALOG}"; attach '${path}' as w2; drop table w2.logflow.requests; select 1`,
      /give exactly one read-only statement .*got 5 statements/,
    ],
    ['ATTACH of another file', () => `attach '${other()}' as w2`, /is allowed, not: /],
    ['ATTACH of the warehouse itself, writable', () => `attach '${path}' as w2`, /is allowed, not: /],
    ['DETACH', () => `detach "${CATALOG}"`, /is allowed, not: /],
    ['USE', () => 'use memory', /is allowed, not: /],
    ['DROP', () => 'drop table logflow.requests', /is allowed, not: /],
    ['WITH ... DELETE', () => 'with x as (select 1) delete from logflow.requests', /is allowed, not: /],
    ['INSERT', () => 'insert into logflow.requests values (2)', /is allowed, not: /],
    ['CREATE TABLE AS', () => 'create table memory.main.t as select 1', /is allowed, not: /],
    ['COPY ... TO a file', () => `copy (select 1) to '${join(dir, 'x.csv')}'`, /is allowed, not: /],
    ['EXPORT DATABASE', () => `export database '${join(dir, 'export')}'`, /is allowed, not: /],
    ['EXPLAIN ANALYZE of a write', () => 'explain analyze insert into logflow.requests values (2)', /is allowed, not: /],
    ['EXPLAIN ANALYZE of COPY', () => `explain analyze copy (select 1) to '${join(dir, 'y.csv')}'`, /is allowed, not: /],
    ['EXPLAIN (ANALYZE) of a write', () => 'explain (analyze) delete from logflow.requests', /is allowed, not: /],
    [
      'EXPLAIN with a quoted option hiding a parenthesis',
      () => `explain (analyze, format ')select 1 --') delete from logflow.requests`,
      /is allowed, not: |SQL error: .*FORMAT/,
    ],
    ['PRAGMA that is not a query', () => 'pragma enable_profiling', /is allowed, not: /],
    ['SET', () => 'set enable_external_access = true', /is allowed, not: /],
    ['CHECKPOINT', () => 'checkpoint', /is allowed, not: /],
    ['LOAD', () => 'load icu', /is allowed, not: /],
    ['a transaction', () => 'begin transaction', /is allowed, not: /],
    ['nothing', () => '  -- just a comment\n', /no SQL statement given/],
    [
      'a PRAGMA DuckDB rewrites into a query (use DESCRIBE)',
      () => "pragma table_info('logflow.requests')",
      /is allowed, not: pragma table_info/,
    ],
  ])('refuses %s', async (_name, sql, message) => {
    await expect(run(sql())).rejects.toThrow(message);
    expect(await requestsStillThere()).toBe(true);
    expect(existsSync(other())).toBe(false);
    expect(existsSync(join(dir, 'x.csv')) || existsSync(join(dir, 'y.csv')) || existsSync(join(dir, 'export'))).toBe(false);
  });

  it.each([
    ['select status from logflow.requests', [{ status: 1 }]],
    ['with x as (select status from logflow.requests) select * from x', [{ status: 1 }]],
    ['from logflow.requests', [{ status: 1 }]],
    ['select 1 as one;', [{ one: 1 }]],
  ])('runs %j', async (sql, rows) => {
    expect(await run(sql)).toEqual(rows);
  });

  it.each([
    'describe logflow.requests',
    'show all tables',
    'summarize logflow.requests',
    'explain select 1',
    'explain analyze select count(*) from logflow.requests',
  ])('accepts %j', async (sql) => {
    expect((await run(sql)).length).toBeGreaterThan(0);
  });

  it('refuses a refused statement with a one-line message and exit code 2', async () => {
    const error = await run('drop table logflow.requests').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LogflowError', exitCode: 2 });
    expect((error as Error).message).toBe(
      'only one read-only statement (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN) is allowed, not: drop table logflow.requests',
    );
  });

  it('reads local files through table functions under the local policy', async () => {
    expect(await run(`select team from read_csv('${join(dir, 'hosts.csv')}')`)).toEqual([{ team: 'web' }]);
  });

  it.each([
    ['/etc/passwd', () => `select * from read_csv('/etc/passwd')`],
    ['a CSV next to the warehouse', () => `select team from read_csv('${join(dir, 'hosts.csv')}')`],
    ['read_text', () => `select * from read_text('/etc/hostname')`],
    ['glob', () => `select * from glob('/etc/*')`],
  ])('refuses file access under the http policy: %s', async (_name, sql) => {
    await expect(run(sql(), 'http')).rejects.toThrow(/Permission Error|disabled/i);
  });

  it('still answers warehouse queries under the http policy, and the lock holds', async () => {
    const wh = await readOnly();
    await prepareReadOnly(wh.connection, 'select 1', 'http');
    const statement = await prepareReadOnly(wh.connection, 'select status from logflow.requests', 'http');
    expect((await statement.runAndReadAll()).getRowObjectsJson()).toEqual([{ status: 1 }]);
    await expect(wh.connection.run('set enable_external_access = true')).rejects.toThrow(/lock|configuration/i);
  });
});

describe('afterExplain()', () => {
  it.each([
    ['explain select 1', 'select 1'],
    ['EXPLAIN ANALYZE select 1', 'select 1'],
    ['explain analyse select 1', 'select 1'],
    ['/* c */ explain -- x\n analyze (format json) select 1', 'select 1'],
    ['explain (analyze, format json) insert into t values (1)', 'insert into t values (1)'],
    ["explain (format ')') select 1", undefined],
    ['explain (analyze', undefined],
    ['select 1', undefined],
  ])('%j -> %j', (sql, inner) => {
    expect(afterExplain(sql)).toBe(inner);
  });
});
