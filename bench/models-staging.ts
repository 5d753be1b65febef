/**
 * Staging and enrichment models on DuckDB (issue 5): how long each model of the `requests` tag
 * (stg_landing__lines, int_lines_parsed, user_agents, ip_locations, requests, their assertions)
 * takes on N landed lines, for the first (full) build and for an incremental run that adds 10%.
 *
 *   npx tsx bench/models-staging.ts                      # 1,000,000 lines
 *   npx tsx bench/models-staging.ts --lines 200000 --keep
 *
 * Lines are generated and landed by the real ingester (`logflow ingest --generate`, local sink)
 * and the demo reference data loaded with `logflow geo load`, in a temporary warehouse file (not
 * timed); the models then run through the same executor as `logflow transform`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compileProject } from '../warehouse/compile.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { runGraph, type RunSummary } from '../warehouse/executor.ts';
import { registerFunctions } from '../pipeline/functions.ts';

const { values } = parseArgs({ options: { lines: { type: 'string' }, keep: { type: 'boolean' } } });
const lines = Number(values.lines ?? 1_000_000);
const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'logflow-bench-models-'));
const warehouse = join(dir, 'bench.duckdb');

function cli(...args: string[]): void {
  execFileSync(process.execPath, [join(root, 'bin/logflow.js'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function transform(label: string, landed: number): Promise<RunSummary> {
  const wh = await openWarehouse(warehouse);
  try {
    await registerFunctions(wh.connection);
    const summary = await runGraph(wh.connection, compileProject({ warehouse: 'duckdb' }), { tags: ['requests'], includeDeps: true });
    if (!summary.ok)
      throw new Error(
        summary.results
          .filter((r) => r.error)
          .map((r) => `${r.name}: ${r.error}`)
          .join('; '),
      );
    console.log(
      `\n${label}: ${summary.seconds.toFixed(2)} s in all, ${Math.round(landed / summary.seconds).toLocaleString('en')} landed lines/s`,
    );
    for (const r of summary.results.filter((x) => x.status === 'success')) {
      const rows = r.changedRows !== undefined ? `${r.changedRows} changed, ${r.rows} total` : r.rows !== undefined ? `${r.rows} rows` : '';
      console.log(`  ${r.name.padEnd(72)} ${r.seconds.toFixed(2).padStart(7)} s  ${rows}`);
    }
    return summary;
  } finally {
    wh.close();
  }
}

console.log(
  `logflow models benchmark: ${lines.toLocaleString('en')} lines, node ${process.version}, ${cpus().length} CPUs, warehouse ${warehouse}`,
);
try {
  let t = performance.now();
  cli('ingest', '--generate', '--lines', String(lines), '--seed', '1', '--warehouse', warehouse);
  cli('geo', 'load', '--warehouse', warehouse);
  console.log(`landed and loaded reference data in ${((performance.now() - t) / 1000).toFixed(1)} s (not part of the figures)`);
  await transform('first build', lines);
  const more = Math.max(1, Math.round(lines / 10));
  t = performance.now();
  cli('ingest', '--generate', '--lines', String(more), '--seed', '2', '--warehouse', warehouse);
  await transform(`incremental run (+${more.toLocaleString('en')} lines)`, more);
} finally {
  if (values.keep) console.log(`\nkept ${warehouse}`);
  else rmSync(dir, { recursive: true, force: true });
}
