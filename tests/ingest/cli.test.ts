import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { status } from '@grpc/grpc-js';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { startPubsubFake, type PubsubFake } from '../support/pubsub-fake.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const bin = join(repoRoot, 'bin/logflow.js');
let dir: string;
let fake: PubsubFake;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-ingest-cli-'));
  fake = await startPubsubFake();
});
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const N = 60_000;
function writeLog(name: string, n = N): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    Array.from({ length: n }, (_, i) => `198.51.100.${i % 250} - - [17/May/2015:10:05:03 +0000] "GET /kill/${i} HTTP/1.1" 200 ${i}`).join(
      '\n',
    ) + '\n',
  );
  return file;
}

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, 'ingest', ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stderr })),
  );
  return { child, done };
}

async function landing(warehouse: string): Promise<{ rows: number; distinct: number; maxLine: number }> {
  const w = await openWarehouse(warehouse, { catalog: 'wh' });
  try {
    const r = await w.connection.runAndReadAll(
      `select count(*)::int as rows, count(distinct attributes->>'idempotency_key')::int as distinct_keys, coalesce(max((attributes->>'line_number')::int), 0) as max_line from logflow_raw.landing`,
    );
    const o = r.getRowObjectsJS()[0]!;
    return { rows: Number(o.rows), distinct: Number(o.distinct_keys), maxLine: Number(o.max_line) };
  } catch {
    return { rows: 0, distinct: 0, maxLine: 0 };
  } finally {
    w.close();
  }
}

/**
 * Runs `logflow ingest args` once per delay: waits for the run's first commits (the write-ahead
 * log appears), waits `delay` ms more, kills it with SIGKILL, and notes the landed rows.
 */
