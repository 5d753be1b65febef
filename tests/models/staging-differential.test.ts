import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, type FixtureTable } from '../support/differential.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { GEO_SOURCE_COLUMNS, REF_DATASET, TABLES } from '../../geo/load.ts';
import { bucketsOf, type RangeKind } from '../../geo/ranges.ts';
import { ipKey } from '../../functions/ip-key.ts';
import { LANDING_ARRIVAL, LANDING_COLUMNS, LANDING_DATASET, LANDING_TABLE } from '../../pipeline/landing.ts';

// The compiled BigQuery SQL of the parse, dedupe, quarantine and IP models, run by ZetaSQL's
// reference evaluator, must give exactly what the DuckDB compilation gives in DuckDB, on the
// same landing rows: every format and every quarantine reason.

const line = (rest: string, head = '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000]') => `${head} ${rest}`;

const LINES: { data: string | Buffer; format?: string }[] = [
  { data: line(`"GET /a/b?x=1 HTTP/1.1" 200 512 "https://www.google.com/" "Mozilla/5.0 (X11) Firefox/125.0"`) },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [01/Jan/2026:00:10:00 +0530]') },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '2001:db8::42 - frank [10/Oct/2026:13:55:36 -0700]') },
  { data: line(`"GET /q\\"x HTTP/1.1" 200 - "http://a.example/\\"r\\"" "Mozilla \\"quoted\\" back\\\\slash"`) },
  { data: line(`"GET /x HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html`) },
  { data: line(`"M-SEARCH * HTTP/1.1" 400 0 "-" "-"`) },
  { data: line(`"-" 408 0 "-" "-"`) },
  { data: line(`"\\x16\\x03\\x01" 400 226 "-" "-"`) },
  { data: line(`"GET /old" 200 1 "-" "x"`) },
  { data: line(`"GET /s?q=a b HTTP/1.1" 200 1 "-" "x"`) },
  { data: line(`"GET /café HTTP/1.1" 200 1 "-" "Mozilla 日本"`) },
  { data: Buffer.concat([Buffer.from(line(`"GET /x HTTP/1.1" 200 1 "-" "bad `)), Buffer.from([0xff, 0xfe]), Buffer.from('"')]) },
  { data: '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', format: 'common' },
  { data: `www.example.com:443 ${line(`"GET /v HTTP/2.0" 200 5 "-" "x"`)}`, format: 'vcombined' },
  {
    data: '{"time_local":"04/Nov/2026:15:59:45 +0100","remote_addr":"66.249.68.118","remote_user":"","request":"GET /s?q=a HTTP/1.1","status":200,"body_bytes_sent":19281,"http_referer":"","http_user_agent":"Mozilla \\"q\\"","host":"www.example.com"}',
    format: 'json',
  },
  {
    data: '{"time_iso8601":"2026-11-04T10:00:00.250+05:30","remote_addr":"::1","request_method":"POST","request_uri":"/api?x=1","server_protocol":"HTTP/1.1","status":"201","body_bytes_sent":"-"}',
    format: 'json',
  },
  // A number too wide for a FLOAT64 to hold exactly: BigQuery's default PARSE_JSON refused the line (issue 10).
  {
    data: '{"time_local":"04/Nov/2026:15:59:45 +0000","remote_addr":"1.2.3.4","request":"GET /w HTTP/1.1","status":200,"body_bytes_sent":5,"upstream_response_time":0.30000000000000004441}',
    format: 'json',
  },
  // Addresses that are not IP addresses are requests (their IP key is NULL).
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, 'not-an-ip - - [10/Oct/2026:13:55:36 +0000]') },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '999.999.999.999 - - [10/Oct/2026:13:55:36 +0000]') },
  // Quarantined on both engines (issue 11: DuckDB alone used to parse them).
  {
    data: '{"time_local":"04/Nov/2026:15:59:45 +0000","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":"200.5"}',
    format: 'json',
  },
  { data: '{"time_local":"04/Nov/2026:15:59:45 +0000","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":"1e3"}', format: 'json' },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [31/Dec/9999:23:59:59 -1200]') },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [01/Jan/0001:00:00:00 +0100]') },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [10/Oct/2026:13:55:36 +9999]') },
  { data: line(`"GET / HTTP/1.1" 200 9223372036854775807 "-" "x"`) },
  // Quarantined, one per reason.
  { data: '' },
  { data: 'hello world' },
  { data: '1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET /produ' },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [2026-11-01 25:61:61]') },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [-]') },
  { data: line(`"GET / HTTP/1.1" 200 x "-" "x"`) },
  { data: line(`"GET / HTTP/1.1" 200 1`) },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`), format: 'vcombined' },
  // Parsed as common, the combined fields kept in trailing_text.
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`), format: 'common' },
  { data: '#Fields: date time', format: 'w3c' },
  { data: '{"remote_addr":"1.2.3.4","req', format: 'json' },
  { data: '{"time_local":"04/Nov/2026:15:59:45 +0000","request":"GET / HTTP/1.1","status":200}', format: 'json' },
  { data: '{"time_local":"04/Nov/2026:15:59:45 +0000","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":"-"}', format: 'json' },
  { data: Buffer.from([0x47, 0x45, 0x54, 0xc3, 0x28, 0xff]) },
  // Addresses for ip_locations: in a range, private, loopback, mapped, not an address.
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '81.2.69.160 - - [10/Oct/2026:13:55:36 +0000]') },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '::ffff:81.2.69.161 - - [10/Oct/2026:13:55:36 +0000]') },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '10.1.2.3 - - [10/Oct/2026:13:55:36 +0000]') },
  { data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, 'localhost - - [10/Oct/2026:13:55:36 +0000]') },
];

