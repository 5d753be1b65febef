import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { LANDING_ARRIVAL, LANDING_COLUMNS, LANDING_DATASET, LANDING_TABLE } from '../../pipeline/landing.ts';
import { differential, type FixtureTable, type ModelComparison } from '../support/differential.ts';

// W3C (IIS) logs whose #Fields: header decides the columns, per source (includes/w3c.js):
// stg_landing__lines, int_w3c_fields and int_lines_parsed compiled for BigQuery and run in
// ZetaSQL's reference evaluator must give exactly the rows their DuckDB compilation gives in
// DuckDB, and each line must be read by the latest header of its own source before it.

interface Line {
  source: string;
  data: string;
  /** Expected columns of int_lines_parsed; directive lines expect their parse error. */
  expected: Record<string, string | boolean | null>;
}

const IIS_DEFAULT_LINE =
  '2026-11-29 10:00:00 10.0.0.5 GET /default.aspx - 443 - 203.0.113.5 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) https://www.bing.com/ 200 0 0 46';
const DIRECTIVE = { parse_error: 'W3C directive line (#Version, #Fields...), not a request' };
const COUNT_MISMATCH = { parse_error: "W3C line with a field count other than its #Fields: header's" };

const LINES: Line[] = [
  // iis.log: a line before any header, a header, its lines, then a header change mid-file.
  {
    source: 'iis.log',
    data: IIS_DEFAULT_LINE,
    expected: {
      parse_error: null,
      method: 'GET',
      path: '/default.aspx',
      client_ip: '203.0.113.5',
      request_time_us: '46000',
      response_bytes: '0',
    },
  },
  { source: 'iis.log', data: '#Software: Microsoft Internet Information Services 10.0', expected: DIRECTIVE },
  {
    source: 'iis.log',
    data: '#Fields: date time c-ip cs-method cs-uri-stem sc-status sc-bytes time-taken cs(User-Agent) cs-host',
    expected: DIRECTIVE,
  },
  {
    source: 'iis.log',
    data: '2026-11-29 10:00:01 192.0.2.10 GET /a.html 200 5120 15 Mozilla/5.0+(X11;+Linux) www.Example.com',
    expected: {
      parse_error: null,
      client_ip: '192.0.2.10',
      method: 'GET',
      path: '/a.html',
      query: null,
      request_line: 'GET /a.html',
      status: '200',
      response_bytes: '5120',
      request_time_us: '15000',
      user_agent: 'Mozilla/5.0 (X11; Linux)',
      vhost: 'www.Example.com',
      host: 'www.example.com',
      referrer: null,
      auth_user: null,
      requested_at: '2026-11-29T10:00:01Z',
    },
  },
  // One field short of its header.
  { source: 'iis.log', data: '2026-11-29 10:00:02 192.0.2.11 GET /b.html 200 17 curl/8.0 www.example.com', expected: COUNT_MISMATCH },
  // One field too many (a tab-separated line is still split).
  {
    source: 'iis.log',
    data: '2026-11-29\t10:00:03 192.0.2.12 GET /c.html 200 1 2 curl/8.0 www.example.com extra',
    expected: COUNT_MISMATCH,
  },
  { source: 'iis.log', data: '#Date: 2026-11-29 10:05:00', expected: DIRECTIVE },
  { source: 'iis.log', data: '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query c-ip cs-version sc-status', expected: DIRECTIVE },
  {
    source: 'iis.log',
    data: '2026-11-29 10:05:01.250 10.0.0.1 POST /api/items q=1&r=2 2001:db8::7 HTTP/1.1 201\r',
    expected: {
      parse_error: null,
      client_ip: '2001:db8::7',
      method: 'POST',
      path: '/api/items',
      query: 'q=1&r=2',
      protocol: 'HTTP/1.1',
      request_line: 'POST /api/items?q=1&r=2 HTTP/1.1',
      status: '201',
      response_bytes: '0',
      request_time_us: null,
      user_agent: null,
      vhost: null,
      requested_at: '2026-11-29T10:05:01.25Z',
    },
  },
  // The previous header's line shape no longer fits.
  { source: 'iis.log', data: '2026-11-29 10:05:02 192.0.2.10 GET /a.html 200 5120 15 curl/8.0 www.example.com', expected: COUNT_MISMATCH },
  // other.log: another file with another header (fields reordered, names in another case).
  { source: 'other.log', data: '#Version: 1.0', expected: DIRECTIVE },
  { source: 'other.log', data: '#Fields: time c-ip date sc-status cs-uri-stem cs-method cs-username time-taken', expected: DIRECTIVE },
  {
    source: 'other.log',
    data: '23:59:59 198.51.100.4 2026-11-28 404 /missing.png GET CONTOSO\\jdoe 3',
    expected: {
      parse_error: null,
      client_ip: '198.51.100.4',
      method: 'GET',
      path: '/missing.png',
      status: '404',
      auth_user: 'CONTOSO\\jdoe',
      request_time_us: '3000',
      requested_at: '2026-11-28T23:59:59Z',
    },
  },
  {
    source: 'other.log',
    data: '2026-11-29 10:00:01 192.0.2.10 GET /a.html 200 5120 15 curl/8.0 www.example.com',
    expected: COUNT_MISMATCH,
  },
  // notime.log: a header without a time field cannot place its lines in time.
  { source: 'notime.log', data: '#Fields: c-ip cs-method cs-uri-stem sc-status', expected: DIRECTIVE },
  { source: 'notime.log', data: '192.0.2.1 GET / 200', expected: { parse_error: 'W3C #Fields: header without date and time fields' } },
];

