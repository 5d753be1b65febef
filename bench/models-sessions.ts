/**
 * Session and output models benchmark and sessionisation accuracy (issue 6):
 *   npx tsx bench/models-sessions.ts [--lines 1000000] [--extra 10000] [--days 1] [--seed 7] [--no-check]
 *
 * 1. Generates lines + extra lines with the generator's ground truth (not timed) and lands the
 *    first `lines` (spread over `days` of simulated time) in a fresh DuckDB warehouse file (in a temporary directory, removed at the
 *    end), each published at its own request time, as live ingestion would.
 * 2. Runs the parsing chain (requests and its dependencies; timed apart, not ours), then times
 *    the models downstream of logflow.requests: int_requests_sessionized, sessions, the outputs
 *    and their assertions (full run).
 * 3. Scores sessionisation against the truth: the share of true sessions whose lines are
 *    exactly one of our sessions, for all visitors and for visitors whose IP + user agent no
 *    other true visitor shares.
 * 4. Lands the extra lines, runs the parsing chain incrementally, times the incremental run of
 *    the same models, and (unless --no-check) checks that a full refresh gives the same
 *    sessions, row for row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ensureGeoTables } from '../geo/load.ts';
import { generateRecords } from '../generator/index.ts';
import { compileProject } from '../warehouse/compile.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { runGraph, type RunSummary } from '../warehouse/executor.ts';
import { ensureLanding, LOCAL_SUBSCRIPTION } from '../pipeline/landing.ts';
import { registerFunctions } from '../pipeline/functions.ts';
import { downstreamActions } from '../tests/support/sessions.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string' },
    extra: { type: 'string' },
    days: { type: 'string' },
    seed: { type: 'string' },
    'no-check': { type: 'boolean' },
  },
});
const LINES = Number(values.lines ?? 1_000_000);
const EXTRA = Number(values.extra ?? 10_000);
const SEED = Number(values.seed ?? 7);
const DAYS = Number(values.days ?? 1);

interface TruthRow {
  visitor: number | null;
  session: number | null;
  scenario: string;
}

const say = (line: string) => process.stdout.write(line + '\n');
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);

/** Lands lines [from, to) through the appender, published at their request times. */
async function land(c: DuckDBConnection, lines: string[], times: number[], from: number, to: number): Promise<void> {
  await c.run('create or replace temp table bench_stage (data blob, published varchar, line_number bigint, byte_offset bigint)');
  const a = await c.createAppender('bench_stage', 'main', 'temp');
  let offset = 0;
  for (let i = 0; i < from; i++) offset += Buffer.byteLength(lines[i]!) + 1;
  for (let i = from; i < to; i++) {
    const bytes = Buffer.from(lines[i]!, 'utf8');
    a.appendBlob(bytes);
    a.appendVarchar(new Date(times[i]!).toISOString());
    a.appendBigInt(BigInt(i + 1));
    a.appendBigInt(BigInt(offset));
    a.endRow();
    offset += bytes.length + 1;
  }
  a.flushSync();
  a.closeSync();
  await c.run(
    `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes)
     select $1, cast(uuid() as varchar), cast(published as timestamptz), data,
       json_object('source', 'bench', 'source_id', 'bench-id', 'line_number', cast(line_number as varchar), 'byte_offset', cast(byte_offset as varchar),
                   'format', 'combined', 'ingest_host', 'bench', 'idempotency_key', 'bench-id:' || byte_offset)
     from bench_stage`,
    [LOCAL_SUBSCRIPTION],
  );
}

async function loadTruth(c: DuckDBConnection, truth: TruthRow[]): Promise<void> {
  await c.run('create or replace table bench_truth (line_number bigint, visitor bigint, session bigint, scenario varchar)');
  const a = await c.createAppender('bench_truth');
  for (const [i, t] of truth.entries()) {
    a.appendBigInt(BigInt(i + 1));
    if (t.visitor === null) a.appendNull();
    else a.appendBigInt(BigInt(t.visitor));
    if (t.session === null) a.appendNull();
    else a.appendBigInt(BigInt(t.session));
    a.appendVarchar(t.scenario);
    a.endRow();
  }
  a.flushSync();
  a.closeSync();
}

