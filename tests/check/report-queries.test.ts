import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../check/catalog.ts';
import { checkReportQueries, parameterTypes, REPORT_UNBOUNDED } from '../../check/report-queries.ts';
import { checkGraph, formatProblem } from '../../check/run.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { reportQueries } from '../../report/queries.ts';
import { spelling } from '../../report/source.ts';
import { compileProject } from '../../warehouse/compile.ts';
import type { CompiledGraph } from '../../warehouse/graph.ts';

let zetasql: ZetaSQL;
let graph: CompiledGraph;
let catalog: Catalog;
let queries: Record<string, string>;

/** A fresh catalog of the graph's analysed outputs (checkReportQueries does not change it). */
beforeAll(async () => {
  zetasql = await startZetaSQL();
  graph = compileProject({ warehouse: 'bigquery' });
  const project = graph.projectConfig?.defaultDatabase;
  const checked = await checkGraph(graph, zetasql, { reportQueries: false });
  expect(checked.problems).toEqual([]);
  catalog = new Catalog(project);
  for (const output of checked.outputs) catalog.addTable(`${project}.${output.action}`, output.columns);
  const dataset = graph.tables?.find((t) => t.target.name === 'daily_visitors')?.target.schema ?? 'logflow';
  queries = reportQueries(spelling('bigquery', dataset, project));
}, 240_000);
afterAll(async () => {
  await zetasql?.close();
});

/** The report's queries with one text replaced in one of them. */
function broken(name: string, from: string | RegExp, to: string): Record<string, string> {
  const sql = queries[name];
  if (!sql || !(typeof from === 'string' ? sql.includes(from) : from.test(sql)))
    throw new Error(`report query ${name} no longer contains ${from}`);
  return { ...queries, [name]: sql.replace(from, to) };
}

describe('parameterTypes()', () => {
  it('types every parameter as @google-cloud/bigquery sends it (JS strings: STRING)', () => {
    expect(parameterTypes()).toEqual([
      { name: 'from', type: 'STRING' },
      { name: 'to', type: 'STRING' },
      { name: 'minuteFrom', type: 'STRING' },
    ]);
  });
});

describe('checkReportQueries()', () => {
  it('analyses every report query for BigQuery with no problem; every read of a partitioned table is bounded or allowed with a reason', async () => {
    const result = await checkReportQueries(graph, catalog, zetasql);
    expect(result.problems.map((p) => formatProblem(p))).toEqual([]);
    expect(result.skipped).toBeUndefined();
    expect(result.queries).toBe(Object.keys(queries).length);
    const reads = result.reads.flatMap((entry) => entry.reads.map((read) => ({ ...read, query: entry.action, exempt: entry.exempt })));
    // The panels, requests, sessions and traffic tables are all read, each through its partition column.
    expect(new Set(reads.map((r) => r.table.split('.').pop()))).toEqual(
      new Set([
        'daily_visitors',
        'requests',
        'status_codes',
        'int_lines_parsed',
        'traffic_by_minute',
        'traffic_by_hour',
        'sessions',
        'suspicious_clients',
        'pages',
        'static_files',
        'not_found',
        'referrers',
        'browsers',
        'operating_systems',
        'devices',
        'countries',
        'asns',
      ]),
    );
    for (const read of reads) expect(read.bound !== undefined || read.exempt !== undefined, `${read.query} reads ${read.table}`).toBe(true);
    // The parse_errors view is expanded: its read of int_lines_parsed is seen (and allowed, with why).
    expect(reads.filter((r) => r.table.endsWith('int_lines_parsed')).map((r) => r.query)).toEqual([
      'report parse_errors',
      'report parse_error_samples',
    ]);
  });

  it.each([
    {
      mistake: 'a misspelt column',
      queries: () => broken('daily', 'unique_visitors as visitors', 'unique_visitor as visitors'),
      expected:
        /report\/queries\.ts:\d+:5: report \(report query daily\): Unrecognized name: unique_visitor; Did you mean unique_visitors\?/,
    },
    {
      mistake: 'arithmetic on a parameter the client binds as STRING',
      queries: () => broken('daily', 'cast(@to as date)', 'cast(@to * 2 as date)'),
      expected: /report query daily\): No matching signature for operator \* for argument types: STRING, INT64/,
    },
    {
      mistake: 'a function applied to a column of the wrong type',
      queries: () => broken('hours', 'unix_millis(hour_at)', 'unix_millis(cast(hour_at as date))'),
      expected: /report query hours\): No matching signature for function UNIX_MILLIS for argument types: DATE/,
    },
    {
      mistake: 'a parameter the client never binds',
      queries: () => broken('hours', 'cast(@to as date)', 'cast(@until as date)'),
      expected: /report query hours\): Query parameter 'until' not found/,
    },
    {
      mistake: 'a table that is not an output',
      queries: () => broken('suspicious', '.suspicious_clients`', '.suspicious_client`'),
      expected: /report query suspicious\): Table not found/,
    },
    {
      mistake: 'a read of a partitioned table without a partition filter',
      queries: () => broken('sessions_daily', /where cast\(started_at as date\) between cast\(@from as date\) and cast\(@to as date\)/, ''),
      expected: /report query sessions_daily\): reads logflow\.sessions without a bound on its partition column started_at/,
    },
    {
      mistake: 'a partition filter that prunes nothing (a subquery)',
      queries: () =>
        broken(
          'daily',
          /request_date between cast\(@from as date\)/,
          `request_date between (select min(request_date) from \`${graph.projectConfig?.defaultDatabase}.logflow.pages\`)`,
        ),
      expected: /report query daily\): reads logflow\.daily_visitors without a bound on its partition column request_date/,
    },
  ])('fails on $mistake', async ({ queries: make, expected }) => {
    const result = await checkReportQueries(graph, catalog, zetasql, { queries: make() });
    const lines = result.problems.map((p) => formatProblem(p));
    expect(lines).toContainEqual(expect.stringMatching(expected));
  });

  it('fails when a query allowed to read every partition is bounded now (the allowance list only shrinks)', async () => {
    const result = await checkReportQueries(graph, catalog, zetasql, { unbounded: { ...REPORT_UNBOUNDED, daily: 'no longer true' } });
    expect(result.problems.map((p) => p.message)).toEqual([
      'reads only pruned partitions now: remove daily from REPORT_UNBOUNDED in check/report-queries.ts',
    ]);
  });
});
