import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compileProject } from '../../warehouse/compile.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import {
  compareRows,
  DEFERRED_CHECKPOINT_THRESHOLD,
  disabledReason,
  runGraph,
  runUnitTests,
  sharesSessionState,
  type RunOptions,
} from '../../warehouse/executor.ts';
import { planGraph } from '../../warehouse/plan.ts';
import type { CompiledGraph } from '../../warehouse/graph.ts';

const projectDir = resolve(import.meta.dirname, '../fixtures/executor-project');
const compile = (vars: Record<string, string> = {}): CompiledGraph => compileProject({ warehouse: 'duckdb', projectDir, vars });

let wh: Warehouse;
const rows = async (sql: string) => (await wh.connection.runAndReadAll(sql)).getRowObjectsJson();
const scalar = async (sql: string) => Number((await wh.connection.runAndReadAll(sql)).getRows()[0]?.[0]);
/** An assertion's view: its catalog oid (new each time it is created) and its comment. */
const assertionView = async (name: string) =>
  (
    await rows(
      `select view_oid::varchar as oid, comment from duckdb_views() where schema_name = 'app_assertions' and view_name = '${name}'`,
    )
  )[0];

beforeEach(async () => {
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
  await wh.connection.run(`create schema raw; create table raw.events (id integer, kind varchar, value integer, ts integer);
    insert into raw.events values (1, 'a', 10, 1), (2, 'a', 20, 2), (3, 'b', 30, 3)`);
});
afterEach(() => wh.close());

