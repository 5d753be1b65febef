import { describe, expect, it } from 'vitest';
import { generateLines } from '../../generator/index.ts';
import type { ActionResult } from '../../warehouse/executor.ts';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';
import { tableSnapshots } from '../support/snapshot.ts';

const DAY = 86_400_000;
const OLD = 900;
const NEW = 60;

/**
 * Generated traffic of the last two days (recent: watermarks look back lateArrivalDays from
 * today), with one client probing admin paths early on, so that suspicious_clients has a row.
 */
function traffic(): string[] {
  const lines = [...generateLines({ seed: 21, lines: OLD + NEW, start: new Date(Date.now() - 2 * DAY), durationSeconds: 2 * 86_400 })];
  return lines.map((line, i) => (i >= 10 && i < 14 ? line.replace(/^\S+/, '203.0.113.9').replace(/"GET \S+/, '"GET /wp-login.php') : line));
}

/** Rows the action read from `table` (logflow schema), by DuckDB's profile of its statements. */
function rowsRead(result: ActionResult | undefined, table: string): number {
  const read = result?.profile?.read ?? {};
  return Object.entries(read)
    .filter(([name]) => name.endsWith(`.logflow.${table}`))
    .reduce((sum, [, rows]) => sum + rows, 0);
}

/** The staged-watermark reads: each model's read of the table it takes new rows from. */
const NEW_ROW_READS: [model: string, upstream: string][] = [
  ['int_lines_parsed', 'stg_landing__lines'],
  ['requests', 'int_lines_parsed'],
  ['user_agents', 'int_lines_parsed'],
  ['ip_locations', 'int_lines_parsed'],
  ['int_requests_sessionized', 'requests'],
  ['pages', 'int_lines_parsed'],
  ['daily_visitors', 'int_lines_parsed'],
  ['suspicious_clients', 'int_lines_parsed'],
  ['traffic_by_minute', 'int_lines_parsed'],
  // Outputs this log leaves empty (no TLS fields, no request times, no W3C headers): their own table
  // has no watermark, so their run marks (model_watermarks) bound what they read.
  ['tls_settings', 'int_lines_parsed'],
  ['latency_by_path', 'int_lines_parsed'],
  ['int_w3c_fields', 'stg_landing__lines'],
];

describe('incremental run right after a backfill', () => {
  it('reads only the new lines, and equals a full refresh on every table', async () => {
    const wh = await testWarehouse();
    try {
      const lines = traffic();
      // The backfill: every line lands in this hour, inside every model's arrival window.
      await landLines(wh, lines.slice(0, OLD), { source: 'backfill', publishTime: new Date(Date.now() - 30 * 60_000) });
      await runModels(wh);
      // Pub/Sub redelivers three staged messages (same id): nothing new, and not decoded again.
      await wh.connection.run(
        `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes)
         select subscription_name, message_id, publish_time, data, attributes from logflow_raw.landing order by message_id limit 3`,
      );
      await landLines(wh, lines.slice(OLD), { source: 'tail', publishTime: new Date(Date.now() - 60_000) });
      const run = await runModels(wh, { profile: true });
      const result = (name: string) => run.results.find((r) => r.name === `logflow.${name}`);

      // Staging deduplicates (and decodes) only the deliveries whose message is not staged yet.
      const staging = result('stg_landing__lines')?.profile?.widest ?? {};
      expect(staging.WINDOW).toBeLessThanOrEqual(NEW);
      for (const [model, upstream] of NEW_ROW_READS) {
        const read = rowsRead(result(model), upstream);
        expect(read, `${model} reads ${upstream}`).toBeGreaterThan(0);
        // Each statement of the action that reads it sees the new lines only: up to five statements
        // (the first date or time, the query, the run mark's two values) of NEW rows each, where a
        // single read of the whole history would be OLD + NEW rows.
        expect(5 * NEW).toBeLessThan(OLD + NEW);
        expect(read, `${model} reads ${upstream}`).toBeLessThanOrEqual(5 * NEW);
      }

      const [counts] = await queryRows(
        wh,
        `select (select count(*) from logflow.stg_landing__lines) as staged,
          (select count(distinct staged_at) from logflow.stg_landing__lines) as runs`,
      );
      expect(counts).toEqual({ staged: String(OLD + NEW), runs: '2' });

      const incremental = await tableSnapshots(wh);
      expect(Object.keys(incremental).length).toBeGreaterThan(15);
      await runModels(wh, { fullRefresh: true });
      const full = await tableSnapshots(wh);
      for (const [table, rows] of Object.entries(full)) expect(incremental[table], table).toBe(rows);
    } finally {
      wh.close();
    }
  }, 300_000);
});
