import { describe, expect, it } from 'vitest';
import { compileProject } from '../../warehouse/compile.ts';
import type { Table } from '../../warehouse/graph.ts';
import { loadInclude } from '../support/includes.ts';

// What the compiled models read, where it is a cost: BigQuery bills every read of a column, and a
// first build (full refresh) should not scan a table only to find where to start.

const bigquery = compileProject({ warehouse: 'bigquery' });
const duckdb = compileProject({ warehouse: 'duckdb' });
const table = (graph: typeof bigquery, name: string): Table => (graph.tables ?? []).find((t) => t.target.name === name)!;
const reads = (sql: string | undefined, relation: RegExp) => (sql ?? '').match(relation)?.length ?? 0;
const dialect = loadInclude<{ forWarehouse(w: string): { derivesPerDistinctValue(): boolean } }>('dialect');

describe('dialect.derivesPerDistinctValue()', () => {
  it.each([
    ['duckdb', true],
    ['bigquery', false],
  ])('%s: %s', (warehouse, expected) => {
    expect(dialect.forWarehouse(warehouse).derivesPerDistinctValue()).toBe(expected);
  });
});

describe('requests', () => {
  const parsed = /logflow[.`"]+int_lines_parsed/g;
  it.each([
    ['bigquery', 'query', 1],
    ['bigquery', 'incrementalQuery', 1],
    ['duckdb', 'query', 2],
    ['duckdb', 'incrementalQuery', 2],
  ] as const)(
    'on %s, its %s reads int_lines_parsed %i time(s) (BigQuery: the referrer host per line, one read)',
    (warehouse, query, times) => {
      const requests = table(warehouse === 'bigquery' ? bigquery : duckdb, 'requests');
      expect(reads(requests[query], parsed)).toBe(times);
    },
  );
});

describe('sessions', () => {
  // DuckDB joins the edge hits back (its string aggregate states cannot spill); BigQuery keeps one
  // aggregate pass, as each reference to a CTE reads its columns again there.
  const hits = /logflow[.`"]+int_requests_sessionized/g;
  // An incremental run reads the hits of the rebuilt regions once (and the regions themselves): on
  // DuckDB the edge hits come from those few rows, not from two more scans of the table.
  it.each([
    ['bigquery', 'query', 1],
    ['duckdb', 'query', 2],
    ['bigquery', 'incrementalQuery', 2],
    ['duckdb', 'incrementalQuery', 2],
  ] as const)('on %s, its %s reads int_requests_sessionized %i time(s)', (warehouse, query, times) => {
    expect(reads(table(warehouse === 'bigquery' ? bigquery : duckdb, 'sessions')[query], hits)).toBe(times);
  });

  // The strings of the edge hits come from requests by request_id (the hits carry only numbers and
  // flags): one read, pruned to the rebuilt hits' request times on an incremental run.
  const requests = /logflow[.`"]+requests\b/g;
  it.each([
    ['bigquery', 'query'],
    ['duckdb', 'query'],
    ['bigquery', 'incrementalQuery'],
    ['duckdb', 'incrementalQuery'],
  ] as const)('on %s, its %s reads requests once', (warehouse, query) => {
    const sql = table(warehouse === 'bigquery' ? bigquery : duckdb, 'sessions')[query];
    expect(reads(sql, requests)).toBe(1);
    if (query === 'incrementalQuery') expect(sql).toMatch(/\b[qr]\.requested_at >= (getvariable\(')?sessions_rebuild_from/);
  });
});

describe('int_requests_sessionized', () => {
  // Its incremental query reads its own touched visitors' recent hits once, for the anchors and the replay.
  const self = /logflow[.`"]+int_requests_sessionized/g;
  it.each(['bigquery', 'duckdb'] as const)('on %s, its incrementalQuery reads itself once', (warehouse) => {
    expect(reads(table(warehouse === 'bigquery' ? bigquery : duckdb, 'int_requests_sessionized').incrementalQuery, self)).toBe(1);
  });
});

describe('daily outputs on a full refresh', () => {
  // The daily outputs of includes/watermarks.js dailyRebuild: their incremental runs delete the rebuilt dates.
  const daily = (bigquery.tables ?? []).filter(
    (t) => t.type === 'incremental' && (t.incrementalPreOps ?? []).some((op) => /^\s*delete\s+from\b/i.test(op)),
  );
  const mine = daily.filter((t) => !['sessions', 'suspicious_clients'].includes(t.target.name ?? ''));

  it('are the panels, visitor_days and daily_visitors', () => {
    expect(mine.map((t) => t.target.name)).toEqual(expect.arrayContaining(['pages', 'visitor_days', 'daily_visitors', 'visitor_hosts']));
    expect(mine.length).toBeGreaterThanOrEqual(20);
  });

  it.each(mine.map((t) => [t.target.name ?? '']))(
    '%s: no scan for a first date (only its run mark: two columns of its input) and no date filter; incremental runs keep both',
    (name) => {
      for (const graph of [bigquery, duckdb]) {
        const compiled = table(graph, name);
        const preOps = (compiled.preOps ?? []).filter((op) => op.trim() !== '');
        // BigQuery: one DECLARE each; DuckDB: both values in one statement (dialect.declareVariables).
        expect(preOps.flatMap((op) => [...op.matchAll(/\b(\w+_(?:received|staged)_through)\b/g)].map((m) => m[1]))).toEqual([
          `${name}_received_through`,
          `${name}_staged_through`,
        ]);
        for (const op of preOps) expect(op).not.toMatch(/int_lines_parsed/);
        expect(compiled.query).not.toMatch(new RegExp(`${name}_from`));
        expect((compiled.incrementalPreOps ?? []).join('\n')).toMatch(new RegExp(`${name}_from`));
        expect(compiled.incrementalQuery).toMatch(new RegExp(`${name}_from`));
      }
    },
  );
});