describe.each([
  ['one action at a time', {}],
  ['independent actions at once', { concurrency: 4 }],
])('runGraph(): %s', (_mode, extra: RunOptions) => {
  // With `concurrency`, runGraph opens more connections to the same warehouse.
  const run = (graph: CompiledGraph, options: RunOptions = {}) =>
    runGraph(wh.connection, graph, { ...options, ...(extra.concurrency ? { ...extra, connect: () => wh.connect() } : {}) });

  it('builds tables, views, incrementals and operations in dependency order on the first run', async () => {
    const summary = await run(compile());
    expect(summary.ok).toBe(true);
    const names = summary.results.map((r) => r.name);
    expect(names.indexOf('app.event_counts')).toBeLessThan(names.indexOf('app.event_kinds'));
    expect(names.indexOf('app.broken')).toBeLessThan(names.indexOf('app.after_broken'));
    expect(await rows('select kind, n from app.event_counts order by kind')).toEqual([
      { kind: 'a', n: '2' },
      { kind: 'b', n: '1' },
    ]);
    expect(await scalar('select count(*) from app.event_kinds')).toBe(2);
    expect(await scalar(`select count(*) from information_schema.tables where table_name = 'event_kinds' and table_type = 'VIEW'`)).toBe(1);
    expect(await scalar('select count(*) from app.latest_events')).toBe(3);
    expect(await scalar('select answer from app.touch')).toBe(42);
    expect(summary.results.find((r) => r.name === 'app.event_counts')?.rows).toBe(2);
  });

  it('merges an incremental table on its unique key and appends one without a key', async () => {
    await run(compile());
    await wh.connection.run(`insert into raw.events values (1, 'a', 11, 4), (4, 'c', 40, 5)`);
    const second = await run(compile());
    expect(second.ok).toBe(true);
    expect(await scalar('select count(*) from app.latest_events')).toBe(4);
    expect(await scalar('select value from app.latest_events where id = 1')).toBe(11);
    expect(second.results.find((r) => r.name === 'app.latest_events')?.changedRows).toBe(4);
    expect(await scalar('select count(*) from app.event_log')).toBe(5);
    expect(await scalar('select count(*) from app.event_log_runs')).toBe(2);
  });

  it('fails an incremental merge whose source has two different rows for one key, and keeps the table', async () => {
    await run(compile());
    await wh.connection.run(`insert into raw.events values (1, 'a', 11, 4)`);
    const second = await run(compile({ dedupe: 'no' }), { actions: ['latest_events'] });
    expect(second.ok).toBe(false);
    expect(second.results[0]?.error).toMatch(/several different rows for one unique key/);
    expect(await scalar('select count(*) from app.latest_events')).toBe(3);
  });

  it('merges exact copies of a row in an incremental source as one row (as SELECT DISTINCT), a NULL key too', async () => {
    await run(compile());
    await wh.connection.run(
      `insert into raw.events values (7, 'c', 70, 9), (7, 'c', 70, 9), (8, 'c', 80, 9), (null, 'd', 1, 9), (null, 'd', 1, 9)`,
    );
    const second = await run(compile({ dedupe: 'no' }), { actions: ['latest_events'] });
    expect(second.ok).toBe(true);
    expect(await rows('select id, value from app.latest_events where id >= 7 or id is null order by id')).toEqual([
      { id: 7, value: 70 },
      { id: 8, value: 80 },
      { id: null, value: 1 },
    ]);
  });

  it('rebuilds incremental tables from the full query with fullRefresh', async () => {
    await run(compile());
    await wh.connection.run(`delete from raw.events where id = 3`);
    await run(compile(), { fullRefresh: true });
    expect(await scalar('select count(*) from app.event_log')).toBe(2);
    expect(await scalar('select count(*) from app.latest_events')).toBe(2);
  });

  it('fails the run on an assertion that returns rows, naming it and showing rows', async () => {
    const summary = await run(compile({ failAssertion: 'yes' }));
    expect(summary.ok).toBe(false);
    const failed = summary.results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.name)).toEqual(['app_assertions.positive_values']);
    expect(failed[0]?.error).toMatch(/3 row\(s\) violate it, e\.g\. \{"id":1/);
  });

  it('creates an assertion view again only when its SQL changed', async () => {
    await run(compile());
    const first = await assertionView('positive_values');
    const checks = await assertionView('app_event_counts_assertions_uniqueKey_0');
    expect(first?.comment).toMatch(/^logflow: view of this assertion, sha256 of its SQL [0-9a-f]{64}$/);
    expect(checks?.comment).toMatch(/^logflow: view of this assertion/);
    const again = await run(compile());
    expect(again.ok).toBe(true);
    expect(again.results.find((r) => r.name === 'app_assertions.positive_values')).toMatchObject({ status: 'success', rows: 0 });
    expect(await assertionView('positive_values')).toEqual(first);
    expect(await assertionView('app_event_counts_assertions_uniqueKey_0')).toEqual(checks);

    const changed = await run(compile({ failAssertion: 'yes' }));
    expect(changed.results.find((r) => r.name === 'app_assertions.positive_values')?.error).toMatch(/3 row\(s\) violate it/);
    expect((await assertionView('positive_values'))?.oid).not.toBe(first?.oid);
    expect(await assertionView('app_event_counts_assertions_uniqueKey_0')).toEqual(checks);
  });

  it('fails the run on rows an unchanged assertion view finds, naming it and showing rows', async () => {
    await run(compile());
    const first = await assertionView('positive_values');
    await wh.connection.run(`insert into raw.events values (5, 'c', -7, 6)`);
    const summary = await run(compile());
    expect(summary.ok).toBe(false);
    const failed = summary.results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.name)).toEqual(['app_assertions.positive_values']);
    expect(failed[0]?.error).toBe('assertion: 1 row(s) violate it, e.g. {"id":5,"value":-7}');
    expect(await assertionView('positive_values')).toEqual(first);
  });

  it('creates an assertion view again when the view as it stands cannot be queried', async () => {
    await run(compile());
    const first = await assertionView('positive_values');
    // The view still carries its mark, but reads a table that is gone.
    await wh.connection.run(`create table app.scratch (x integer);
      create or replace view app_assertions.positive_values as select x as id, x as value from app.scratch;
      comment on view app_assertions.positive_values is '${first?.comment}'; drop table app.scratch`);
    const summary = await run(compile());
    expect(summary.ok).toBe(true);
    expect(summary.results.find((r) => r.name === 'app_assertions.positive_values')).toMatchObject({ status: 'success', rows: 0 });
    expect(await scalar('select count(*) from app_assertions.positive_values')).toBe(0);
    expect((await assertionView('positive_values'))?.comment).toBe(first?.comment);
  });

  it('stops the dependants of a failing action, runs the rest, and keeps the old table', async () => {
    await run(compile());
    const summary = await run(compile({ breakModel: 'yes' }));
    const byName = Object.fromEntries(summary.results.map((r) => [r.name, r]));
    expect(byName['app.broken']?.status).toBe('failed');
    expect(byName['app.broken']?.error).toMatch(/no_such_column/);
    expect(byName['app.after_broken']?.status).toBe('skipped');
    expect(byName['app.event_kinds']?.status).toBe('success');
    expect(await scalar('select count(*) from app.broken')).toBe(2);
  });

  it.each([
    [{ actions: ['event_counts'] }, ['app.event_counts']],
    [{ actions: ['app.event_kinds'], includeDeps: true }, ['app.event_counts', 'app.event_kinds']],
    [{ tags: ['log'] }, ['app.event_log']],
    [{ tags: ['breakable'] }, ['app.after_broken', 'app.broken']],
    [{ actions: ['broken'], includeDependents: true }, ['app.after_broken', 'app.broken']],
  ])('selects actions like the Dataform CLI: %j', async (selection, expected) => {
    await run(compile(), { actions: ['event_counts'] });
    const summary = await run(compile(), selection);
    expect(summary.results.map((r) => r.name).sort()).toEqual(expected);
  });

  it('rejects an unknown action name with the list of known ones', async () => {
    await expect(run(compile(), { actions: ['nope'] })).rejects.toThrow(/no action named 'nope'; known actions: .*app.event_counts/);
  });

  it('prints the SQL and changes nothing on a dry run', async () => {
    const lines: string[] = [];
    const summary = await run(compile(), { dryRun: true, log: (l) => lines.push(l) });
    expect(summary.ok).toBe(true);
    expect(lines.join('\n')).toMatch(/create or replace table "test-project"\."app"\."event_counts" as/);
    expect(await scalar(`select count(*) from information_schema.tables where table_schema = 'app'`)).toBe(0);
  });

  it('prints the merge an existing incremental table would get on a dry run', async () => {
    await run(compile());
    const lines: string[] = [];
    await run(compile(), { dryRun: true, actions: ['latest_events'], log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(
      /delete from "test-project"\."app"\."latest_events" as t using __logflow_incremental_source as s where t\."id" = s\."id"/,
    );
    expect(await scalar('select count(*) from app.latest_events')).toBe(3);
  });

  it('refuses to run when a declared source is missing', async () => {
    await wh.connection.run('drop table raw.events');
    await expect(run(compile())).rejects.toThrow(/source raw.events does not exist/);
  });
});

