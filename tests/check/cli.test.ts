import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { command } from '../../cli/commands/check.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const fixture = resolve(import.meta.dirname, '../fixtures/check-project');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function logflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repoRoot, 'bin/logflow.js'), ...args], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('logflow check', () => {
  it('prints one summary line and exits 0 on a clean project', async () => {
    const { code, stdout, stderr } = await logflow(['check', '--project-dir', fixture]);
    expect(stderr).toBe('');
    // The fixture's actions are tagged full_history: their unbounded reads are summarised, not problems.
    expect(stdout).toMatch(
      /^Reads of partitioned tables in a scheduled run:\n( {2}.*\n)+check passed: 5 action\(s\), 7 statement\(s\) analysed as BigQuery SQL by ZetaSQL, no problems \(\d+\.\d\d s\)\n$/,
    );
    expect(stdout).toContain(
      '  logflow_assertions.requests_have_ips: reads logflow.stg_landing__requests UNBOUNDED (all partitions of requested_at, tagged full_history)\n',
    );
    expect(code).toBe(0);
  });

  it('prints one line per problem with file:line:column, then the summary, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-check-cli-'));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    const file = join(dir, 'definitions/outputs/daily_requests.sqlx');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('count(*) as request_count', 'count(*) as request_count,\n    sum(bytes) as total_bytes'),
    );
    const { code, stdout } = await logflow(['check', '--project-dir', dir]);
    expect(stdout.split('\n').filter((l) => !/^(Reads of partitioned tables| {2})/.test(l))).toEqual([
      'definitions/outputs/daily_requests.sqlx:11:9: logflow.daily_requests (create view): Unrecognized name: bytes',
      expect.stringMatching(/^check failed: 1 problem\(s\); 5 action\(s\), 7 statement\(s\) analysed/),
      '',
    ]);
    expect(code).toBe(1);
  });

  it.each([
    { args: ['--project'], message: "Unknown option '--project' (see: logflow check --help)" },
    { args: ['--vars', 'x'], message: "--vars takes key=value pairs separated by commas, got 'x' (see: logflow check --help)" },
  ])('rejects $args with a usage error (exit 2)', async ({ args, message }) => {
    await expect(command.run(args)).rejects.toMatchObject({ message, exitCode: 2 });
  });
});
