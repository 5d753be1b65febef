import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { LANDING_ARRIVAL, LANDING_COLUMNS, LANDING_DATASET, LANDING_TABLE } from '../../pipeline/landing.ts';
import { differential, type FixtureTable, type ModelComparison } from '../support/differential.ts';

// W3C (IIS) user agents: IIS logs a space as '+', and GoAccess reads `Mozilla/5.0+(Windows+NT+10.0)`
// as `Mozilla/5.0 (Windows NT 10.0)`; so does int_lines_parsed, identically in DuckDB and in
// ZetaSQL's evaluator of the BigQuery compilation. Other formats keep their user agents as logged.

const IIS = (ua: string) => `2026-11-29 10:00:00 10.0.0.5 GET /default.aspx - 443 - 203.0.113.5 ${ua} - 200 0 0 46`;
const COMBINED = (ua: string) => `203.0.113.7 - - [29/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "${ua}"`;

const CASES: Array<{ name: string; format: string; line: string; userAgent: string }> = [
  {
    name: 'IIS user agent with + for spaces',
    format: 'w3c',
    line: IIS('Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36'),
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36',
  },
  { name: 'IIS user agent without +', format: 'w3c', line: IIS('curl/8.0'), userAgent: 'curl/8.0' },
  {
    name: 'IIS bot user agent: every + is a space, as GoAccess reads it',
    format: 'w3c',
    line: IIS('Mozilla/5.0+(compatible;+bingbot/2.0;++http://www.bing.com/bingbot.htm)'),
    userAgent: 'Mozilla/5.0 (compatible; bingbot/2.0;  http://www.bing.com/bingbot.htm)',
  },
  {
    name: 'combined user agent keeps its +',
    format: 'combined',
    line: COMBINED('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'),
    userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  },
];

function landing(): FixtureTable {
  let offset = 0;
  const rows = CASES.map((c, i) => {
    const bytes = Buffer.from(c.line);
    const row = {
      subscription_name: 'projects/p/subscriptions/s',
      message_id: `m${i}`,
      publish_time: new Date(Date.UTC(2026, 10, 1, 0, 0, 0, i)),
      data: bytes,
      attributes: {
        source: 'u_ex261129.log',
        source_id: 'dev:1',
        line_number: String(i + 1),
        byte_offset: String(offset),
        format: c.format,
        ingest_host: 'h',
        idempotency_key: `dev:1:${offset}`,
      },
      _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 0)),
    };
    offset += bytes.length + 1;
    return row;
  });
  return {
    name: `${LANDING_DATASET}.${LANDING_TABLE}`,
    columns: [...LANDING_COLUMNS.map((c) => ({ name: c.name, type: c.bigquery })), { name: LANDING_ARRIVAL, type: 'TIMESTAMP' }],
    rows,
  };
}

function rowsOf(result: ModelComparison): Record<string, unknown>[] {
  return result.duckdb.map((r) => {
    const values = JSON.parse(r) as unknown[];
    return Object.fromEntries(result.columns.map((c, i) => [c.name, values[i]]));
  });
}

let zetasql: ZetaSQL;
let parsed: Record<string, unknown>[];
beforeAll(async () => {
  zetasql = await startZetaSQL();
  const [staged, lines] = await differential({ models: ['stg_landing__lines', 'int_lines_parsed'], zetasql, tables: [landing()] });
  for (const r of [staged!, lines!]) expect(r.differences, r.model).toEqual([]);
  parsed = rowsOf(lines!);
}, 120_000);
afterAll(async () => {
  await zetasql?.close();
});

describe('int_lines_parsed user_agent of W3C lines (ZetaSQL evaluator vs DuckDB)', () => {
  it.each(CASES.map((c, i) => ({ ...c, lineNumber: i + 1 })))('$name', ({ lineNumber, userAgent }) => {
    const row = parsed.find((r) => String(r.line_number) === String(lineNumber));
    expect(row).toMatchObject({ parse_error: null, user_agent: userAgent });
  });
});