function landing(): FixtureTable {
  const offsets = new Map<string, number>();
  const numbers = new Map<string, number>();
  const rows = LINES.map(({ source, data }, i) => {
    const offset = offsets.get(source) ?? 0;
    const lineNumber = (numbers.get(source) ?? 0) + 1;
    offsets.set(source, offset + Buffer.byteLength(data) + 1);
    numbers.set(source, lineNumber);
    return {
      subscription_name: 'projects/p/subscriptions/s',
      message_id: `m${i}`,
      // Published out of order: the parse follows byte offsets, not arrival.
      publish_time: new Date(Date.UTC(2026, 10, 1, 0, 0, 0, LINES.length - i)),
      data: Buffer.from(data),
      attributes: {
        source,
        source_id: `dev:${source}`,
        line_number: String(lineNumber),
        byte_offset: String(offset),
        format: 'w3c',
        ingest_host: 'h',
        idempotency_key: `dev:${source}:${offset}`,
      },
      _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 0)),
    };
  });
  return {
    name: `${LANDING_DATASET}.${LANDING_TABLE}`,
    columns: [...LANDING_COLUMNS.map((c) => ({ name: c.name, type: c.bigquery })), { name: LANDING_ARRIVAL, type: 'TIMESTAMP' }],
    rows,
  };
}

/** A model's DuckDB rows as objects of canonical values. */
function rowsOf(result: ModelComparison): Record<string, unknown>[] {
  return result.duckdb.map((r) => {
    const values = JSON.parse(r) as unknown[];
    return Object.fromEntries(result.columns.map((c, i) => [c.name, values[i]]));
  });
}

/** A canonical timestamp without trailing zeros. */
function iso(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/\.?0+Z$/, 'Z') : value;
}

let zetasql: ZetaSQL;
let headers: Record<string, unknown>[];
let parsed: Record<string, unknown>[];
beforeAll(async () => {
  zetasql = await startZetaSQL();
  const results = await differential({
    models: ['stg_landing__lines', 'int_w3c_fields', 'int_lines_parsed'],
    zetasql,
    tables: [landing()],
  });
  for (const r of results) expect(r.differences, r.model).toEqual([]);
  headers = rowsOf(results[1]!);
  parsed = rowsOf(results[2]!);
}, 120_000);
afterAll(async () => {
  await zetasql?.close();
});

describe('int_lines_parsed on W3C lines read by their #Fields: header (ZetaSQL evaluator vs DuckDB)', () => {
  it.each(LINES.map((l, i) => ({ ...l, name: `${l.source}: ${l.data.slice(0, 60)}`, index: i })))(
    '$name',
    ({ source, index, expected }) => {
      const lineNumber = LINES.slice(0, index + 1).filter((l) => l.source === source).length;
      const row = parsed.find((r) => r.source === source && String(r.line_number) === String(lineNumber));
      expect(row, `${source}:${lineNumber}`).toBeDefined();
      const got = Object.fromEntries(Object.keys(expected).map((k) => [k, k === 'requested_at' ? iso(row![k]) : row![k]]));
      expect(got).toEqual(expected);
    },
  );

  it('gives one row per line, each read by at most one header', () => {
    expect(parsed).toHaveLength(LINES.length);
    expect(new Set(parsed.map((r) => r.line_id)).size).toBe(LINES.length);
  });

  it('keeps one row per header, heading the lines up to the next header of its source', () => {
    const scopes = headers
      .map((h) => ({
        source: h.source_id,
        offset: Number(h.byte_offset),
        next: h.next_byte_offset === null ? null : Number(h.next_byte_offset),
        count: Number(h.field_count),
      }))
      .sort((a, b) => String(a.source).localeCompare(String(b.source)) || a.offset - b.offset);
    expect(scopes.map((s) => [s.source, s.count, s.next === null])).toEqual([
      ['dev:iis.log', 10, false],
      ['dev:iis.log', 9, true],
      ['dev:notime.log', 4, true],
      ['dev:other.log', 8, true],
    ]);
    expect(scopes[0]!.next).toBe(scopes[1]!.offset);
    const other = headers.find((h) => h.source_id === 'dev:other.log')!;
    expect(other.field_names).toEqual(['time', 'c-ip', 'date', 'sc-status', 'cs-uri-stem', 'cs-method', 'cs-username', 'time-taken']);
  });
});
