import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../warehouse/duckdb.ts';

const root = resolve(import.meta.dirname, '../..');

/** Runs the real `logflow` bin and captures its output and exit code. */
function logflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/logflow.js'), ...args], { cwd: root }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// `logflow query` is read-only: the bypasses found in issue 11 exit non-zero with one line and
// leave the warehouse and the file system as they were.

let dir: string;
let warehouse: string;
let catalog: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-query-'));
  warehouse = join(dir, 'warehouse.duckdb');
  const wh = await openWarehouse(warehouse);
  catalog = wh.catalog;
  await wh.connection.run('create schema logflow; create table logflow.requests as select 200 as status');
  wh.close();
});

const stillThere = async () =>
  (await logflow(['query', 'select count(*) as n from logflow.requests', '--json', '--warehouse', warehouse])).stdout.includes('"n": "1"');

describe('logflow query', () => {
  it.each([
    [
      'the multi-statement bypass',
      () => `use memory; detach "${catalog}"; attach '${warehouse}' as w2; drop table w2.logflow.requests; select 1`,
    ],
    ['ATTACH of another file', () => `attach '${join(dir, 'other.duckdb')}' as w2`],
    ['COPY ... TO a file', () => `copy (select 1) to '${join(dir, 'x.csv')}'`],
    ['EXPLAIN ANALYZE of a write', () => 'explain analyze delete from logflow.requests'],
  ])('refuses %s with one line and exit 2, changing nothing', { timeout: 60_000 }, async (_name, sql) => {
    const r = await logflow(['query', sql(), '--warehouse', warehouse]);
    expect(r.stderr).toMatch(/^logflow query: (give exactly one read-only statement|only one read-only statement)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(2);
    expect(await stillThere()).toBe(true);
    expect(existsSync(join(dir, 'other.duckdb'))).toBe(false);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });

  it('still runs one query', async () => {
    const r = await logflow(['query', 'select status from logflow.requests', '--json', '--warehouse', warehouse]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ status: 200 }]);
  });
});
