/**
 * The whole local pipeline against the peer, side by side on the same file:
 *   npx tsx bench/pipeline-vs-goaccess.ts [--lines 1000000] [--seed 7]
 *
 * Generates one combined-format log (not timed), then times, one after the other on the same
 * machine: GoAccess 1.7 (`goaccess FILE --log-format=COMBINED -o report.json`, single thread),
 * and logflow's `ingest` (file -> DuckDB landing) and `transform` (every model, assertions
 * included) through the real CLI, each as a child process. Prints wall time, lines/s and the
 * ratio logflow / GoAccess. GoAccess must be on PATH (Debian package `goaccess`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '7' } } });
const lines = Number(values.lines);

function timed(label: string, count: number, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) {
    process.stderr.write(
      `${label} failed (exit ${run.status}): ${(run.stderr || run.error?.message || '').trim().split('\n').slice(-3).join(' | ')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `${label.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s  ${Math.round(count / seconds)
      .toLocaleString('en')
      .padStart(9)} lines/s\n`,
  );
  return seconds;
}

if (spawnSync('goaccess', ['--version']).status !== 0) {
  process.stderr.write('goaccess is not installed (apt-get install goaccess); nothing to compare against\n');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'logflow-bench-peer-'));
try {
  const log = join(dir, 'access.log');
  const warehouse = join(dir, 'warehouse.duckdb');
  const bin = join(root, 'bin/logflow.js');
  spawnSync(process.execPath, [bin, 'generate', '--lines', String(lines), '--seed', values.seed!, '--out', log]);
  process.stdout.write(
    `${lines.toLocaleString('en')} combined lines, ${(statSync(log).size / 1e6).toFixed(0)} MB; load average ${loadavg()[0]!.toFixed(1)} on 2 cores\n\n`,
  );

  const goaccess = timed('GoAccess 1.7 (report.json)', lines, 'goaccess', [log, '--log-format=COMBINED', '-o', join(dir, 'report.json')]);
  const ingest = timed('logflow ingest (file -> landing)', lines, process.execPath, [
    bin,
    'ingest',
    log,
    '--warehouse',
    warehouse,
    '--quiet',
  ]);
  const transform = timed('logflow transform (all models)', lines, process.execPath, [
    bin,
    'transform',
    '--warehouse',
    warehouse,
    '--quiet',
  ]);
  const extra = join(dir, 'more.log');
  spawnSync(process.execPath, [bin, 'generate', '--lines', '10000', '--seed', '8', '--start', '2026-11-02T00:00:00Z', '--out', extra]);
  timed('logflow ingest +10,000 lines', 10_000, process.execPath, [bin, 'ingest', extra, '--warehouse', warehouse, '--quiet']);
  // The 1M lines landed minutes ago, inside the 60-minute late-arrival lookback, so this run
  // re-reads all of them: the cost right after a backfill, not in steady state.
  timed('logflow transform (incremental)', 10_000, process.execPath, [bin, 'transform', '--warehouse', warehouse, '--quiet']);
  const extra2 = join(dir, 'more2.log');
  spawnSync(process.execPath, [bin, 'generate', '--lines', '10000', '--seed', '9', '--start', '2026-11-02T06:00:00Z', '--out', extra2]);
  timed('logflow ingest +10,000 lines', 10_000, process.execPath, [bin, 'ingest', extra2, '--warehouse', warehouse, '--quiet']);
  // Steady state: only arrivals since the last run are in the window (lookbackMinutes=0 here
  // stands for "the backfill is older than the lookback").
  timed('logflow transform (incr., lookback 0)', 10_000, process.execPath, [
    bin,
    'transform',
    '--warehouse',
    warehouse,
    '--quiet',
    '--vars',
    'lookbackMinutes=0',
  ]);

  const total = ingest + transform;
  process.stdout.write(
    `\nlogflow ingest + transform: ${total.toFixed(2)} s = ${(total / goaccess).toFixed(2)}x GoAccess's time on the same file\n`,
  );
  process.stdout.write(
    '(GoAccess builds its panels in memory; logflow also deduplicates, quarantines, enriches UA/bot/geo,\n sessionises, checks its assertions and persists every table for SQL and incremental runs.)\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
