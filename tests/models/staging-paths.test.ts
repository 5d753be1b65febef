import { describe, expect, it } from 'vitest';
import { compileProject } from '../../warehouse/compile.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { toDuckdbNames } from '../../warehouse/sql.ts';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';
import { comparableRows } from '../support/snapshot.ts';

// The paths of stg_landing__lines on DuckDB: lines delivered once pass without being ordered, only
// the deliveries of lines delivered more than once are ordered; an incremental run reads the wide
// columns (data, attributes) of the new deliveries only. Each path must give the rows the plain
// definition gives: the earliest delivery of each line (publish time, message id, arrival).

const STG = ['stg_landing__lines'];
const lines = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => `203.0.113.${(from + i) % 250} - - [10/Oct/2026:13:55:36 +0000] "GET /p${from + i} HTTP/1.1" 200 ${from + i} "-" "x"`,
  );

/** The earliest delivery of each line, by the definition (a window over every landed row). */
const REFERENCE = `select json_extract_string(attributes, '$.idempotency_key') as line_id, message_id, publish_time
  from logflow_raw.landing
  qualify row_number() over (partition by json_extract_string(attributes, '$.idempotency_key') order by publish_time, message_id, _PARTITIONTIME) = 1
  order by line_id`;

/** Rows out of the scans of the landing table that read the data column, in DuckDB's profile of `sql`. */
async function landingDataRows(wh: Warehouse, sql: string): Promise<number> {
  const reader = await wh.connection.runAndReadAll(`explain (analyze, format json) ${sql}`);
  const stack = [JSON.parse(String(reader.getRows()[0]?.[1] ?? '{}'))];
  let rows = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    const info = node.extra_info ?? {};
    const projections = [info.Projections ?? []].flat().join('\n').split('\n');
    if (node.operator_type === 'TABLE_SCAN' && String(info.Table ?? '').endsWith('logflow_raw.landing') && projections.includes('data'))
      rows += Number(node.operator_cardinality ?? 0);
    stack.push(...(node.children ?? []));
  }
  return rows;
}

async function redeliver(wh: Warehouse, where: string, change = ''): Promise<void> {
  await wh.connection.run(
    `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes)
     select subscription_name, message_id${change ? ` || '${change}'` : ''}, publish_time${change === '-early' ? ' - interval 1 second' : ''}, data, attributes
     from logflow_raw.landing where ${where}`,
  );
}

describe('stg_landing__lines: deduplication paths', () => {
  it('passes lines delivered once as they are, without ordering any delivery', async () => {
    const wh = await testWarehouse();
    try {
      await landLines(wh, lines(40));
      const run = await runModels(wh, { actions: STG, profile: true });
      expect(run.results[0]?.profile?.widest.WINDOW ?? 0).toBe(0);
      expect(
        await queryRows(wh, 'select line_id, message_id, published_at as publish_time from logflow.stg_landing__lines order by line_id'),
      ).toEqual(await queryRows(wh, REFERENCE));
    } finally {
      wh.close();
    }
  });

  it('orders only the deliveries of lines delivered more than once, and keeps the earliest', async () => {
    const wh = await testWarehouse();
    try {
      await landLines(wh, lines(40));
      const nth = (from: number, to: number) =>
        `try_cast(json_extract_string(attributes, '$.line_number') as bigint) between ${from} and ${to}`;
      await redeliver(wh, nth(1, 3)); // Pub/Sub redeliveries: same message
      await redeliver(wh, nth(3, 4), '-early'); // ingester re-sends published earlier: they win
      await redeliver(wh, nth(10, 10), '-late'); // a re-send published at the same time under a later id
      const run = await runModels(wh, { actions: STG, profile: true });
      // The 12 deliveries of lines 1-4 and 10: lines 1-3 twice, line 3's two copies re-sent (identical), line 4 once
      // re-sent, line 10 once re-sent; none of the 35 other lines.
      expect(run.results[0]?.profile?.widest.WINDOW).toBe(12);
      const staged = await queryRows(
        wh,
        'select line_id, message_id, published_at as publish_time from logflow.stg_landing__lines order by line_id',
      );
      expect(staged).toEqual(await queryRows(wh, REFERENCE));
      expect(staged.filter((r) => String(r.message_id).endsWith('-early'))).toHaveLength(2);
      expect(staged).toHaveLength(40);
    } finally {
      wh.close();
    }
  });

  it('reads the wide columns of the new deliveries only on an incremental run after a backfill, and equals a full refresh', async () => {
    const wh = await testWarehouse();
    try {
      const now = Date.now();
      await landLines(wh, lines(120), { source: 'backfill', publishTime: new Date(now - 30 * 60_000) });
      await runModels(wh, { actions: STG });
      await redeliver(wh, `message_id in (select message_id from logflow_raw.landing order by message_id limit 3)`); // staged messages again
      await redeliver(wh, `json_extract_string(attributes, '$.line_number') = '7'`, '-early'); // a re-send earlier than the staged delivery
      await landLines(wh, lines(2, 500), { source: 'late', publishTime: new Date(now - 3 * 3600_000) }); // published long before, landing now
      await landLines(wh, lines(20, 1000), { source: 'tail', publishTime: new Date(now - 60_000) });

      const graph = compileProject({ warehouse: 'duckdb' });
      const stg = graph.tables?.find((t) => t.target?.name === 'stg_landing__lines');
      for (const op of stg?.incrementalPreOps ?? []) if (op.trim()) await wh.connection.run(toDuckdbNames(op));
      // What landed since the last run: 20 new lines, 2 late ones, the earlier re-send and the 3 redeliveries
      // (new landing rows, dropped by the line-id comparison): not the 120 staged lines.
      expect(await landingDataRows(wh, toDuckdbNames(stg?.incrementalQuery ?? ''))).toBe(26);

      await runModels(wh, { actions: STG });
      const incremental = await queryRows(wh, comparableRows('logflow.stg_landing__lines'));
      expect(incremental).toHaveLength(142);
      expect(incremental.filter((r) => String(r.message_id).endsWith('-early'))).toHaveLength(1);
      await runModels(wh, { actions: STG, fullRefresh: true });
      expect(await queryRows(wh, comparableRows('logflow.stg_landing__lines'))).toEqual(incremental);
    } finally {
      wh.close();
    }
  }, 120_000);

  // The landing position is trusted only while the row found there is the one recorded: a landing table
  // rewritten without some rows (row ids moved down, so new rows now sit at or below the recorded position)
  // sends the run back to the anti-join against the staged message ids, which loses no line.
  it('stages every new line after the landing table was rewritten without its oldest rows', async () => {
    const wh = await testWarehouse();
    try {
      await landLines(wh, lines(60));
      await runModels(wh, { actions: STG });
      await wh.connection.run('create or replace table logflow_raw.landing as select * from logflow_raw.landing where rowid >= 10');
      await landLines(wh, lines(15, 700), { source: 'next' });
      await runModels(wh, { actions: STG });
      expect(await queryRows(wh, 'select count(*)::integer as n from logflow.stg_landing__lines')).toEqual([{ n: 75 }]);
      const unstaged = `select count(*)::integer as n from logflow_raw.landing as l
        where json_extract_string(l.attributes, '$.idempotency_key') not in (select line_id from logflow.stg_landing__lines)`;
      expect(await queryRows(wh, unstaged)).toEqual([{ n: 0 }]);
    } finally {
      wh.close();
    }
  }, 120_000);
});
