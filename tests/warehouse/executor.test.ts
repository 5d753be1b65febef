import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { compileProject } from '../../warehouse/compile.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { compareRows, disabledReason, runGraph, runUnitTests } from '../../warehouse/executor.ts';
import type { CompiledGraph } from '../../warehouse/graph.ts';

const projectDir = resolve(import.meta.dirname, '../fixtures/executor-project');
const compile = (vars: Record<string, string> = {}): CompiledGraph => compileProject({ warehouse: 'duckdb', projectDir, vars });

let wh: Warehouse;
const rows = async (sql: string) => (await wh.connection.runAndReadAll(sql)).getRowObjectsJson();
const scalar = async (sql: string) => Number((await wh.connection.runAndReadAll(sql)).getRows()[0]?.[0]);

beforeEach(async () => {
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
  await wh.connection.run(`create schema raw; create table raw.events (id integer, kind varchar, value integer, ts integer);
    insert into raw.events values (1, 'a', 10, 1), (2, 'a', 20, 2), (3, 'b', 30, 3)`);
});
afterEach(() => wh.close());

describe('runGraph()', () => {
  it('builds tables, views, incrementals and operations in dependency order on the first run', async () => {
    const summary = await runGraph(wh.connection, compile());
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
    await runGraph(wh.connection, compile());
    await wh.connection.run(`insert into raw.events values (1, 'a', 11, 4), (4, 'c', 40, 5)`);
    const second = await runGraph(wh.connection, compile());
    expect(second.ok).toBe(true);
    expect(await scalar('select count(*) from app.latest_events')).toBe(4);
    expect(await scalar('select value from app.latest_events where id = 1')).toBe(11);
    expect(second.results.find((r) => r.name === 'app.latest_events')?.changedRows).toBe(4);
    expect(await scalar('select count(*) from app.event_log')).toBe(5);
    expect(await scalar('select count(*) from app.event_log_runs')).toBe(2);
  });

  it('fails an incremental merge whose source has two different rows for one key, and keeps the table', async () => {
    await runGraph(wh.connection, compile());
    await wh.connection.run(`insert into raw.events values (1, 'a', 11, 4)`);
    const second = await runGraph(wh.connection, compile({ dedupe: 'no' }), { actions: ['latest_events'] });
    expect(second.ok).toBe(false);
    expect(second.results[0]?.error).toMatch(/several different rows for one unique key/);
    expect(await scalar('select count(*) from app.latest_events')).toBe(3);
  });

  it('rebuilds incremental tables from the full query with fullRefresh', async () => {
    await runGraph(wh.connection, compile());
    await wh.connection.run(`delete from raw.events where id = 3`);
    await runGraph(wh.connection, compile(), { fullRefresh: true });
    expect(await scalar('select count(*) from app.event_log')).toBe(2);
    expect(await scalar('select count(*) from app.latest_events')).toBe(2);
  });

  it('fails the run on an assertion that returns rows, naming it and showing rows', async () => {
    const summary = await runGraph(wh.connection, compile({ failAssertion: 'yes' }));
    expect(summary.ok).toBe(false);
    const failed = summary.results.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.name)).toEqual(['app_assertions.positive_values']);
    expect(failed[0]?.error).toMatch(/3 row\(s\) violate it, e\.g\. \{"id":1/);
  });

  it('stops the dependants of a failing action, runs the rest, and keeps the old table', async () => {
    await runGraph(wh.connection, compile());
    const summary = await runGraph(wh.connection, compile({ breakModel: 'yes' }));
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
    await runGraph(wh.connection, compile(), { actions: ['event_counts'] });
    const summary = await runGraph(wh.connection, compile(), selection);
    expect(summary.results.map((r) => r.name).sort()).toEqual(expected);
  });

  it('rejects an unknown action name with the list of known ones', async () => {
    await expect(runGraph(wh.connection, compile(), { actions: ['nope'] })).rejects.toThrow(
      /no action named 'nope'; known actions: .*app.event_counts/,
    );
  });

  it('prints the SQL and changes nothing on a dry run', async () => {
    const lines: string[] = [];
    const summary = await runGraph(wh.connection, compile(), { dryRun: true, log: (l) => lines.push(l) });
    expect(summary.ok).toBe(true);
    expect(lines.join('\n')).toMatch(/create or replace table "test-project"\."app"\."event_counts" as/);
    expect(await scalar(`select count(*) from information_schema.tables where table_schema = 'app'`)).toBe(0);
  });

  it('prints the merge an existing incremental table would get on a dry run', async () => {
    await runGraph(wh.connection, compile());
    const lines: string[] = [];
    await runGraph(wh.connection, compile(), { dryRun: true, actions: ['latest_events'], log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(
      /delete from "test-project"\."app"\."latest_events" as t using __logflow_incremental_source as s where t\."id" = s\."id"/,
    );
    expect(await scalar('select count(*) from app.latest_events')).toBe(3);
  });

  it('refuses to run when a declared source is missing', async () => {
    await wh.connection.run('drop table raw.events');
    await expect(runGraph(wh.connection, compile())).rejects.toThrow(/source raw.events does not exist/);
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
