import { compileProject } from '../../warehouse/compile.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import type { Helpers } from '../dialect/cases.ts';
import { loadInclude } from '../support/includes.ts';

interface DailyRebuild {
  declareWatermark: string;
  declareStagedSince: string;
  declareFrom: string;
  declareMarks: string[];
  beginTransaction: string;
  deleteRebuilt: string;
  recordMark: string;
  commitTransaction: string;
  preOps: string[];
  markPreOps: string[];
  postOps: string[];
  since: string;
  from: string;
}
interface Mark {
  table: string;
  model: string;
}
interface Watermarks {
  EPOCH: string;
  watermarkQuery(
    d: Helpers,
    incremental: boolean,
    table: string,
    column: string,
    lookbackMinutes: number,
    recentDays?: number,
    recentDateColumn?: string,
    mark?: Mark & { column: string },
  ): string;
  declareWatermark(
    d: Helpers,
    name: string,
    incremental: boolean,
    table: string,
    column: string,
    lookbackMinutes: number,
    recentDays?: number,
  ): string;
  touchedFromQuery(d: Helpers, requests: string, since: string, parsed?: string): string;
  markRun(d: Helpers, mark: Mark, read: { upstream: string; newRows?: string }): { preOps: string[]; postOps: string[] };
  dailyRebuild(
    d: Helpers,
    name: string,
    run: {
      incremental: boolean;
      self: string;
      requests: string;
      parsed: string;
      marks: string;
      lookbackMinutes: number;
      recentDays?: number;
    },
  ): DailyRebuild;
}

const watermarks = loadInclude<Watermarks>('watermarks');
const dialect = loadInclude<{ forWarehouse(w: string): Helpers & { variable(name: string): string } }>('dialect');
const duck = dialect.forWarehouse('duckdb');
const bq = dialect.forWarehouse('bigquery');

let wh: Warehouse;
beforeAll(async () => {
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
});
afterAll(() => wh.close());

const value = async (sql: string): Promise<unknown> => (await wh.connection.runAndReadAll(sql)).getRowsJson()[0]?.[0] ?? null;
const text = (sql: string) => value(`select cast((${sql}) as varchar)`);

describe('watermarkQuery()', () => {
  beforeEach(async () => {
    await wh.connection.run('create or replace table model (last_received_at timestamptz)');
  });

  it.each([
    { name: 'a full refresh reads everything', incremental: false, rows: ['2026-11-01 10:00:00+00'], expected: '1970-01-01 00:00:00+00' },
    { name: 'an empty table reads everything', incremental: true, rows: [], expected: '1970-01-01 00:00:00+00' },
    {
      name: 'a table reads from its newest row minus the lookback',
      incremental: true,
      rows: ['2026-11-01 09:00:00+00', '2026-11-01 10:00:00+00'],
      expected: '2026-11-01 09:00:00+00',
    },
  ])('$name', async ({ incremental, rows, expected }) => {
    for (const at of rows) await wh.connection.run(`insert into model values ('${at}')`);
    expect(await text(watermarks.watermarkQuery(duck, incremental, 'model', 'last_received_at', 60))).toBe(expected);
  });

  it.each([
    [false, "select timestamp '1970-01-01 00:00:00+00'"],
    [true, "select coalesce(timestamp_sub(max(received_at), interval 60 minute), timestamp '1970-01-01 00:00:00+00') from `p.d.t`"],
  ])('spells BigQuery (incremental: %s)', (incremental, expected) => {
    expect(watermarks.watermarkQuery(bq, incremental, '`p.d.t`', 'received_at', 60)).toBe(expected);
  });

  it('looks only at recent partitions when the watermark column partitions the table (BigQuery prunes the rest)', async () => {
    expect(watermarks.watermarkQuery(bq, true, '`p.d.t`', 'received_at', 60, 7)).toBe(
      "select coalesce(timestamp_sub(max(received_at), interval 60 minute), timestamp '1970-01-01 00:00:00+00') from `p.d.t` where received_at >= timestamp_sub(current_timestamp(), interval 7 day)",
    );
    const recent = new Date(Date.now() - 3600_000).toISOString();
    await wh.connection.run(`insert into model values ('2020-01-01 00:00:00+00')`);
    // DuckDB bills nothing per partition: the newest value of the whole column, even when it is
    // old (a backfill of old logs), so the next run reads only what is new.
    expect(watermarks.watermarkQuery(duck, true, 'model', 'last_received_at', 60, 7)).not.toContain('where');
    expect(await text(watermarks.watermarkQuery(duck, true, 'model', 'last_received_at', 60, 7))).toBe('2019-12-31 23:00:00+00');
    await wh.connection.run(`insert into model values ('${recent}')`);
    expect(
      await text(
        `select cast((${watermarks.watermarkQuery(duck, true, 'model', 'last_received_at', 60, 7)}) = cast('${recent}' as timestamptz) - interval 60 minute as varchar)`,
      ),
    ).toBe('true');
  });
});

