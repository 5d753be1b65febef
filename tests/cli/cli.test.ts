import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const fixtures = resolve(root, 'tests/fixtures');

/** Runs the real `logflow` bin and captures its output and exit code. */
function logflow(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(root, 'bin/logflow.js'), ...args],
      { cwd: root, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const oneLine = (text: string) => text.trim().split('\n').length === 1 && !/\n\s+at /.test(text);

describe('logflow CLI', () => {
  it('prints usage and exits 2 without a command, 0 with --help', async () => {
    const none = await logflow([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/Usage: logflow <command>/);
    const help = await logflow(['--help']);
    expect(help.code).toBe(0);
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['transform', '--frob'], /Unknown option '--frob'.*logflow transform --help/],
    [['query'], /give exactly one SQL statement/],
    [['compile', '--target', 'oracle'], /--target must be bigquery or local \(duckdb is a synonym of local\), got 'oracle'/],
    [['compile', '--warehouse-type', 'duckdb'], /Unknown option '--warehouse-type'/],
    [['transform', '--vars', 'novalue'], /--vars takes key=value pairs/],
  ])('rejects %j with one clear line and exit 2', async (args, message) => {
    const r = await logflow(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(oneLine(r.stderr)).toBe(true);
  });

  it('reports a missing warehouse for query with what to do', async () => {
    const r = await logflow(['query', 'select 1', '--warehouse', join(tmpdir(), 'logflow-none', 'x.duckdb')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist yet; run `npm run demo`/);
    expect(oneLine(r.stderr)).toBe(true);
  });

  it('reports a corrupt warehouse file in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-cli-'));
    const file = join(dir, 'corrupt.duckdb');
    writeFileSync(file, 'this is not a database, just text '.repeat(200));
    const r = await logflow(['query', 'select 1', '--warehouse', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /warehouse .*corrupt\.duckdb is damaged \(.*not a valid DuckDB database file.*\); restore it from a backup, or move it aside and rebuild it/,
    );
    expect(oneLine(r.stderr)).toBe(true);
  });

  it('lists every compile error with its file and action', async () => {
    const r = await logflow(['compile', '--project-dir', join(fixtures, 'broken-project')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Dataform compilation failed \(bigquery\) with 3 error\(s\)/);
    expect(r.stderr).toMatch(/definitions\/bad_js\.sqlx, action test-project\.app\.bad_js: undefinedHelper is not defined/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs a project, then fails on a broken model naming the action and the SQL error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-cli-'));
    const warehouse = join(dir, 'w.duckdb');
    const project = join(fixtures, 'executor-project');
    // The fixture's source table, created through the query command's own warehouse handling.
    const setup = await logflow(['transform', '--project-dir', project, '--warehouse', warehouse, '--actions', 'touch']);
    expect(setup.code).toBe(0);
    const seeded = await import('../../warehouse/duckdb.ts').then(async ({ openWarehouse }) => {
      const wh = await openWarehouse(warehouse, { catalog: 'test-project' });
      await wh.connection.run(`create schema raw; create table raw.events as select 1 as id, 'a' as kind, 1 as value, 1 as ts`);
      wh.close();
      return true;
    });
    expect(seeded).toBe(true);
    const ok = await logflow(['transform', '--project-dir', project, '--warehouse', warehouse]);
    expect(ok.stdout).toMatch(/✓ app\.event_counts \(table, 1 rows\)/);
    expect(ok.code).toBe(0);
    const broken = await logflow(['transform', '--project-dir', project, '--warehouse', warehouse, '--vars', 'breakModel=yes']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/- app\.after_broken skipped \(depends on app\.broken, which failed\)/);
    expect(broken.stderr).toMatch(/^logflow transform: action app\.broken failed: query: Binder Error: .*no_such_column/);
    expect(oneLine(broken.stderr)).toBe(true);
    const failing = await logflow(['transform', '--project-dir', project, '--warehouse', warehouse, '--vars', 'failAssertion=yes']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/action app_assertions\.positive_values failed: assertion: 1 row\(s\) violate it/);
  });
});
