import { describe, expect, it } from 'vitest';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';
import { tableSnapshots } from '../support/snapshot.ts';

// W3C lines read by the #Fields: header of their source (includes/w3c.js) when the header was
// staged in an earlier run than its lines, and when a later run brings a new header mid-file:
// every table after the incremental runs equals a full refresh.

const HEADER_1 = '#Fields: date time c-ip cs-method cs-uri-stem sc-status sc-bytes time-taken cs(User-Agent) cs-host';
const HEADER_2 = '#Fields: date time cs-method cs-uri-stem c-ip sc-status';

/** Lands lines of one source, continuing its byte offsets and line numbers across calls. */
function source(wh: Warehouse, name: string) {
  let offset = 0;
  let lineNumber = 0;
  return async (lines: string[], minutesAgo: number) => {
    const items = lines.map((data) => {
      lineNumber += 1;
      const item = {
        data,
        attributes: {
          source_id: `${name}-id`,
          line_number: String(lineNumber),
          byte_offset: String(offset),
          idempotency_key: `${name}-id:${offset}`,
        },
      };
      offset += Buffer.byteLength(data) + 1;
      return item;
    });
    await landLines(wh, items, { source: name, format: 'w3c', publishTime: new Date(Date.now() - minutesAgo * 60_000) });
  };
}

const line1 = (i: number) => `2026-11-29 10:00:0${i} 192.0.2.${i} GET /p${i}.html 200 ${100 + i} 15 Mozilla/5.0+(X11) www.example.com`;
const line2 = (i: number) => `2026-11-29 11:00:0${i} GET /q${i} 192.0.2.${i} 404`;

describe('int_lines_parsed on W3C lines whose #Fields: header came in an earlier run', () => {
  it('reads them by that header, and a series of incremental runs equals a full refresh', async () => {
    const wh = await testWarehouse();
    try {
      const iis = source(wh, 'iis');
      await iis(['#Software: Microsoft Internet Information Services 10.0', HEADER_1], 30);
      await runModels(wh);
      await iis([line1(1), line1(2)], 20);
      await runModels(wh);
      await iis([HEADER_2, line2(3)], 10);
      await runModels(wh);
      await iis([line2(4), line1(5)], 5);
      await runModels(wh);

      const rows = await queryRows(
        wh,
        `select line_number, parse_error, path, response_bytes, host, status from logflow.int_lines_parsed order by line_number`,
      );
      expect(rows.map((r) => [r.line_number, r.parse_error ?? r.path])).toEqual([
        ['1', 'W3C directive line (#Version, #Fields...), not a request'],
        ['2', 'W3C directive line (#Version, #Fields...), not a request'],
        ['3', '/p1.html'],
        ['4', '/p2.html'],
        ['5', 'W3C directive line (#Version, #Fields...), not a request'],
        ['6', '/q3'],
        ['7', '/q4'],
        ['8', "W3C line with a field count other than its #Fields: header's"],
      ]);
      expect(rows[2]).toMatchObject({ response_bytes: '101', host: 'www.example.com', status: '200' });
      expect(rows[5]).toMatchObject({ response_bytes: '0', host: null, status: '404' });
      const [scopes] = await queryRows(
        wh,
        `select count(*) as headers, count(next_byte_offset) as closed, count(distinct staged_at) as runs from logflow.int_w3c_fields`,
      );
      expect(scopes).toEqual({ headers: '2', closed: '1', runs: '2' });

      const incremental = await tableSnapshots(wh);
      await runModels(wh, { fullRefresh: true });
      const full = await tableSnapshots(wh);
      expect(Object.keys(full)).toContain('logflow.int_w3c_fields');
      for (const [table, snapshot] of Object.entries(full)) expect(incremental[table], table).toBe(snapshot);
    } finally {
      wh.close();
    }
  }, 120_000);
});