/** Transactions seen through traced connections: how many were open at once, and every statement in order. */
interface Trace {
  open: number;
  max: number;
  events: { conn: number; sql: string }[];
}

/**
 * `conn` with its statements recorded in `trace`. With `waitForOverlap`, the commit of a
 * transaction that builds no whole table (those run alone) waits, up to 2 s, until two
 * transactions have been open at once, so that a run that never overlaps them is seen as such
 * rather than hidden by timing.
 */
function traced(conn: DuckDBConnection, id: number, trace: Trace, waitForOverlap = true): DuckDBConnection {
  let builds = false;
  const wrap =
    (fn: (sql: string, ...rest: unknown[]) => Promise<unknown>) =>
    async (sql: string, ...rest: unknown[]) => {
      const s = sql.trim().toLowerCase();
      if (s === 'begin transaction') builds = false;
      if (s.startsWith('create or replace table')) builds = true;
      if (s === 'commit' && waitForOverlap && !builds) {
        const until = Date.now() + 2000;
        while (trace.max < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      }
      const out = await fn.call(conn, sql, ...rest);
      if (s === 'begin transaction') trace.max = Math.max(trace.max, ++trace.open);
      if (s === 'commit' || s === 'rollback') trace.open--;
      trace.events.push({ conn: id, sql: s });
      return out;
    };
  return new Proxy(conn, {
    get(target, prop, receiver) {
      if (prop === 'run' || prop === 'runAndReadAll')
        return wrap(Reflect.get(target, prop, receiver) as (sql: string, ...rest: unknown[]) => Promise<unknown>);
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** Where the transaction that wrote `name` (app schema) began and committed, in trace order. */
function transactionOf(trace: Trace, name: string): { begin: number; commit: number } {
  const at = trace.events.findIndex((e) => e.sql.startsWith('create or replace') && e.sql.includes(`"app"."${name}" as`));
  const conn = trace.events[at]?.conn;
  let begin = at;
  while (begin >= 0 && !(trace.events[begin]?.conn === conn && trace.events[begin]?.sql === 'begin transaction')) begin--;
  let commit = at;
  while (commit < trace.events.length && !(trace.events[commit]?.conn === conn && trace.events[commit]?.sql === 'commit')) commit++;
  return { begin, commit };
}

describe('runGraph() with connect', () => {
  it('overlaps the transactions of independent actions, and starts each after its dependencies committed', async () => {
    const trace: Trace = { open: 0, max: 0, events: [] };
    let opened = 0;
    const summary = await runGraph(traced(wh.connection, 0, trace), compile(), {
      connect: async () => traced(await wh.connect(), ++opened, trace),
      concurrency: 3,
    });
    expect(summary.ok).toBe(true);
    expect(trace.max).toBeGreaterThan(1);
    expect(opened).toBe(2);
    for (const [dependency, dependant] of [
      ['event_counts', 'event_kinds'],
      ['event_counts', 'broken'],
      ['broken', 'after_broken'],
    ] as const) {
      expect(transactionOf(trace, dependency).commit).toBeLessThan(transactionOf(trace, dependant).begin);
    }
    // Results in the plan's order, whatever order they finished in.
    expect(summary.results.map((r) => r.name)).toEqual(planGraph(compile()).order.map((a) => `${a.target.schema}.${a.target.name}`));
  });

  it('checkpoints once the last action that writes has committed, while the assertions left run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-checkpoint-'));
    const path = join(dir, 'w.duckdb');
    const file = await openWarehouse(path, { catalog: 'test-project' });
    try {
      await file.connection.run(`create schema raw; create table raw.events (id integer, kind varchar, value integer, ts integer);
        insert into raw.events values (1, 'a', 10, 1), (2, 'a', 20, 2), (3, 'b', 30, 3)`);
      await runGraph(file.connection, compile(), { connect: () => file.connect() });
      // event_counts and its assertions: nothing but event_counts writes, their views stand as they are.
      const trace: Trace = { open: 0, max: 0, events: [] };
      let opened = 0;
      const summary = await runGraph(file.connection, compile(), {
        tags: ['daily'],
        connect: async () => traced(await file.connect(), ++opened, trace, false),
      });
      expect(summary.ok).toBe(true);
      expect(summary.results.filter((r) => r.kind === 'assertion' && r.status === 'success').length).toBe(2);
      const at = trace.events.findIndex((e) => e.sql === 'checkpoint');
      expect(at).toBeGreaterThanOrEqual(0);
      // The WAL is empty before the warehouse closes.
      expect(existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0).toBe(0);
    } finally {
      file.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a first build (whole tables)', [], false],
    ['a run that only merges new rows', ['latest_events'], true],
  ])(
    "defers DuckDB's automatic checkpoint to the end of the run only in %s (actions: %s)",
    async (_run, actions: string[], deferred: boolean) => {
      const threshold = async () =>
        String((await wh.connection.runAndReadAll("select current_setting('checkpoint_threshold')")).getRows()[0]?.[0]);
      if (deferred) await runGraph(wh.connection, compile(), {});
      const before = await threshold();
      const trace: Trace = { open: 0, max: 0, events: [] };
      const summary = await runGraph(traced(wh.connection, 0, trace, false), compile(), { actions });
      expect(summary.ok).toBe(true);
      expect(trace.events.some((e) => e.sql === `set checkpoint_threshold = '${DEFERRED_CHECKPOINT_THRESHOLD.toLowerCase()}'`)).toBe(
        deferred,
      );
      // The warehouse's setting is back as it was (a long-lived `serve` keeps its connection).
      expect(await threshold()).toBe(before);
    },
  );

  it('runs one action at a time when actions share session state (a variable set by another)', async () => {
    const trace: Trace = { open: 0, max: 0, events: [] };
    const graph = compile();
    const table = graph.tables!.find((t) => t.target.name === 'event_counts')!;
    table.preOps = ['set variable shared_kind = (select min(kind) from raw.events)'];
    graph.tables!.find((t) => t.target.name === 'latest_events')!.preOps = ["select getvariable('shared_kind')"];
    const summary = await runGraph(traced(wh.connection, 0, trace, false), graph, {
      connect: async () => traced(await wh.connect(), 1, trace, false),
    });
    expect(summary.ok).toBe(true);
    expect(trace.max).toBe(1);
  });
});

describe('sharesSessionState()', () => {
  const graphWith = (preOps: Record<string, string[]>): CompiledGraph => {
    const graph = compile();
    for (const t of graph.tables ?? []) t.preOps = preOps[t.target.name ?? ''] ?? t.preOps;
    return graph;
  };
  it.each([
    [{}, false],
    [{ event_counts: ['set variable counts_from = 1', "select getvariable('counts_from')"] }, false],
    [{ event_counts: ['set variable counts_from = 1'], latest_events: ["select getvariable('counts_from')"] }, true],
    [{ event_counts: ['create temp table scratch as select 1'] }, true],
  ])('%j: %s', (preOps, shares) => {
    expect(sharesSessionState(planGraph(graphWith(preOps)).order)).toBe(shares);
  });
});

describe('disabledReason()', () => {
  it.each([
    { tags: ['full_history'], reason: 'full-history check: run it with --tags full_history --vars fullHistory=true' },
    { tags: ['requests', 'full_history'], reason: 'full-history check: run it with --tags full_history --vars fullHistory=true' },
    { tags: [], reason: 'by its config for this warehouse' },
    { tags: ['requests'], reason: 'by its config for this warehouse' },
  ])('says why an action tagged $tags is disabled', ({ tags, reason }) => {
    expect(disabledReason({ tags })).toBe(reason);
  });
});

describe('runUnitTests()', () => {
  it('runs Dataform unit tests against their expected output', async () => {
    const results = await runUnitTests(wh.connection, compile().tests ?? []);
    expect(results).toEqual([{ name: 'event_counts_test', ok: true, message: undefined }]);
  });
});

describe('compareRows()', () => {
  it.each([
    [[{ a: 1, b: 2 }], [{ b: 2, a: 1 }], undefined],
    [[{ a: 1 }, { a: 2 }], [{ a: 2 }, { a: 1 }], undefined],
    [[{ a: 1 }], [{ a: 1 }, { a: 1 }], 'expected 2 rows, got 1'],
    [[{ a: 1 }], [{ a: 2 }], 'row differs: expected [["a","2"]], got [["a","1"]]'],
  ])('compares %j with %j as multisets', (actual, expected, diff) => {
    expect(compareRows(actual, expected)).toBe(diff);
  });
});
