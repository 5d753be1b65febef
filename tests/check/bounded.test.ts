import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { partitionColumnOf, partitionReads, viewPartitionColumn } from '../../check/bounded.ts';
import { Catalog } from '../../check/catalog.ts';
import { formatProblem, formatReads, runCheck } from '../../check/run.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';

const fixture = resolve(import.meta.dirname, '../fixtures/bounded-project');
let zetasql: ZetaSQL;
const dirs: string[] = [];

beforeAll(async () => {
  zetasql = await startZetaSQL();
});
afterAll(async () => {
  await zetasql.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const PARTITIONS: Record<string, string> = { 'p.raw.landing': '_PARTITIONTIME', 'p.l.lines': 'received_at', 'p.l.daily': 'request_date' };

async function reads(sql: string) {
  const catalog = new Catalog('p');
  catalog.addTable('p.raw.landing', [
    { name: 'message_id', type: 'STRING' },
    { name: 'publish_time', type: 'TIMESTAMP' },
    { name: '_PARTITIONTIME', type: 'TIMESTAMP', pseudo: true },
  ]);
  catalog.addTable('p.l.lines', [
    { name: 'message_id', type: 'STRING' },
    { name: 'received_at', type: 'TIMESTAMP' },
  ]);
  catalog.addTable('p.l.daily', [
    { name: 'request_date', type: 'DATE' },
    { name: 'hits', type: 'INT64' },
  ]);
  catalog.addVariable('since', 'TIMESTAMP');
  const result = await zetasql.analyze(sql, catalog);
  if (!result.ok) throw new Error(result.error.message);
  return result.statements
    .flatMap((s) => partitionReads(s.resolved, (t) => PARTITIONS[t], s.text!))
    .map((r) => ({ table: r.table, bound: r.bound ?? null }));
}

describe('partitionReads()', () => {
  it.each([
    { case: 'a script variable', sql: 'select * from `p.raw.landing` where _PARTITIONTIME >= since', bound: '_PARTITIONTIME >= since' },
    {
      case: 'a constant expression of a variable',
      sql: 'select * from `p.l.lines` where received_at > timestamp_sub(since, interval 60 minute)',
      bound: 'received_at > timestamp_sub(since, interval 60 minute)',
    },
    {
      case: 'current_timestamp()',
      sql: 'select max(received_at) from `p.l.lines` where received_at >= timestamp_sub(current_timestamp(), interval 8 day)',
      bound: 'received_at >= timestamp_sub(current_timestamp(), interval 8 day)',
    },
    {
      case: 'DATE() of the column',
      sql: 'select * from `p.l.lines` where date(received_at) >= date(since)',
      bound: 'date(received_at) >= date(since)',
    },
    {
      case: 'the NULL partition too',
      sql: 'select * from `p.raw.landing` where _PARTITIONTIME >= since or _PARTITIONTIME is null',
      bound: '_PARTITIONTIME >= since or _PARTITIONTIME is null',
    },
    {
      case: 'a constant on the left',
      sql: "select * from `p.l.daily` where date '2026-01-01' <= request_date",
      bound: "date '2026-01-01' <= request_date",
    },
    {
      case: 'a filter through CTEs and a rename',
      sql: 'with a as (select _PARTITIONTIME as p from `p.raw.landing`), b as (select * from a) select * from b where p >= since',
      bound: 'p >= since',
    },
    {
      case: 'a JOIN ON condition',
      sql: 'select * from `p.l.lines` as l join `p.l.daily` as d on d.request_date = date(l.received_at) and l.received_at >= since and d.request_date >= date(since)',
      bound: 'l.received_at >= since',
    },
    {
      case: 'a subquery (prunes nothing)',
      sql: 'select * from `p.raw.landing` where _PARTITIONTIME >= (select max(received_at) from `p.l.lines`)',
      bound: null,
    },
    {
      case: 'an upper bound only (still all history below it)',
      sql: 'select * from `p.raw.landing` where _PARTITIONTIME < since',
      bound: null,
    },
    { case: 'another column', sql: 'select * from `p.raw.landing` where publish_time >= since', bound: null },
    {
      case: 'an OR with another condition',
      sql: 'select * from `p.raw.landing` where _PARTITIONTIME >= since or message_id = "x"',
      bound: null,
    },
    { case: 'no filter', sql: 'select count(*) from `p.l.daily`', bound: null },
  ])('reads the first table bounded by $case', async ({ sql, bound }) => {
    expect((await reads(sql))[0]).toEqual({ table: expect.any(String), bound });
  });

  it('bounds a MERGE target by its ON clause (updatePartitionFilter) and its source separately', async () => {
    const sql =
      'merge `p.l.lines` DATAFORM_DEST using (select message_id, publish_time as received_at from `p.raw.landing` where _PARTITIONTIME >= since) DATAFORM_SOURCE\non DATAFORM_DEST.message_id = DATAFORM_SOURCE.message_id and DATAFORM_DEST.received_at >= since\nwhen matched then update set `received_at` = DATAFORM_SOURCE.received_at\nwhen not matched then insert (`message_id`, `received_at`) values (`message_id`, `received_at`)';
    expect(await reads(sql)).toEqual([
      { table: 'p.l.lines', bound: 'DATAFORM_DEST.received_at >= since' },
      { table: 'p.raw.landing', bound: '_PARTITIONTIME >= since' },
    ]);
    expect((await reads(sql.replace(' and DATAFORM_DEST.received_at >= since', '')))[0]).toEqual({ table: 'p.l.lines', bound: null });
  });

  it('sees a DELETE bounded by its WHERE and its unbounded IN subquery apart', async () => {
    expect(
      await reads('delete from `p.l.lines` where date(received_at) >= date(since) and message_id in (select message_id from `p.l.lines`)'),
    ).toEqual([
      { table: 'p.l.lines', bound: 'date(received_at) >= date(since)' },
      { table: 'p.l.lines', bound: null },
    ]);
  });

  it('does not count the target of an INSERT as a read', async () => {
    expect(
      await reads(
        'insert into `p.l.daily` (request_date, hits) select date(received_at), count(*) from `p.l.lines` where received_at >= since group by 1',
      ),
    ).toEqual([{ table: 'p.l.lines', bound: 'received_at >= since' }]);
  });

  it('sees the read inside a DECLARE of a script', async () => {
    expect(
      await reads(
        'declare w timestamp default (select max(received_at) from `p.l.lines`);\nselect * from `p.raw.landing` where _PARTITIONTIME >= w',
      ),
    ).toEqual([
      { table: 'p.l.lines', bound: null },
      { table: 'p.raw.landing', bound: '_PARTITIONTIME >= w' },
    ]);
  });
});

describe('partitionColumnOf()', () => {
  it.each([
    ['DATE(received_at)', 'received_at'],
    ['request_date', 'request_date'],
    ['timestamp_trunc(_PARTITIONTIME, hour)', '_PARTITIONTIME'],
    ['TIMESTAMP_TRUNC(minute_at, DAY)', 'minute_at'],
  ])('%s -> %s', (expression, column) => {
    expect(partitionColumnOf(expression)).toBe(column);
  });
});

describe('viewPartitionColumn()', () => {
  const read = (bound?: string) => ({ table: 'p.l.lines', column: 'received_at', ...(bound ? { bound } : {}) });
  it.each([
    { case: 'a view passing the partition column through', reads: [read()], output: ['message_id', 'received_at'], column: 'received_at' },
    {
      case: 'a view hiding it (every read through it is unbounded)',
      reads: [read()],
      output: ['message_id'],
      column: 'received_at (of p.l.lines; the view does not select it)',
    },
    { case: 'a view bounded inside', reads: [read('received_at >= since')], output: ['received_at'], column: undefined },
    { case: 'a view of no partitioned table', reads: [], output: ['received_at'], column: undefined },
  ])('$case', ({ reads, output, column }) => {
    expect(viewPartitionColumn(reads, output)).toBe(column);
  });
});

describe('runCheck() bounded reads', () => {
  it('traces reads through a view of a partitioned table to the table: bounded by the column the view passes through, else unbounded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-bounded-'));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    rmSync(join(dir, 'definitions/unbounded_lines.sqlx'));
    const write = (name: string, text: string) => writeFileSync(join(dir, 'definitions', name), text);
    write('lines_view.sqlx', 'config { type: "view" }\nselect message_id, received_at from ${ref("lines")}\n');
    write('line_ids.sqlx', 'config { type: "view" }\nselect message_id from ${ref("lines")}\n');
    write(
      'recent_through_view.sqlx',
      'config { type: "assertion" }\nselect message_id from ${ref("lines_view")}\nwhere received_at >= timestamp_sub(current_timestamp(), interval 1 day)\n',
    );
    write('all_through_view.sqlx', 'config { type: "assertion" }\nselect message_id from ${ref("lines_view")}\n');
    write(
      'all_through_hiding_view.sqlx',
      'config { type: "assertion" }\nselect message_id from ${ref("line_ids")}\nwhere message_id > "a"\n',
    );
    const report = await runCheck({ projectDir: dir, zetasql });
    expect(report.problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^definitions\/all_through_hiding_view\.sqlx:2:24: logflow_assertions\.all_through_hiding_view \(assertion view\): reads logflow\.line_ids without a bound on its partition column received_at \(of fixture-project\.logflow\.lines; the view does not select it\)/,
      ),
      expect.stringMatching(
        /^definitions\/all_through_view\.sqlx:2:24: logflow_assertions\.all_through_view \(assertion view\): reads logflow\.lines_view without a bound on its partition column received_at on every scheduled run/,
      ),
    ]);
    expect(formatReads(report)).toContain(
      'logflow_assertions.recent_through_view: reads logflow.lines_view where received_at >= timestamp_sub(current_timestamp(), interval 1 day)',
    );
  });

  it('passes a project whose scheduled run reads only pruned partitions, and summarises each action', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-bounded-'));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    rmSync(join(dir, 'definitions/unbounded_lines.sqlx'));
    const report = await runCheck({ projectDir: dir, zetasql });
    expect(report.problems.map(formatProblem)).toEqual([]);
    expect(formatReads(report)).toEqual([
      'logflow.lines: reads logflow.lines where received_at >= timestamp_sub(current_timestamp(), interval 8 day); reads logflow.lines where DATAFORM_DEST.received_at >= lines_from; reads logflow_raw.landing where _PARTITIONTIME >= lines_since or _PARTITIONTIME is null',
    ]);
  });

  it('fails the deliberately unbounded fixture model with its file:line:col', async () => {
    const report = await runCheck({ projectDir: fixture, zetasql });
    expect(report.problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^definitions\/unbounded_lines\.sqlx:1:1: logflow\.unbounded_lines \(incremental merge\): reads logflow\.unbounded_lines without a bound .* \(the incremental merge target Dataform builds from the config block: set bigquery\.updatePartitionFilter\)$/,
      ),
      expect.stringMatching(
        /^definitions\/unbounded_lines\.sqlx:8:40: logflow\.unbounded_lines \(incremental merge\): reads logflow_raw\.landing without a bound on its partition column _PARTITIONTIME on every scheduled run/,
      ),
      expect.stringMatching(
        /^definitions\/unbounded_lines\.sqlx:9:3: logflow\.unbounded_lines \(incremental merge\): reads logflow\.unbounded_lines without a bound on its partition column received_at/,
      ),
    ]);
    const summary = formatReads(report).find((l) => l.startsWith('logflow.unbounded_lines: '));
    expect(summary).toContain('reads logflow_raw.landing UNBOUNDED (all partitions of _PARTITIONTIME)');
    expect(summary).toContain('reads logflow.unbounded_lines UNBOUNDED (all partitions of received_at)');
  });

  it('accepts the same reads in an action tagged full_history, and reports them', async () => {
    const report = await runCheck({ projectDir: fixture, zetasql, boundedReads: true, actions: ['unbounded_lines'] });
    expect(report.problems.length).toBe(3);
    const dir = mkdtempSync(join(tmpdir(), 'logflow-bounded-'));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    const { readFileSync, writeFileSync } = await import('node:fs');
    const file = join(dir, 'definitions/unbounded_lines.sqlx');
    writeFileSync(file, readFileSync(file, 'utf8').replace('type: "incremental",', 'type: "incremental", tags: ["full_history"],'));
    const tagged = await runCheck({ projectDir: dir, zetasql });
    expect(tagged.problems).toEqual([]);
    expect(formatReads(tagged).join('\n')).toContain(
      'reads logflow_raw.landing UNBOUNDED (all partitions of _PARTITIONTIME, tagged full_history)',
    );
  });

  it('lets known debt pass, and fails when a listed action is bounded now (the list only shrinks)', async () => {
    const known = await runCheck({ projectDir: fixture, zetasql, knownUnbounded: new Set(['logflow.unbounded_lines']) });
    expect(known.problems).toEqual([]);
    expect(formatReads(known).join('\n')).toContain(
      'reads logflow_raw.landing UNBOUNDED (all partitions of _PARTITIONTIME, known debt: check/bounded-debt.ts)',
    );
    const stale = await runCheck({ projectDir: fixture, zetasql, knownUnbounded: new Set(['logflow.unbounded_lines', 'logflow.lines']) });
    expect(stale.problems.map(formatProblem)).toEqual([
      'check/bounded-debt.ts:1:1: logflow.lines (bounded reads): logflow.lines reads only pruned partitions now: remove it from KNOWN_UNBOUNDED in check/bounded-debt.ts',
    ]);
  });
});