function landing(): FixtureTable {
  const rows: Record<string, unknown>[] = [];
  let offset = 0;
  LINES.forEach(({ data, format }, i) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const attributes = {
      source: 'access.log',
      source_id: 'dev:1',
      line_number: String(i + 1),
      byte_offset: String(offset),
      format: format ?? 'combined',
      ingest_host: 'h',
      idempotency_key: `dev:1:${offset}`,
    };
    offset += bytes.length + 1;
    const row = {
      subscription_name: 'projects/p/subscriptions/s',
      message_id: `m${i}`,
      publish_time: new Date(Date.UTC(2026, 10, 1, 0, 0, i)),
      data: bytes,
      attributes,
      _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 0)),
    };
    rows.push(row);
    // A redelivery, and a re-send published later under another message id.
    if (i % 5 === 0)
      rows.push(
        { ...row, _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 3)) },
        {
          ...row,
          message_id: `m${i}-resend`,
          publish_time: new Date(Date.UTC(2026, 10, 1, 1, 0, i)),
          _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 1)),
        },
      );
  });
  // _PARTITIONTIME: BigQuery's ingestion-time pseudo-column (the hour a row landed), a column here.
  return {
    name: `${LANDING_DATASET}.${LANDING_TABLE}`,
    columns: [...LANDING_COLUMNS.map((c) => ({ name: c.name, type: c.bigquery })), { name: LANDING_ARRIVAL, type: 'TIMESTAMP' }],
    rows,
  };
}

/** A reference table with one range, stored under each of its buckets as `logflow geo load` does. */
function ranges(kind: RangeKind, list: [string, string, ...unknown[]][]): FixtureTable {
  const name = `${REF_DATASET}.${TABLES[kind]}`;
  const columns = GEO_SOURCE_COLUMNS[name]!;
  const rows = list.flatMap(([start, end, ...payload]) => {
    const startKey = ipKey(start)!;
    const endKey = ipKey(end)!;
    return bucketsOf(startKey, endKey).map((bucket) => [bucket, startKey, endKey, ...payload]);
  });
  return { name, columns, rows };
}

let zetasql: ZetaSQL;
beforeAll(async () => {
  zetasql = await startZetaSQL();
});
afterAll(async () => {
  await zetasql?.close();
});

describe('staging models on BigQuery (ZetaSQL) and DuckDB', () => {
  it('give the same rows for every format, edge case and quarantine reason', async () => {
    const results = await differential({
      models: ['stg_landing__lines', 'int_lines_parsed', 'parse_errors', 'ip_locations'],
      zetasql,
      tables: [
        landing(),
        ranges('country', [['81.2.69.0', '81.2.127.255', 'GB']]),
        ranges('asn', [['81.2.69.0', '81.2.69.255', 20712, 'Andrews & Arnold Ltd']]),
        ranges('city', [
          ['81.2.69.0', '81.2.69.255', 'GB', 'England', 'London'],
          ['81.2.70.0', '81.2.70.255', 'GB', null, null],
        ]),
      ],
    });
    for (const r of results) expect(r.differences, r.model).toEqual([]);
    const [lines, parsed, errors, ips] = results;
    expect(lines!.bigquery).toHaveLength(LINES.length);
    expect(parsed!.bigquery).toHaveLength(LINES.length);
    expect(errors!.bigquery).toHaveLength(19);
    const reasonAt = errors!.columns.findIndex((c) => c.name === 'parse_error');
    const reasons = errors!.bigquery.map((r) => (JSON.parse(r) as unknown[])[reasonAt]);
    expect(reasons.filter((r) => r === 'invalid status code')).toHaveLength(3);
    expect(reasons.filter((r) => r === 'invalid timestamp')).toHaveLength(4);
    expect(reasons).toContain('byte count too large (over 1 TiB)');
    expect(ips!.bigquery.some((r) => r.includes('"GB","20712","Andrews & Arnold Ltd","England","London"'))).toBe(true);
  }, 60_000);
});
