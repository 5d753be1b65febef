import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { canonical, compareCanonical, differential, type FixtureTable } from '../support/differential.ts';
import type { TypedColumn } from '../../check/catalog.ts';
import { formatProblem, runCheck } from '../../check/run.ts';
import { parseType } from '../../check/types.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { LANDING_ARRIVAL, LANDING_COLUMNS, LANDING_DATASET, LANDING_TABLE } from '../../pipeline/landing.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const fixture = resolve(import.meta.dirname, '../fixtures/check-project');
const sample = resolve(repoRoot, '../shared/data/elastic-apache-10k.log');
const hasSample = existsSync(sample);
if (!hasSample) console.warn(`skipping the elastic sample differential cases: ${sample} not found`);

/** Edge cases of the parsing issues: offsets, IPv6, '-' sizes, query strings, an unclosed user-agent quote, junk, invalid UTF-8. */
const EDGE_LINES: (string | Buffer)[] = [
  '10.0.0.1 - - [17/May/2015:10:05:03 +0200] "GET /a?b=1&c=2 HTTP/1.1" 200 - "-" "-"',
  '2001:db8::1 - frank [31/Dec/2015:23:59:59 -0800] "POST /login HTTP/1.0" 302 0 "http://example.com/" "curl/7.0"',
  '10.0.0.2 - - [17/May/2015:10:05:03 +0000] "GET /x HTTP/1.1" 200 12 "-" "Mozilla/5.0 (unclosed',
  '10.0.0.3 - - [17/May/2015:10:05:03 +0000] "-" 400 0 "-" "-"',
  'not an access log line',
  '',
  Buffer.concat([
    Buffer.from('10.0.0.4 - - [17/May/2015:10:05:03 +0000] "GET /caf'),
    Buffer.from([0xe9, 0xff]),
    Buffer.from(' HTTP/1.1" 200 5 "-" "-"'),
  ]),
];

/** Quarantined and not valid UTF-8: parse_errors gives its bytes from raw_bytes, the other quarantined lines' from raw_line. */
const INVALID_UTF8_JUNK = Buffer.from([0x47, 0x45, 0x54, 0xc3, 0x28, 0xff]);

/** Lines of the other formats and the parsing rules' corner cases, with the ingester's format attribute (undefined: none sent). */
const FORMAT_LINES: { data: string; format: string | undefined }[] = [
  { format: 'common', data: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326' },
  { format: 'vcombined', data: 'www.example.com:443 10.0.0.5 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"' },
  { format: 'vcombined', data: 'www.example.com 10.0.0.5 - - [17/May/2015:10:05:04 +0000] "GET /v HTTP/1.1" 200 5 "-" "UA"' },
  {
    format: 'json',
    data: '{"remote_addr":"10.0.0.6","time_local":"17/May/2015:10:05:03 +0000","request":"GET /j?x=1 HTTP/1.1","status":"200","body_bytes_sent":"5","http_referer":"","http_user_agent":"x"}',
  },
  {
    format: 'json',
    data: '{"ip":"10.0.0.6","time_iso8601":"2015-05-17T10:05:03+02:00","method":"POST","uri":"/k","protocol":"HTTP/2.0","status":404,"bytes":0}',
  },
  { format: 'json', data: '{"remote_addr": "10.0.0.6", "status": "abc"' },
  { format: 'COMBINED', data: '10.0.0.7 - - [17/May/2015:10:05:03 +0000] "GET /a\\"b HTTP/1.1" 200 5 "-" "Mozilla \\"quoted\\" \\\\ x"' },
  { format: 'combined', data: '10.0.0.8 - - [17/May/2015:10:05:03 +0000] "GET /cr HTTP/1.1" 200 5 "-" "UA"\r' },
  { format: 'combined', data: '10.0.0.8 - - [17/May/2015:10:05:03 +0000] "GET /junk HTTP/1.1" 200 5 "-" "UA" trailing' },
  { format: 'combined', data: '10.0.0.9 - - [32/May/2015:10:05:03 +0000] "GET /baddate HTTP/1.1" 200 5 "-" "UA"' },
  { format: 'combined', data: '10.0.0.9 - - [17/May/2015:10:05:03 +0000] "GARBAGE" 400 0 "-" "-"' },
  { format: undefined, data: '10.0.0.10 - - [17/May/2015:10:05:03 +0000] "GET /noformat HTTP/1.1" 200 5 "-" "UA"' },
  { format: 'xml', data: '<request/>' },
];

/** Landing rows as the Pub/Sub subscription writes them, with the ingester's attributes; `redeliver` repeats some. */
function landingRows(lines: (string | Buffer | { data: string; format: string | undefined })[], redeliver = false): FixtureTable {
  const rows: Record<string, unknown>[] = [];
  let offset = 0;
  lines.forEach((item, i) => {
    const line = typeof item === 'string' || Buffer.isBuffer(item) ? { data: item, format: 'combined' as string | undefined } : item;
    const bytes = typeof line.data === 'string' ? Buffer.from(line.data) : line.data;
    const attributes: Record<string, string> = {
      source: 'access.log',
      source_id: 'dev:1',
      line_number: String(i + 1),
      byte_offset: String(offset),
      ingest_host: 'h',
      idempotency_key: `dev:1:${offset}`,
    };
    if (line.format !== undefined) attributes.format = line.format;
    offset += bytes.length + 1;
    const row = {
      subscription_name: 'projects/p/subscriptions/s',
      message_id: `m${i}`,
      publish_time: new Date(Date.UTC(2026, 10, 1, 0, 0, i % 50)),
      data: bytes,
      attributes,
      _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 1)),
    };
    rows.push(row);
    // At-least-once delivery: the same message again, and an ingester re-send under a new message id, same publish time (a tie).
    if (redeliver && i % 7 === 0) rows.push({ ...row }, { ...row, message_id: `m${i}-resend` });
  });
  // _PARTITIONTIME: BigQuery's ingestion-time pseudo-column (the hour a row landed), a column here.
  return {
    name: `${LANDING_DATASET}.${LANDING_TABLE}`,
    columns: [...LANDING_COLUMNS.map((c) => ({ name: c.name, type: c.bigquery })), { name: LANDING_ARRIVAL, type: 'TIMESTAMP' }],
    rows,
  };
}

