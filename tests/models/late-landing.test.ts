import { describe, expect, it } from 'vitest';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { tableSnapshots } from '../support/snapshot.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Combined lines for a source, one per minute from `at` (request time in the line). */
function lines(source: string, count: number, at: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const t = new Date(at + i * MIN);
    const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/${t.toLocaleString('en', { month: 'short', timeZone: 'UTC' })}/${t.getUTCFullYear()}:${t.toISOString().slice(11, 19)} +0000`;
    return `10.0.${source.length}.${i % 7} - - [${stamp}] "GET /${source}/${i % 4} HTTP/1.1" ${i % 9 === 0 ? 404 : 200} ${100 + i} "-" "Mozilla/5.0 (${source}) Firefox/${120 + (i % 3)}.0"`;
  });
}

/** Every table of the graph, row for row (views follow from them). */
/** Lands 5 lines that arrived three hours ago and 5 recent ones, and transforms them; returns now. */
async function landEarlyAndRecent(wh: Warehouse): Promise<number> {
  const now = Date.now();
  await landLines(wh, lines('early', 5, now - 4 * HOUR), { source: 'early', publishTime: new Date(now - 4 * HOUR) });
  // These landed three hours ago (BigQuery would have given them that ingestion hour).
  await wh.connection.run(`update logflow_raw.landing set _partitiontime = date_trunc('hour', current_timestamp) - interval 3 hour`);
  await landLines(wh, lines('recent', 5, now - 10 * MIN), { source: 'recent', publishTime: new Date(now - 5 * MIN) });
  await runModels(wh);
  return now;
}

describe('late landing', () => {
  it('stages a batch published hours before lines already transformed, by its arrival, and equals a full refresh', async () => {
    const wh = await testWarehouse();
    try {
      const now = Date.now();
      // Lines published in the last minutes land and are transformed.
      await landLines(wh, lines('web1', 30, now - 40 * MIN), { source: 'web1', publishTime: new Date(now - 10 * MIN) });
      await runModels(wh);
      // A subscription paused for hours delivers a backlog: published 5 hours ago, landing now.
      await landLines(wh, lines('web2', 30, now - 6 * HOUR), { source: 'web2', publishTime: new Date(now - 5 * HOUR) });
      const [old] = await queryRows(
        wh,
        `select
          (select max(received_at) from logflow.stg_landing__lines) as staged_until,
          (select max(publish_time) from logflow_raw.landing where attributes->>'source' = 'web2') as late_published`,
      );
      // A publish-time watermark (newest staged publish time minus the lookback) would skip them.
      expect(Date.parse(String(old!.late_published))).toBeLessThan(now - 4 * HOUR);
      await runModels(wh);

      const [counts] = await queryRows(
        wh,
        `select
          (select count(*) from logflow.requests where source = 'web2') as late_requests,
          (select count(*) from logflow.requests) + (select count(*) from logflow.parse_errors) as accounted`,
      );
      expect(counts).toEqual({ late_requests: '30', accounted: '60' });
      const incremental = await tableSnapshots(wh);
      expect(Object.keys(incremental).length).toBeGreaterThan(15);

      await runModels(wh, { fullRefresh: true });
      const full = await tableSnapshots(wh);
      for (const [table, rows] of Object.entries(full)) expect(incremental[table], table).toBe(rows);
    } finally {
      wh.close();
    }
  }, 120_000);

  it('checks the landed lines of the last day on every run (lines_are_conserved) and names a lost one', async () => {
    const wh = await testWarehouse();
    try {
      const now = await landEarlyAndRecent(wh); // the assertions pass
      await wh.connection.run(`delete from logflow.int_lines_parsed where source = 'early' and line_number = 2`);
      await expect(runModels(wh, { actions: ['lines_are_conserved'], tags: [], includeDeps: false })).rejects.toThrow(
        /lines_are_conserved: assertion: 1 row\(s\) violate it.*"lost":"1","texts_sharing_a_key":"0"/,
      );
    } finally {
      wh.close();
    }
  }, 120_000);

  it('counts a Cloud Logging entry from a Log Router sink (no ingester attributes) by the line id staging gives it, not as lost', async () => {
    const wh = await testWarehouse();
    try {
      const at = new Date(Date.now() - 4 * HOUR).toISOString();
      const entry = (insertId: string) =>
        JSON.stringify({
          insertId,
          logName: 'projects/p/logs/requests',
          httpRequest: {
            requestMethod: 'GET',
            requestUrl: 'https://www.example.com/a',
            status: 200,
            responseSize: '12',
            remoteIp: '203.0.113.4',
            userAgent: 'Mozilla/5.0',
          },
          timestamp: at,
        });
      // Two entries (one delivered twice under two message ids, as a sink may), landed three hours ago.
      for (const [messageId, insertId] of [
        ['m1', 'a1'],
        ['m2', 'b2'],
        ['m3', 'b2'],
      ]) {
        await wh.connection.run(
          `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes, _partitiontime)
           values ('sink', $1, current_timestamp - interval 4 hour, $2::blob, null, date_trunc('hour', current_timestamp) - interval 3 hour)`,
          [messageId!, entry(insertId!)],
        );
      }
      await landLines(wh, lines('recent', 5, Date.now() - 10 * MIN), { source: 'recent', publishTime: new Date(Date.now() - 5 * MIN) });
      await runModels(wh);
      const [staged] = await queryRows(wh, `select count(*) as n from logflow.requests where log_format = 'cloud_logging'`);
      expect(staged).toEqual({ n: '2' });
      // Before, the checks keyed these lines by message id, so each was counted as lost.
      await runModels(wh, { actions: ['lines_are_conserved_full_history'], tags: [], includeDeps: false, vars: { fullHistory: 'true' } });
      const gone = await queryRows(
        wh,
        `delete from logflow.int_lines_parsed where line_id = (select min(line_id) from logflow.int_lines_parsed where log_format = 'cloud_logging') returning line_id`,
      );
      expect(gone).toHaveLength(1);
      await expect(
        runModels(wh, { actions: ['lines_are_conserved_full_history'], tags: [], includeDeps: false, vars: { fullHistory: 'true' } }),
      ).rejects.toThrow(/lines_are_conserved_full_history: assertion: 1 row\(s\) violate it.*"lost":"1"/);
    } finally {
      wh.close();
    }
  }, 120_000);

  it('checks all history (lines_are_conserved_full_history): a line still landing in the newest staged hour is not lost, a missing line of an earlier hour is', async () => {
    const wh = await testWarehouse();
    try {
      const now = await landEarlyAndRecent(wh);
      // Lands after the run, in the hour the run staged last (BigQuery: the same ingestion hour).
      await landLines(wh, lines('later', 3, now - MIN), { source: 'later', publishTime: new Date(now - MIN) });
      await runModels(wh, { actions: ['lines_are_conserved_full_history'], tags: [], includeDeps: false, vars: { fullHistory: 'true' } });
      await wh.connection.run(`delete from logflow.int_lines_parsed where source = 'early' and line_number = 2`);
      await expect(
        runModels(wh, { actions: ['lines_are_conserved_full_history'], tags: [], includeDeps: false, vars: { fullHistory: 'true' } }),
      ).rejects.toThrow(/lines_are_conserved_full_history: assertion: 1 row\(s\) violate it.*"lost":"1"/);
    } finally {
      wh.close();
    }
  }, 120_000);
});