describe('declareWatermark()', () => {
  it('declares the variable once per run, as a constant on BigQuery', () => {
    expect(watermarks.declareWatermark(bq, 'model_since', false, '`p.d.t`', 'received_at', 60)).toBe(
      "declare model_since TIMESTAMP default (select timestamp '1970-01-01 00:00:00+00')",
    );
  });

  it('sets a variable the query reads on DuckDB', async () => {
    await wh.connection.run('create or replace table model (received_at timestamptz)');
    await wh.connection.run("insert into model values ('2026-11-01 10:30:00+00')");
    await wh.connection.run(watermarks.declareWatermark(duck, 'model_since', true, 'model', 'received_at', 15));
    expect(await text(duck.variable('model_since'))).toBe('2026-11-01 10:15:00+00');
  });
});

const MARKS_TABLE =
  'create or replace table marks (model varchar, received_through timestamptz, staged_through timestamptz, marked_at timestamptz)';

describe('watermarkQuery() with run marks', () => {
  const mark = { table: 'marks', model: 'panel', column: 'received_through' };
  beforeEach(async () => {
    await wh.connection.run('create or replace table model (last_received_at timestamptz)');
    await wh.connection.run(MARKS_TABLE);
  });

  it.each([
    { name: 'an empty table with no mark reads everything', rows: [], marks: [], expected: '1970-01-01 00:00:00+00' },
    {
      name: 'an empty table reads from its latest mark (an output this log leaves empty)',
      rows: [],
      marks: [['panel', '2026-11-01 10:00:00+00', '2026-11-01 10:05:00+00']],
      expected: '2026-11-01 09:00:00+00',
    },
    {
      name: 'the latest mark, not the highest (a full refresh after a reload marks what it read)',
      rows: [],
      marks: [
        ['panel', '2026-11-01 12:00:00+00', '2026-11-01 10:05:00+00'],
        ['panel', '2026-11-01 10:00:00+00', '2026-11-01 11:05:00+00'],
      ],
      expected: '2026-11-01 09:00:00+00',
    },
    {
      name: "another model's mark is not its own",
      rows: [],
      marks: [['pages', '2026-11-01 10:00:00+00', '2026-11-01 10:05:00+00']],
      expected: '1970-01-01 00:00:00+00',
    },
    {
      name: 'the newer of the table and the mark',
      rows: ['2026-11-01 11:00:00+00'],
      marks: [['panel', '2026-11-01 10:00:00+00', '2026-11-01 10:05:00+00']],
      expected: '2026-11-01 10:00:00+00',
    },
  ])('$name', async ({ rows, marks, expected }) => {
    for (const at of rows) await wh.connection.run(`insert into model values ('${at}')`);
    for (const [model, through, at] of marks)
      await wh.connection.run(`insert into marks values ('${model}', '${through}', '${through}', '${at}')`);
    expect(await text(watermarks.watermarkQuery(duck, true, 'model', 'last_received_at', 60, 7, undefined, mark))).toBe(expected);
  });

  it('reads the marks of the last recentDays days on BigQuery (partitioned by marked_at: pruned)', () => {
    expect(
      watermarks.watermarkQuery(bq, true, '`p.d.t`', 'last_received_at', 60, 7, 'request_date', { ...mark, table: '`p.d.marks`' }),
    ).toBe(
      "select coalesce(timestamp_sub(max(newest), interval 60 minute), timestamp '1970-01-01 00:00:00+00') from (" +
        'select max(last_received_at) as newest from `p.d.t` where request_date >= date(timestamp_sub(current_timestamp(), interval 7 day)) ' +
        "union all select (select received_through from `p.d.marks` where model = 'panel' and marked_at >= timestamp_sub(current_timestamp(), interval 7 day) order by marked_at desc limit 1) as newest) as newest_values",
    );
  });
});

