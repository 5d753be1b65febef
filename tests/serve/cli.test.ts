import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { generateLines } from '../../generator/index.ts';
import { PROJECT_DIR } from '../../warehouse/project.ts';

const BIN = join(PROJECT_DIR, 'bin', 'logflow.js');

describe('logflow serve', () => {
  it.each([
    [['x.log', '--format', 'nope'], /^logflow serve: unknown log format 'nope': use one of combined, .*\(see --format\)$/],
    [['x.log', '--custom-format', '%h %Q'], /^logflow serve: custom log format: unknown Apache directive '%Q'.*\(see --custom-format\)$/],
    [
      ['--rate', '10', '--format', 'json'],
      /^logflow serve: --format and --custom-format describe SOURCES; --rate generates combined lines/,
    ],
    [['x.log', '--every', '5 minutes'], /^logflow serve: --every must be a duration/],
  ])('refuses %j with one line and exit status 2', async (args, message) => {
    // in-process: main() prints what bin/logflow.js prints. A temporary warehouse: were the
    // arguments accepted, serve would start there.
    const warehouse = join(mkdtempSync(join(tmpdir(), 'logflow-serve-cli-')), 'w.duckdb');
    const err: string[] = [];
    const out: string[] = [];
    const spies = [
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0),
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0),
    ];
    let code: number;
    try {
      code = await main(['serve', '--port', '0', '--warehouse', warehouse, ...args]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('').trim().split('\n')).toHaveLength(1);
    expect(err.join('').trim()).toMatch(message);
    expect(existsSync(warehouse)).toBe(false);
  });

  it('exits at once on a second Ctrl-C during a refresh, but not on a signal repeated within 2 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-serve-cli-'));
    const log = join(dir, 'access.log');
    const warehouse = join(dir, 'warehouse.duckdb');
    writeFileSync(log, [...generateLines({ seed: 5, lines: 50 })].join('\n') + '\n');
    // No tiny reference here: the first refresh loads the bundled one (seconds), so it outlasts the
    // 2.2 s below. The graph alone on an empty warehouse now refreshes in under 2 s.
    const child = spawn(process.execPath, [BIN, 'serve', log, '--port', '0', '--every', '1s', '--warehouse', warehouse], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      while (!out.includes('Ctrl-C to stop')) {
        if (child.exitCode !== null) throw new Error(`serve exited: ${out} ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The first refresh (the whole graph on an empty warehouse) takes seconds. Compiling is
      // synchronous: a signal is handled once it is done, when serve says it is stopping.
      child.kill('SIGINT');
      while (!out.includes('stopping:')) {
        if (child.exitCode !== null) throw new Error(`serve exited: ${out} ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGINT'); // the same Ctrl-C relayed (by npm): ignored
      await new Promise((r) => setTimeout(r, 2_200));
      expect(child.exitCode, `serve stopped before the second Ctrl-C: ${out}`).toBeNull();
      const t0 = Date.now();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(out).toMatch(/stopping: landing what was read and saving the checkpoint/);
      expect(err).toMatch(/logflow serve: second SIGINT: exiting now; the lines landed so far keep their checkpoint/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