/** Share of true sessions recovered exactly, overall and for visitors with an unshared IP + user agent. */
async function accuracy(c: DuckDBConnection): Promise<Record<string, unknown>[]> {
  const reader = await c.runAndReadAll(`
    with hits as (
      select t.visitor, t.session, t.scenario, s.session_id, r.client_ip, r.user_agent
      from bench_truth as t
      join "your-gcp-project".logflow.requests as r on r.line_number = t.line_number
      join "your-gcp-project".logflow.int_requests_sessionized as s on s.request_id = r.request_id
      where t.session is not null
    ),
    shared as (
      select client_ip, user_agent from hits group by 1, 2 having count(distinct visitor) > 1
    ),
    ours as (
      select session_id, count(*) as n from "your-gcp-project".logflow.int_requests_sessionized group by 1
    ),
    truth_sessions as (
      select h.visitor, h.session, any_value(h.scenario) as scenario, count(*) as n, count(distinct h.session_id) as ours, any_value(h.session_id) as session_id,
        bool_or(sh.client_ip is not null) as is_shared
      from hits as h
      left join shared as sh on h.client_ip = sh.client_ip and h.user_agent is not distinct from sh.user_agent
      group by 1, 2
    ),
    scored as (
      select t.*, t.ours = 1 and o.n = t.n as exact from truth_sessions as t join ours as o on o.session_id = t.session_id
    )
    select 'all' as visitors, count(*) as true_sessions, count_if(exact) as exact, round(100.0 * count_if(exact) / count(*), 2) as pct from scored
    union all
    select 'unshared IP + UA', count(*), count_if(exact), round(100.0 * count_if(exact) / count(*), 2) from scored where not is_shared
    union all
    select 'unshared, ' || scenario, count(*), count_if(exact), round(100.0 * count_if(exact) / count(*), 2) from scored where not is_shared group by scenario
    order by 1`);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

function report(label: string, summary: RunSummary): void {
  const tables = summary.results.filter((r) => r.kind !== 'assertion');
  const assertions = summary.results.filter((r) => r.kind === 'assertion');
  say(
    `${label}: ${summary.seconds.toFixed(2)} s (${tables.length} tables ${tables.reduce((n, r) => n + r.seconds, 0).toFixed(2)} s, ${assertions.length} assertions ${assertions.reduce((n, r) => n + r.seconds, 0).toFixed(2)} s)`,
  );
  for (const r of tables.sort((x, y) => y.seconds - x.seconds).slice(0, 6)) {
    say(
      `    ${r.name.padEnd(36)} ${r.seconds.toFixed(2)} s${r.changedRows !== undefined ? `, ${r.changedRows} rows changed` : ''}, ${r.rows ?? '?'} rows`,
    );
  }
  const failed = summary.results.filter((r) => r.status !== 'success' && r.status !== 'disabled');
  if (failed.length > 0) throw new Error(`failed: ${failed.map((r) => `${r.name}: ${r.error}`).join('; ')}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'logflow-bench-sessions-'));
  const wh = await openWarehouse(join(dir, 'warehouse.duckdb'));
  try {
    const c = wh.connection;
    await registerFunctions(c);
    await ensureLanding(c);
    await ensureGeoTables(c);

    let t0 = performance.now();
    const lines: string[] = [];
    const times: number[] = [];
    const truth: TruthRow[] = [];
    for (const { line, truth: t } of generateRecords({ lines: LINES + EXTRA, seed: SEED, durationSeconds: DAYS * 86_400 })) {
      lines.push(line);
      times.push(t.timeMs);
      truth.push({ visitor: t.visitorId, session: t.sessionId, scenario: t.scenario });
    }
    say(`generated ${lines.length} lines over ${DAYS} day(s) with truth in ${seconds(t0)} s (seed ${SEED})`);
    t0 = performance.now();
    await land(c, lines, times, 0, LINES);
    await loadTruth(c, truth);
    say(`landed ${LINES} lines in ${seconds(t0)} s`);

    const graph = compileProject({ warehouse: 'duckdb' });
    const ours = downstreamActions(graph);
    const upstream = { actions: ['requests'], includeDeps: true };

    report('parsing chain, full (not ours)', await runGraph(c, graph, upstream));
    report(`session + output models, full, ${LINES} lines`, await runGraph(c, graph, { actions: ours }));
    for (const row of await accuracy(c))
      say(`  sessions recovered exactly, ${row.visitors}: ${row.exact} / ${row.true_sessions} = ${row.pct}%`);

    t0 = performance.now();
    await land(c, lines, times, LINES, LINES + EXTRA);
    say(`landed ${EXTRA} more lines in ${seconds(t0)} s`);
    report('parsing chain, incremental (not ours)', await runGraph(c, graph, upstream));
    report(`session + output models, incremental, +${EXTRA} lines`, await runGraph(c, graph, { actions: ours }));

    if (!values['no-check']) {
      await c.run('create or replace temp table bench_incremental as select * from "your-gcp-project".logflow.sessions');
      report('session + output models, full refresh (check)', await runGraph(c, graph, { actions: ours, fullRefresh: true }));
      const diff = await c.runAndReadAll(`select
        (select count(*) from (select * from bench_incremental except all select * from "your-gcp-project".logflow.sessions)) +
        (select count(*) from (select * from "your-gcp-project".logflow.sessions except all select * from bench_incremental))`);
      const n = Number(diff.getRows()[0]?.[0] ?? -1);
      say(
        n === 0
          ? 'incremental sessions equal the full refresh, row for row'
          : `MISMATCH: ${n} session rows differ between incremental and full refresh`,
      );
      if (n !== 0) process.exitCode = 1;
    }
  } finally {
    wh.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
