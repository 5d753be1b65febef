import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { command, FLAGS, parseGenerateArgs } from '../../cli/commands/generate.ts';
import { LogflowError } from '../../core/errors.ts';
import { generateLines } from '../../generator/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin/logflow.js');

describe('parseGenerateArgs()', () => {
  it.each([
    [['--rate', '-5'], /--rate must be between/],
    [['--rate', 'fast'], /--rate must be a number/],
    [['--format', 'xml'], /--format must be one of combined, common, vcombined, json/],
    [['--start', '2026-13-01'], /--start must be an ISO 8601/],
    [['--start', '2026-02-30'], /--start must be an ISO 8601/],
    [['--start', 'yesterday'], /--start must be an ISO 8601/],
    [['--duration', '-1h'], /--duration must be a positive duration/],
    [['--duration', '0'], /--duration must be a positive duration/],
    [['--lines', '-3'], /--lines must be between/],
    [['--lines', '1e3'], /--lines must be a whole number/],
    [['--utc-offset', '+25:00'], /--utc-offset must look like/],
    [['--bot-share', '1.5'], /--bot-share must be between 0 and 1/],
    [['--seed', '4294967296'], /--seed must be between/],
    [['--diurnal', 'maybe'], /--diurnal must be on or off/],
    [['--out', 'x.log', '--truth', 'x.log'], /must be different files/],
    [['--colour', 'red'], /Unknown option '--colour'/],
  ])('rejects %j with a usage error', (argv, message) => {
    let error: unknown;
    try {
      parseGenerateArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LogflowError);
    expect((error as LogflowError).exitCode).toBe(2);
    expect((error as LogflowError).message).toMatch(message);
    expect((error as LogflowError).message).not.toContain('\n');
  });

  it.each([
    [['--start', '2026-11-02'], '2026-11-02T00:00:00.000Z'],
    [['--start', '2026-11-02T08:30:00Z'], '2026-11-02T08:30:00.000Z'],
    [['--start', '2026-11-02T08:30+01:00'], '2026-11-02T07:30:00.000Z'],
    [['--start', 'now', '--rate', '5'], '2030-01-01T00:00:00.000Z'],
  ])('reads %j as start %s', (argv, iso) => {
    expect(parseGenerateArgs(argv, () => Date.parse('2030-01-01T00:00:00.400Z')).options.start!.toISOString()).toBe(iso);
  });

  it.each([
    [['--duration', '90s'], 90],
    [['--duration', '15m'], 900],
    [['--duration', '2h'], 7200],
    [['--duration', '1d'], 86_400],
    [['--duration', '3600'], 3600],
  ])('reads %j as %i seconds (and no line count)', (argv, seconds) => {
    const { options } = parseGenerateArgs(argv);
    expect(options.durationSeconds).toBe(seconds);
    expect(options.lines).toBeNull();
  });

  it('documents every flag and its default in --help', () => {
    for (const flag of Object.keys(FLAGS)) expect(command.help).toMatch(new RegExp(`--${flag}\\b`));
    expect(command.help).toContain('(default 10000 when --duration is not given)');
    expect(command.help).toContain('(default 2026-11-01T00:00:00.000Z');
  });
});

describe('logflow generate', () => {
  it('writes the same bytes as generateLines(), with one truth record per line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logflow-gen-'));
    try {
      const out = path.join(dir, 'access.log');
      const truth = path.join(dir, 'truth.ndjson');
      const run = spawnSync(
        'node',
        [bin, 'generate', '--lines', '3000', '--seed', '7', '--format', 'vcombined', '--out', out, '--truth', truth],
        { encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      const expected = [...generateLines({ lines: 3000, seed: 7, format: 'vcombined' })].join('\n') + '\n';
      expect(fs.readFileSync(out, 'utf8')).toBe(expected);
      const records = fs
        .readFileSync(truth, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records).toHaveLength(3000);
      expect(records.map((r) => r.line)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([[['--rate', '-5']], [['--format', 'xml']], [['--start', 'not-a-date']]])('exits 2 with one line on stderr for %j', (argv) => {
    const run = spawnSync('node', [bin, 'generate', ...argv], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^logflow generate: /);
  });

  it('ends quietly when the reader closes the pipe (| head)', () => {
    const run = spawnSync('sh', ['-c', `node '${bin}' generate --lines 2000000 | head -n 5`], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(5);
    expect(run.stderr).toBe('');
  });

  it('honours --rate within 10%', async () => {
    const rate = 1000;
    const child = spawn('node', [bin, 'generate', '--rate', String(rate), '--seed', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const counted = await new Promise<number>((resolve) => {
      child.on('close', () => resolve(0));
      let first = 0;
      let lines = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        const now = performance.now();
        if (first === 0) first = now;
        // A 5 s window: the generator catches up on its schedule, so only a stall at the very end
        // (a busy CI core) shows as error; 10% of 5 s leaves room for 500 ms of it.
        else if (now - first > 5000) {
          child.kill('SIGTERM');
          resolve((lines / (now - first)) * 1000);
          return;
        }
        for (const byte of chunk) if (byte === 10) lines++;
      });
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(counted).toBeGreaterThan(rate * 0.9);
    expect(counted).toBeLessThan(rate * 1.1);
  }, 30_000);
});