describe('markRun()', () => {
  beforeEach(async () => {
    await wh.connection.run('create or replace table upstream (received_at timestamptz, staged_at timestamptz)');
    await wh.connection.run(MARKS_TABLE);
  });
  const run = () =>
    watermarks.markRun(
      duck,
      { table: 'marks', model: 'panel' },
      { upstream: 'upstream', newRows: "staged_at > timestamp '2026-11-01 10:00:00+00'" },
    );
  const marks = () => value("select string_agg(model || ' ' || received_through || ' ' || staged_through, ',') from marks");

  it('marks the newest arrival and staging time of the new rows it read', async () => {
    await wh.connection.run(`insert into upstream values
      ('2026-11-01 09:00:00+00', '2026-11-01 09:30:00+00'),
      ('2026-11-01 10:20:00+00', '2026-11-01 10:30:00+00'),
      ('2026-11-01 10:10:00+00', '2026-11-01 10:35:00+00')`);
    const { preOps, postOps } = run();
    for (const op of [...preOps, ...postOps]) if (op) await wh.connection.run(op);
    expect(await marks()).toBe('panel 2026-11-01 10:20:00+00 2026-11-01 10:35:00+00');
  });

  it('marks nothing when nothing was new (the previous mark stands)', async () => {
    await wh.connection.run("insert into upstream values ('2026-11-01 09:00:00+00', '2026-11-01 09:30:00+00')");
    const { preOps, postOps } = run();
    for (const op of [...preOps, ...postOps]) if (op) await wh.connection.run(op);
    expect(await marks()).toBeNull();
  });

  it('marks what was there when the run read it, not a row staged later (read again next run, never skipped)', async () => {
    await wh.connection.run("insert into upstream values ('2026-11-01 10:20:00+00', '2026-11-01 10:30:00+00')");
    const { preOps, postOps } = run();
    for (const op of preOps) if (op) await wh.connection.run(op);
    await wh.connection.run("insert into upstream values ('2026-11-01 10:40:00+00', '2026-11-01 10:45:00+00')");
    for (const op of postOps) await wh.connection.run(op);
    expect(await marks()).toBe('panel 2026-11-01 10:20:00+00 2026-11-01 10:30:00+00');
  });
});

