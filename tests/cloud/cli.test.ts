import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_DIR } from '../../warehouse/project.ts';

function logflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const env = { ...process.env, GOOGLE_CLOUD_PROJECT: '', GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' };
    execFile(process.execPath, [join(PROJECT_DIR, 'bin/logflow.js'), ...args], { env }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('setup, load and status on the command line', () => {
  it.each([
    [['setup', '--location', 'EU', '--dry-run'], 2, /^logflow setup: --project P is required/],
    [['setup', '--project', 'demo-project', '--dry-run', '--check'], 2, /exclude each other/],
    [['load', 'gs://bucket/a.log'], 2, /^logflow load: gs:\/\/bucket\/a\.log: gs:\/\/ URIs need --target bigquery$/],
    [['load', '--target', 'bigquery', 'a.log'], 2, /^logflow load: --project P is required with --target bigquery/],
    [['status', '--target', 'bigquery'], 2, /^logflow status: --project P is required .*logflow status --help/],
    [
      ['setup', '--project', 'demo-project', '--location', 'EU'],
      1,
      /^logflow setup: GOOGLE_APPLICATION_CREDENTIALS does not point at a readable credential file/,
    ],
  ])(
    'logflow %j exits %i with one line',
    async (args, code, message) => {
      const out = await logflow(args);
      expect(out.code).toBe(code);
      expect(out.stderr.trim()).toMatch(message);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
    },
    60_000,
  );
});
