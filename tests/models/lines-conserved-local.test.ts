import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileProject } from '../../warehouse/compile.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { toDuckdbNames } from '../../warehouse/sql.ts';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';

/**
 * lines_are_conserved on DuckDB counts only what the newest staging run could have lost: the lines
 * of the newest staging batch, and the deliveries since the hours the batch before had completed
 * that are not a staged line's delivery. Each way of losing or doubling a line fires it.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const duckdb = compileProject({ warehouse: 'duckdb' });
const query = toDuckdbNames(duckdb.assertions!.find((a) => a.target.name === 'lines_are_conserved')!.query!);

const combined = (tag: string, n: number, at: number) =>
  Array.from({ length: n }, (_, i) => {
    const t = new Date(at + i * MIN);
    const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/${t.toLocaleString('en', { month: 'short', timeZone: 'UTC' })}/${t.getUTCFullYear()}:${t.toISOString().slice(11, 19)} +0000`;
    return `203.0.113.${i} - - [${stamp}] "GET /${tag}/${i} HTTP/1.1" 200 ${100 + i} "-" "curl/8.0"`;
  });

let wh: Warehouse;
let now: number;
beforeEach(async () => {
  wh = await testWarehouse();
  now = Date.now();
  // Two staging batches: the first landed three hours ago (its hour is complete), the second now.
  await landLines(wh, combined('early', 5, now - 4 * HOUR), { source: 'early', publishTime: new Date(now - 4 * HOUR) });
  await wh.connection.run(`update logflow_raw.landing set _partitiontime = date_trunc('hour', current_timestamp) - interval 3 hour`);
  await runModels(wh);
  await landLines(wh, combined('recent', 5, now - 10 * MIN), { source: 'recent', publishTime: new Date(now - 5 * MIN) });
  await runModels(wh);
}, 120_000);
afterEach(() => wh.close());

const check = async () => (await queryRows(wh, query))[0];
/** Forgets staged lines, as if staging had never read their deliveries (its landing position too: the next run reads them again). */
const forget = (where: string) =>
  wh.connection.run(
    `delete from logflow.int_lines_parsed where ${where}; delete from logflow.stg_landing__lines where ${where}; delete from logflow_raw.landing_staged_position`,
  );
/** Lands a copy of a staged line's delivery under another message id (a re-send), with `data` when given. */
const resend = (source: string, data?: string) =>
  wh.connection.run(
    `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes)
    select subscription_name, message_id || '-resend', publish_time + interval 1 second, ${data ? `encode('${data}')` : 'data'}, attributes
    from logflow_raw.landing where json_extract_string(attributes, '$.source') = '${source}' and json_extract_string(attributes, '$.line_number') = '2'`,
  );

describe('lines_are_conserved (DuckDB)', () => {
  const cases: { what: string; breakIt: () => Promise<unknown>; expected: Record<string, string> | undefined }[] = [
    { what: 'nothing broken', breakIt: async () => {}, expected: undefined },
    {
      what: 'a line of the newest batch not parsed',
      breakIt: () => wh.connection.run(`delete from logflow.int_lines_parsed where source = 'recent' and line_number = 2`),
      expected: { lost: '1', texts_sharing_a_key: '0' },
    },
    {
      what: 'a line of the newest batch parsed only with an older staging',
      breakIt: () =>
        wh.connection.run(`update logflow.int_lines_parsed set staged_at = staged_at - interval 1 day where source = 'recent'`),
      expected: { lost: '5', texts_sharing_a_key: '0' },
    },
    {
      what: 'a delivery of a completed hour never staged',
      breakIt: () => forget(`source = 'early' and line_number = 2`),
      expected: { lost: '1', texts_sharing_a_key: '0' },
    },
    { what: 'a plain re-send', breakIt: () => resend('recent'), expected: undefined },
    {
      what: 'a re-send with another text',
      breakIt: () => resend('recent', 'other text'),
      expected: { lost: '0', texts_sharing_a_key: '1' },
    },
    {
      what: 'a re-send with another text, of a line of an earlier batch',
      breakIt: () => resend('early', 'other text'),
      expected: { lost: '0', texts_sharing_a_key: '1' },
    },
  ];

  it.each(cases)('$what: $expected', async ({ breakIt, expected }) => {
    expect(await check()).toBeUndefined();
    await breakIt();
    expect(await check()).toEqual(expected);
  });

  it('leaves a delivery of the newest hour, which may still be landing, until its hour is complete', async () => {
    await forget(`source = 'recent' and line_number = 2`);
    expect(await check()).toBeUndefined();
    // The next batch lands an hour later: the hour is complete, the line is lost.
    await landLines(wh, combined('later', 2, now), { source: 'later', publishTime: new Date(now) });
    await wh.connection.run(
      `update logflow_raw.landing set _partitiontime = _partitiontime + interval 1 hour where json_extract_string(attributes, '$.source') = 'later'`,
    );
    await runModels(wh, { tags: ['requests'], includeDeps: true });
    await forget(`source = 'recent' and line_number = 2`);
    expect(await check()).toEqual({ lost: '1', texts_sharing_a_key: '0' });
  }, 120_000);
});