describe('dailyRebuild()', () => {
  const run = (incremental: boolean) =>
    watermarks.dailyRebuild(duck, 'daily', {
      incremental,
      self: 'daily',
      requests: 'requests',
      parsed: 'parsed',
      marks: 'marks',
      lookbackMinutes: 60,
    });

  beforeEach(async () => {
    await wh.connection.run('create or replace table requests (requested_at timestamptz, received_at timestamptz, staged_at timestamptz)');
    await wh.connection.run('create or replace view parsed as select true as is_parsed, * from requests');
    await wh.connection.run(MARKS_TABLE);
    await wh.connection.run(
      'create or replace table daily (request_date date, hits bigint, last_received_at timestamptz, last_staged_at timestamptz)',
    );
    // Built by an earlier run (staged at 23:40): two days, the second received up to 23:30.
    await wh.connection.run(
      "insert into daily values ('2026-11-01', 5, '2026-11-01 23:00:00+00', '2026-11-02 23:40:00+00'), ('2026-11-02', 7, '2026-11-02 23:30:00+00', '2026-11-02 23:40:00+00')",
    );
  });

  it('deletes every date from the earliest one holding a request staged after the staged watermark, and marks what it read', async () => {
    // New: a late request for 2026-11-01, received after the watermark (22:30) and staged after 23:40; an old one, not new.
    await wh.connection.run(`insert into requests values
      ('2026-11-01 12:00:00+00', '2026-11-02 23:45:00+00', '2026-11-02 23:50:00+00'),
      ('2026-10-31 12:00:00+00', '2026-11-02 22:00:00+00', '2026-11-02 23:50:00+00')`);
    const rebuild = run(true);
    // No transaction statements on DuckDB (the executor runs the action in one): empty, dropped like Dataform drops them.
    expect(rebuild.preOps).toEqual([
      rebuild.declareWatermark,
      rebuild.declareStagedSince,
      rebuild.declareFrom,
      ...rebuild.declareMarks,
      '',
      rebuild.deleteRebuilt,
    ]);
    expect(rebuild.postOps).toEqual([rebuild.recordMark, '']);
    for (const op of [...rebuild.preOps, ...rebuild.postOps].filter(Boolean)) await wh.connection.run(op);
    expect(await text(rebuild.since)).toBe('2026-11-02 22:30:00+00');
    expect(await text(rebuild.from)).toBe('2026-11-01');
    expect(await value('select count(*) from daily')).toBe('0');
    expect(await value("select received_through || ' ' || staged_through from marks where model = 'daily'")).toBe(
      '2026-11-02 23:45:00+00 2026-11-02 23:50:00+00',
    );
  });

  it('leaves every date when the requests of the arrival window were all staged by an earlier run (a run right after a backfill)', async () => {
    await wh.connection.run("insert into requests values ('2026-11-01 12:00:00+00', '2026-11-02 23:45:00+00', '2026-11-02 23:40:00+00')");
    for (const op of run(true).preOps.filter(Boolean)) await wh.connection.run(op);
    expect(await value('select count(*) from daily')).toBe('2');
  });

  it('keeps the dates before the first touched one', async () => {
    await wh.connection.run("insert into requests values ('2026-11-02 23:50:00+00', '2026-11-02 23:50:00+00', '2026-11-02 23:55:00+00')");
    for (const op of run(true).preOps.filter(Boolean)) await wh.connection.run(op);
    expect(await value("select string_agg(cast(request_date as varchar), ',') from daily")).toBe('2026-11-01');
  });

  it('an empty output takes its watermarks from its mark: only requests staged since its last run are new', async () => {
    await wh.connection.run('delete from daily');
    await wh.connection.run(
      "insert into marks values ('daily', '2026-11-02 23:30:00+00', '2026-11-02 23:40:00+00', '2026-11-02 23:41:00+00')",
    );
    // Staged by that earlier run (nothing of it was kept), and one new request.
    await wh.connection.run(`insert into requests values
      ('2026-10-01 12:00:00+00', '2026-11-02 23:30:00+00', '2026-11-02 23:40:00+00'),
      ('2026-11-02 08:00:00+00', '2026-11-02 23:50:00+00', '2026-11-02 23:55:00+00')`);
    const rebuild = run(true);
    for (const op of rebuild.preOps.filter(Boolean)) await wh.connection.run(op);
    expect(await text(rebuild.since)).toBe('2026-11-02 22:30:00+00');
    expect(await text(rebuild.from)).toBe('2026-11-02');
  });

  it('has no delete on a full refresh (Dataform drops the empty operation), and marks all it read', async () => {
    const rebuild = run(false);
    expect(rebuild.deleteRebuilt).toBe('');
    expect(rebuild.markPreOps).toEqual(rebuild.declareMarks);
    await wh.connection.run("insert into requests values ('2026-11-01 12:00:00+00', '2026-11-02 23:45:00+00', '2026-11-02 23:50:00+00')");
    for (const op of [...rebuild.markPreOps, rebuild.recordMark]) await wh.connection.run(op);
    expect(await value("select count(*) from marks where model = 'daily' and staged_through = '2026-11-02 23:50:00+00'")).toBe('1');
  });

  it('names its variables after the model, and marks inside the transaction on BigQuery', () => {
    const rebuild = watermarks.dailyRebuild(bq, 'pages', {
      incremental: true,
      self: '`p.logflow.pages`',
      requests: '`p.logflow.requests`',
      parsed: '`p.logflow.int_lines_parsed`',
      marks: '`p.logflow.model_watermarks`',
      lookbackMinutes: 60,
    });
    const marked = (column: string) =>
      `(select ${column} from \`p.logflow.model_watermarks\` where model = 'pages' order by marked_at desc limit 1)`;
    const newest = (column: string) =>
      `from (select max(${column}) as newest from \`p.logflow.pages\` union all select ${marked(column === 'last_received_at' ? 'received_through' : 'staged_through')} as newest) as newest_values`;
    const newRows = 'date(requested_at) >= pages_from and received_at > pages_since and staged_at > pages_staged_since';
    expect(rebuild.preOps).toEqual([
      `declare pages_since TIMESTAMP default (select coalesce(timestamp_sub(max(newest), interval 60 minute), timestamp '1970-01-01 00:00:00+00') ${newest('last_received_at')})`,
      `declare pages_staged_since TIMESTAMP default (select coalesce(max(newest), timestamp '1970-01-01 00:00:00+00') ${newest('last_staged_at')})`,
      'declare pages_from DATE default (select min(date(requested_at)) from `p.logflow.int_lines_parsed` where is_parsed and received_at > pages_since and staged_at > pages_staged_since)',
      `declare pages_received_through TIMESTAMP default (select max(received_at) from \`p.logflow.requests\` where ${newRows})`,
      `declare pages_staged_through TIMESTAMP default (select max(staged_at) from \`p.logflow.requests\` where ${newRows})`,
      'begin transaction',
      'delete from `p.logflow.pages` where request_date >= pages_from',
    ]);
    expect(rebuild.postOps).toEqual([
      "insert into `p.logflow.model_watermarks` (model, received_through, staged_through, marked_at) select 'pages', pages_received_through, pages_staged_through, current_timestamp() from (select 1 as one) as one where pages_staged_through is not null",
      'commit transaction',
    ]);
  });
});