async function killedRuns(args: string[], warehouse: string, delays: number[]): Promise<number[]> {
  const partials: number[] = [];
  for (const delay of delays) {
    const { child, done } = start(args);
    const deadline = Date.now() + 15_000;
    while (!(existsSync(`${warehouse}.wal`) && statSync(`${warehouse}.wal`).size > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await done;
    partials.push((await landing(warehouse)).rows);
  }
  return partials;
}

describe('logflow ingest (child process)', () => {
  it('after kill -9 at any moment, a restart lands every line exactly once (local)', async () => {
    const file = writeLog('kill-local.log');
    const warehouse = join(dir, 'kill.duckdb');
    const partials = await killedRuns([file, '--warehouse', warehouse, '--batch-lines', '500', '--quiet'], warehouse, [0, 100, 200]);
    const { done } = start([file, '--warehouse', warehouse, '--quiet']);
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(await landing(warehouse)).toEqual({ rows: N, distinct: N, maxLine: N });
    expect(
      partials.some((n) => n > 0 && n < N),
      `rows after each kill: ${partials.join(', ')}`,
    ).toBe(true);
  }, 60_000);

  it('after kill -9 mid-batch, no piece of the batch has landed, and a restart lands every line exactly once (local, default batches)', async () => {
    // default batches: 122,880 lines, read and staged in pieces of 16,384; only the last piece commits
    const batch = 122_880;
    const n = batch + 60_000;
    const file = writeLog('kill-pieces.log', n);
    const warehouse = join(dir, 'pieces.duckdb');
    const partials = await killedRuns([file, '--warehouse', warehouse, '--quiet'], warehouse, [0, 150, 300]);
    expect(
      partials.every((rows) => rows % batch === 0 || rows === n),
      `rows after each kill: ${partials.join(', ')}`,
    ).toBe(true);
    const { done } = start([file, '--warehouse', warehouse, '--quiet']);
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(await landing(warehouse)).toEqual({ rows: n, distinct: n, maxLine: n });
  }, 120_000);

  it('after kill -9, a restart publishes every line at least once and resumes from the acknowledged checkpoint (Pub/Sub)', async () => {
    const file = writeLog('kill-pubsub.log', 40_000);
    fake.messages.length = 0;
    fake.setDelay(15);
    const args = [
      file,
      '--sink',
      'pubsub',
      '--topic',
      'projects/test-project/topics/kill',
      '--state',
      join(dir, 'kill-state.json'),
      '--max-messages',
      '200',
      '--max-outstanding-messages',
      '1000',
      '--batch-lines',
      '500',
      '--quiet',
    ];
    const env = { PUBSUB_EMULATOR_HOST: fake.endpoint };
    const first = start(args, env);
    const deadline = Date.now() + 20_000;
    while (fake.messages.length < 5_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    await first.done;
    const before = fake.messages.length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(40_000);
    fake.setDelay(0);
    const second = await start(args, env).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/skipped as already delivered/);
    const lines = new Set(fake.messages.filter((m) => m.topic.endsWith('/kill')).map((m) => Number(m.attributes.line_number)));
    expect(lines.size).toBe(40_000);
  }, 60_000);

  it('on SIGTERM stops, flushes, checkpoints, prints a summary and exits 0', async () => {
    const file = writeLog('term.log', 100_000);
    const warehouse = join(dir, 'term.duckdb');
    const { child, done } = start([file, '--warehouse', warehouse, '--batch-lines', '2000']);
    // the signal handlers are installed before the warehouse file is created
    while (!existsSync(warehouse)) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/logflow ingest: (interrupted; )?read [\d,]+ lines .* delivered [\d,]+, retried 0, failed 0/);
    const after = await landing(warehouse);
    const rest = await start([file, '--warehouse', warehouse, '--quiet']).done;
    expect(rest.code).toBe(0);
    expect(await landing(warehouse)).toEqual({ rows: 100_000, distinct: 100_000, maxLine: 100_000 });
    expect(after.rows).toBeGreaterThan(0);
  }, 60_000);

  it('exits 1 with one clear line when Pub/Sub refuses the publish', async () => {
    const file = writeLog('denied.log', 50);
    fake.failAlways(status.PERMISSION_DENIED);
    try {
      const result = await start(
        [file, '--sink', 'pubsub', '--topic', 'projects/test-project/topics/denied', '--state', join(dir, 'denied.json'), '--quiet'],
        { PUBSUB_EMULATOR_HOST: fake.endpoint },
      ).done;
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^logflow ingest: Pub\/Sub refused to publish to projects\/test-project\/topics\/denied: .*PERMISSION_DENIED\)$/,
      );
      expect(existsSync(join(dir, 'denied.json'))).toBe(false);
    } finally {
      fake.clearFaults();
    }
  }, 30_000);

  it('ingests the generator in-process with --generate', () => {
    const warehouse = join(dir, 'gen.duckdb');
    const run = spawnSync(process.execPath, [bin, 'ingest', '--generate', '--lines', '500', '--seed', '3', '--warehouse', warehouse], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/read 500 lines from 1 source\(s\): delivered 500/);
  });

  it('stops on SIGTERM while stdin stays open and delivers what it read', async () => {
    const warehouse = join(dir, 'open-stdin.duckdb');
    const child = spawn(process.execPath, [bin, 'ingest', '-', '--warehouse', warehouse], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    child.stdin.write('first\nsecond\n');
    while (!existsSync(warehouse)) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    expect(await done, stderr).toBe(0);
    expect(stderr).toMatch(/interrupted; read 2 lines .* delivered 2/);
    child.stdin.destroy();
  }, 30_000);

  it('holds back an unterminated last line, and delivers it with --final', () => {
    const warehouse = join(dir, 'final.duckdb');
    const file = join(dir, 'final.log');
    writeFileSync(file, 'a\nb');
    const held = spawnSync(process.execPath, [bin, 'ingest', file, '--warehouse', warehouse], { cwd: dir, encoding: 'utf8' });
    expect(held.status, held.stderr).toBe(0);
    expect(held.stderr).toMatch(/final\.log: the last line \(1 bytes at byte 2\) has no newline yet; held back/);
    expect(held.stderr).toMatch(/read 1 lines from 1 source\(s\), 1 unterminated last line\(s\) held back: delivered 1/);
    const final = spawnSync(process.execPath, [bin, 'ingest', file, '--warehouse', warehouse, '--final'], { cwd: dir, encoding: 'utf8' });
    expect(final.status, final.stderr).toBe(0);
    expect(final.stderr).toMatch(/read 1 lines .* skipped as already delivered: delivered 1/);
    const help = spawnSync(process.execPath, [bin, 'ingest', '--help'], { cwd: dir, encoding: 'utf8' });
    expect(help.stdout + help.stderr).toMatch(/--final +the files are complete/);
  });

  it('reads stdin with -, and rejects bad flags with exit 2', () => {
    const warehouse = join(dir, 'stdin.duckdb');
    const ok = spawnSync(process.execPath, [bin, 'ingest', '-', '--warehouse', warehouse], {
      input: 'x 1\r\ny 2\n\nz',
      cwd: dir,
      encoding: 'utf8',
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/read 4 lines .* delivered 4/);
    const bad = spawnSync(process.execPath, [bin, 'ingest', '--sink', 'kafka', 'x.log'], { cwd: dir, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const fatal = spawnSync(process.execPath, [bin, 'ingest', '--sink', 'pubsub', '--topic', 'not-a-topic', 'x.log'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(fatal.status).toBe(2);
    expect(fatal.stderr.trim()).toMatch(
      /^logflow ingest: the topic must look like projects\/PROJECT\/topics\/TOPIC, got 'not-a-topic' \(see --topic\)$/,
    );
  });
});