const sampleLines = (n: number) => (hasSample ? readFileSync(sample, 'utf8').split('\n').filter(Boolean).slice(0, n) : []);

let zetasql: ZetaSQL;
const dirs: string[] = [];
beforeAll(async () => {
  zetasql = await startZetaSQL();
});
afterAll(async () => {
  await zetasql.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('canonical()', () => {
  it.each([
    { type: 'INT64', value: 42n, expected: '42' },
    { type: 'TIMESTAMP', value: '2015-05-17T10:05:03.000001Z', expected: '2015-05-17T10:05:03.000001Z' },
    { type: 'BYTES', value: Buffer.from([0xe9]), expected: 'e9' },
    { type: 'JSON', value: '{"b":1,"a":[2]}', expected: '{"a":[2],"b":1}' },
    { type: 'NUMERIC', value: '1.500', expected: '1.5' },
    { type: 'STRUCT<a INT64, b ARRAY<STRING>>', value: { a: 1n, b: ['x', null] }, expected: { a: '1', b: ['x', null] } },
  ])('gives $type $value a comparable form', ({ type, value, expected }) => {
    expect(canonical(value, parseType(type))).toEqual(expected);
  });
});

describe('compareCanonical()', () => {
  it.each([
    { bq: ['a', 'b'], dd: ['a', 'b'], expected: [] },
    { bq: ['a', 'a'], dd: ['a'], expected: ['row count: BigQuery 2, DuckDB 1', 'only in BigQuery: a'] },
    { bq: ['["x",null]'], dd: ['["x",""]'], expected: ['only in BigQuery: ["x",null]', 'only in DuckDB: ["x",""]'] },
  ])('compares $bq with $dd as multisets', ({ bq, dd, expected }) => {
    expect(compareCanonical(bq, dd)).toEqual(expected);
  });
});

describe('differential()', () => {
  it('finds the fixture staging models equal on BigQuery (ZetaSQL) and DuckDB, edge cases included', async () => {
    const results = await differential({
      projectDir: fixture,
      models: ['stg_landing__lines', 'stg_landing__requests'],
      zetasql,
      tables: [landingRows([...EDGE_LINES, ...sampleLines(200)])],
    });
    expect(results.map((r) => [r.model, r.differences])).toEqual([
      ['logflow.stg_landing__lines', []],
      ['logflow.stg_landing__requests', []],
    ]);
    expect(results[1]!.bigquery).toContain('["m0","10.0.0.1","2015-05-17T08:05:03.000000Z","200","2026-11-01T00:00:00.000000Z"]');
  });

  it("reports the rows where a DuckDB spelling departs from BigQuery semantics (regexp_extract: '' instead of NULL)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-diff-'));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    const dialect = join(dir, 'includes/dialect.js');
    const fixed = "`case when regexp_matches(${text}, '${pattern}') then regexp_extract(${text}, '${pattern}', 1) end`";
    const text = readFileSync(dialect, 'utf8');
    expect(text).toContain(fixed);
    writeFileSync(dialect, text.replace(fixed, "`regexp_extract(${text}, '${pattern}', 1)`"));
    const results = await differential({
      projectDir: dir,
      models: ['stg_landing__lines', 'stg_landing__requests'],
      zetasql,
      tables: [landingRows(EDGE_LINES)],
    });
    expect(results[0]!.differences).toEqual([]);
    expect(results[1]!.differences).toEqual([
      'only in BigQuery: ["m4",null,null,null,"2026-11-01T00:00:04.000000Z"]',
      'only in BigQuery: ["m5",null,null,null,"2026-11-01T00:00:05.000000Z"]',
      'only in DuckDB: ["m4","",null,null,"2026-11-01T00:00:04.000000Z"]',
      'only in DuckDB: ["m5","",null,null,"2026-11-01T00:00:05.000000Z"]',
    ]);
  });
});

describe("differential() on the project's models", () => {
  it('gives identical staging parse and dedupe results (stg_landing__lines -> int_lines_parsed -> parse_errors)', async () => {
    const lines = [...EDGE_LINES, INVALID_UTF8_JUNK, ...FORMAT_LINES, ...sampleLines(300)];
    const results = await differential({
      models: ['stg_landing__lines', 'int_lines_parsed', 'parse_errors'],
      zetasql,
      tables: [landingRows(lines, true)],
    });
    for (const r of results) expect(r.differences, r.model).toEqual([]);
    // Redeliveries and re-sends collapse: one row per distinct line, at every step.
    for (const r of results.slice(0, 2)) expect(r.bigquery, r.model).toHaveLength(lines.length);
    // Every quarantined line's exact bytes, valid UTF-8 or not (raw_bytes is stored for invalid UTF-8 only).
    const quarantined = results[2]!;
    const rawBytes = quarantined.columns.findIndex((c) => c.name === 'raw_bytes');
    expect(quarantined.bigquery.length).toBeGreaterThan(2);
    for (const row of quarantined.bigquery) expect((JSON.parse(row) as unknown[])[rawBytes], row).not.toBeNull();
    expect(quarantined.bigquery.join('\n')).toContain('474554c328ff');
  });

  it('gives identical sessions and visitor counts (int_requests_sessionized -> sessions; visitor_days -> daily_visitors), edge cases included', async () => {
    const check = await runCheck({ zetasql, actions: ['requests'] });
    expect(check.problems.map(formatProblem)).toEqual([]);
    const columns = check.outputs.find((o) => o.action === 'logflow.requests')!.columns;
    const requests = requestRows(columns);
    // The daily outputs find the new requests' dates in int_lines_parsed (by arrival): the same rows.
    const parsed: FixtureTable = {
      name: 'logflow.int_lines_parsed',
      columns: [
        { name: 'line_id', type: 'STRING' },
        { name: 'is_parsed', type: 'BOOL' },
        { name: 'received_at', type: 'TIMESTAMP' },
        { name: 'requested_at', type: 'TIMESTAMP' },
        { name: 'staged_at', type: 'TIMESTAMP' },
      ],
      rows: requests.rows.map((r) => {
        const row = r as Record<string, unknown>;
        return {
          line_id: row.request_id,
          is_parsed: true,
          received_at: row.received_at,
          requested_at: row.requested_at,
          staged_at: row.staged_at,
        };
      }),
    };
    const results = await differential({
      models: ['int_requests_sessionized', 'sessions', 'visitor_days', 'daily_visitors'],
      zetasql,
      tables: [requests, parsed],
    });
    for (const r of results) expect(r.differences, r.model).toEqual([]);
    // The edge cases are exercised: the edge visitor's gap of exactly the timeout and the tie, the bot cut at sessionMaxMinutes.
    const sessions = results[1]!;
    const col = (name: string) => sessions.columns.findIndex((c) => c.name === name);
    const hitsOf = (ip: string, ua: string) =>
      sessions.bigquery
        .map((r) => JSON.parse(r) as unknown[])
        .filter((r) => r[col('client_ip')] === ip && r[col('user_agent')] === ua)
        .map((r) => Number(r[col('hits')]))
        .sort((a, b) => a - b);
    expect(hitsOf('10.9.9.9', 'edge')).toEqual([1, 1, 2, 2]);
    expect(hitsOf('2001:db8::7', 'Googlebot/2.1')).toEqual([4, 72]);
  });
});

const STATIC = /\.(?:css|js|png|jpe?g|gif|ico|svg|woff2?|ttf)$/i;

/** logflow.requests rows (the model's analysed BigQuery columns; unlisted columns NULL) from the sample plus sessionisation edge cases. */
function requestRows(columns: TypedColumn[]): FixtureTable {
  type Hit = { ip: string; ua: string | null; at: string | null; status?: number; path?: string; bot?: boolean };
  const hits: Hit[] = [];
  for (const line of sampleLines(300)) {
    const m = /^(\S+) \S+ \S+ \[([^\]]+)\] "\S+ (\S+)[^"]*" (\d{3}) \S+(?: "[^"]*" "([^"]*)")?/.exec(line);
    if (!m) continue;
    const [, ip, time, path, status, ua] = m;
    const at = new Date(time!.replace(/^(\d+)\/(\w+)\/(\d+):(\d+:\d+:\d+) ([+-]\d{4})$/, '$2 $1 $3 $4 $5')).toISOString();
    hits.push({ ip: ip!, ua: ua ?? null, at, status: Number(status), path, bot: /bot|crawl|spider/i.test(ua ?? '') });
  }
  const t0 = Date.parse('2015-05-17T23:50:00Z');
  const at = (minutes: number, seconds = 0) => new Date(t0 + minutes * 60_000 + seconds * 1000).toISOString();
  // One visitor: a gap just under the timeout, exactly the timeout (new session), a tie on requested_at, across midnight.
  for (const [m, sec] of [
    [0, 0],
    [29, 59],
    [59, 59],
    [59, 59],
    [89, 59],
    [200, 0],
  ] as const)
    hits.push({ ip: '10.9.9.9', ua: 'edge', at: at(m, sec) });
  // Same IP, other user agent: another visitor.
  hits.push({ ip: '10.9.9.9', ua: 'other', at: at(1) });
  // A visitor with only 4xx responses (counted only in unique_visitors_with_4xx), and NULL user agent.
  hits.push({ ip: '10.8.8.8', ua: null, at: at(5), status: 404 }, { ip: '10.8.8.8', ua: null, at: at(6), status: 403 });
  // A bot that never pauses for 25 hours: cut by sessionMaxMinutes (1440).
  for (let m = 0; m <= 25 * 60; m += 20) hits.push({ ip: '2001:db8::7', ua: 'Googlebot/2.1', at: at(m), bot: true });
  // No request time: left out of sessions.
  hits.push({ ip: '10.7.7.7', ua: 'x', at: null });
  const rows = hits.map((h, i) => {
    const path = h.path ?? '/';
    const values: Record<string, unknown> = {
      request_id: `r${String(i).padStart(4, '0')}`,
      client_ip: h.ip,
      ip_key: ipv4Key(h.ip),
      user_agent: h.ua,
      path,
      method: 'GET',
      status: h.status ?? 200,
      status_class: `${String(h.status ?? 200)[0]}xx`,
      response_bytes: 100 + i,
      is_bot: h.bot ?? false,
      is_static: STATIC.test(path),
      is_page_view: !STATIC.test(path) && (h.status ?? 200) < 400,
      browser_name: h.bot ? null : 'Chrome',
      requested_at: h.at,
      received_at: '2026-11-01T00:00:00Z',
      staged_at: '2026-11-01T00:05:00Z',
      source: 'access.log',
      log_format: 'combined',
    };
    return Object.fromEntries(columns.map((c) => [c.name, values[c.name] ?? null]));
  });
  return { name: 'logflow.requests', columns, rows };
}

/** TO_HEX(NET.SAFE_IP_FROM_STRING(ip)) for IPv4 (the canonical key requests carries); NULL otherwise. */
function ipv4Key(ip: string): string | null {
  const parts = ip.split('.');
  return parts.length === 4 ? parts.map((p) => Number(p).toString(16).padStart(2, '0')).join('') : null;
}
