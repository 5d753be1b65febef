import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// Expected failures print one line (what, and what to do), never a stack trace (issue 11).
// Permission cases run the CLI as an unprivileged user: as root (uid 0) the child gets uid/gid
// 65534 (nobody), since root may write anything.

const root = resolve(import.meta.dirname, '../..');
const asRoot = process.getuid?.() === 0;

/** Whether the unprivileged child can run the CLI at all (as root, the repository and node must be readable by others). */
function canRunUnprivileged(): boolean {
  if (!asRoot) return true;
  try {
    execFileSync(
      process.execPath,
      ['-e', `require('fs').accessSync(${JSON.stringify(join(root, 'bin/logflow.js'))}, require('fs').constants.R_OK)`],
      { uid: 65534, gid: 65534, stdio: 'ignore' },
    );
    return true;
  } catch {
    return false;
  }
}
const unprivileged = canRunUnprivileged();
if (!unprivileged) console.warn('skipping the permission cases: running as root and the repository or node is not readable by uid 65534');

function logflow(args: string[], unprivileged = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const user = unprivileged && asRoot ? { uid: 65534, gid: 65534 } : {};
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(root, 'bin/logflow.js'), ...args],
      { cwd: root, ...user, env: { ...process.env, HOME: tmpdir() } },
      (error, stdout, stderr) => {
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function expectOneLine(stderr: string): void {
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |node:internal|triggerUncaughtException/);
}

let dir: string;
let log: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-errors-'));
  chmodSync(dir, 0o755);
  log = join(dir, 'access.log');
  writeFileSync(log, '1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "x"\n');
  chmodSync(log, 0o644);
});

describe('one-line errors', () => {
  it('ingest into a warehouse with damaged blocks (checksum error) says so and what to do', async () => {
    const warehouse = join(dir, 'damaged.duckdb');
    const first = await logflow(['ingest', '--generate', '--lines', '20000', '--warehouse', warehouse, '--quiet']);
    expect(first.code).toBe(0);
    // Garbage over the middle of the file, as a bad disk or a copy cut short would leave it.
    const size = statSync(warehouse).size;
    const fd = openSync(warehouse, 'r+');
    for (let at = 64 * 1024; at < size; at += 64 * 1024) writeSync(fd, randomBytes(4096), 0, 4096, at);
    closeSync(fd);
    const r = await logflow(['ingest', '--generate', '--lines', '5000', '--seed', '3', '--warehouse', warehouse, '--quiet']);
    expect(r.stderr).toMatch(
      /^logflow ingest: warehouse .*damaged\.duckdb is damaged \(Corrupt database file: computed checksum .*\); restore it from a backup, or move it aside and rebuild it/,
    );
    expectOneLine(r.stderr);
    expect(r.code).toBe(1);
  }, 120_000);

  it.skipIf(!unprivileged)(
    'a warehouse in a folder the user cannot create is one line naming the folder',
    async () => {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      const r = await logflow(['ingest', log, '--warehouse', join(locked, 'sub', 'w.duckdb')], true);
      expect(r.stderr).toMatch(
        /^logflow ingest: cannot create the folder .*locked\/sub for warehouse .*: EACCES \(no permission\); pass a path in a folder you can write with --warehouse/,
      );
      expectOneLine(r.stderr);
      expect(r.code).toBe(1);
    },
    60_000,
  );

  it.skipIf(!unprivileged)(
    'a read-only warehouse file is a permission problem, not a corrupt file',
    async () => {
      const folder = join(dir, 'readonly');
      mkdirSync(folder);
      chmodSync(folder, 0o755);
      const warehouse = join(folder, 'w.duckdb');
      expect((await logflow(['ingest', log, '--warehouse', warehouse, '--quiet'])).code).toBe(0);
      chmodSync(warehouse, 0o444);
      chmodSync(folder, 0o555);
      const r = await logflow(['ingest', log, '--warehouse', warehouse], true);
      expect(r.stderr).toMatch(
        /^logflow ingest: cannot write warehouse .*w\.duckdb: permission denied; run as a user who may write the file and its folder/,
      );
      expect(r.stderr).not.toMatch(/corrupt|damaged|delete it/i);
      expectOneLine(r.stderr);
      expect(r.code).toBe(1);
    },
    60_000,
  );

  it('a bad var reports its cause once and folds the actions it broke into the same line', async () => {
    const r = await logflow(['transform', '--vars', 'lookbackMinutes=abc', '--warehouse', join(dir, 'unused.duckdb')]);
    expect(r.stderr).toMatch(
      /^logflow transform: Dataform compilation failed \(duckdb\): includes\/constants\.js: var lookbackMinutes must be a whole number of minutes, got 'abc'; \d+ actions that use constants could not compile because of it$/m,
    );
    expectOneLine(r.stderr);
    expect(r.code).toBe(1);
  }, 60_000);

  it.each([
    [['ingest', '--batch-lines', '-1', '-'], /^logflow ingest: --batch-lines must be between 1 and 1000000, got -1/],
    [['ingest', '--poll-ms', '-5', '--follow', 'x.log'], /^logflow ingest: --poll-ms must be between 10 and 60000, got -5/],
  ])(
    'a negative number for a flag is checked as a number: %j',
    async (args, message) => {
      const r = await logflow(args);
      expect(r.stderr).toMatch(message);
      expectOneLine(r.stderr);
      expect(r.code).toBe(2);
    },
    60_000,
  );
});