describe('touchedFromQuery()', () => {
  it('finds the new requests in int_lines_parsed when given (partitioned by received_at: BigQuery prunes it)', () => {
    expect(watermarks.touchedFromQuery(bq, '`p.logflow.requests`', 'pages_since', '`p.logflow.int_lines_parsed`')).toBe(
      'select min(date(requested_at)) from `p.logflow.int_lines_parsed` where is_parsed and received_at > pages_since',
    );
  });
});

describe('the compiled watermarks (the dialect as the models see it, through the project var)', () => {
  const stagedMark = (warehouse: 'bigquery' | 'duckdb') =>
    (compileProject({ warehouse }).tables ?? [])
      .find((t) => t.target.name === 'requests')
      ?.incrementalPreOps?.find((op) => op.includes('requests_staged_since')) ?? '';

  it('bounds the read of the newest staged_at to recent partitions on BigQuery only', () => {
    expect(stagedMark('bigquery')).toMatch(/where requested_at >= timestamp_sub\(current_timestamp\(\), interval 7 day\)/);
    // DuckDB: the whole column, so a run after a backfill of old logs reads only the new lines.
    expect(stagedMark('duckdb')).toMatch(/max\(staged_at\)/);
    expect(stagedMark('duckdb')).not.toMatch(/where requested_at/);
  });
});
