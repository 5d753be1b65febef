import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { LANDING_ARRIVAL, LANDING_COLUMNS, LANDING_DATASET, LANDING_TABLE } from '../../pipeline/landing.ts';
import { differential, type FixtureTable, type ModelComparison } from '../support/differential.ts';
import { FORMAT_CASES, JSON_CASES, REQUEST_LINE_CASES } from './cases.ts';

// The parse model on a table of realistic lines of every format (tests/formats/cases.ts) and
// every real-world request-line case: stg_landing__lines and int_lines_parsed compiled for
// BigQuery and run in ZetaSQL's reference evaluator must give exactly the rows their DuckDB
// compilation gives in DuckDB, every line must parse, and the typed fields must be the expected
// ones. A custom format comes in through the var customLogFormat, and a Cloud Logging LogEntry
// lands as a Log Router sink publishes it (no ingester attributes).

const CUSTOM_APACHE = FORMAT_CASES.find((c) => c.name === 'TLS, MIME type, header_out')!;
const CUSTOM_VAR = CUSTOM_APACHE.format.replace(/^apache:/, '');

interface Line {
  data: string;
  /** The format attribute; null: a message without ingester attributes (Cloud Logging sink). */
  format: string | null;
  name: string;
  expected?: Record<string, unknown>;
  messageId?: string;
}

const COMBINED_HEAD = '203.0.113.7 - - [29/Nov/2026:10:00:00 +0000]';

const LINES: Line[] = [
  ...FORMAT_CASES.filter((c) => !/^(apache|nginx|w3c):/.test(c.format)).map((c) => ({
    data: c.line,
    format: c.format,
    name: `${c.format}: ${c.name}`,
  })),
  ...JSON_CASES.map((c) => ({ data: c.line, format: c.format, name: `${c.format}: ${c.name}` })),
  { data: CUSTOM_APACHE.line, format: 'custom', name: 'custom (var customLogFormat): Apache with TLS and MIME type' },
  // Issue 14's request lines inside a combined line (a real newline only fits in a JSON line).
  ...REQUEST_LINE_CASES.filter((c) => !c.request.includes('\n')).map((c) => ({
    data: `${COMBINED_HEAD} "${c.request}" 200 1 "-" "x"`,
    format: 'combined',
    name: `request line ${JSON.stringify(c.request)}`,
    expected:
      c.expected === null
        ? { method: null, path: null, protocol: null, is_request_line_valid: false }
        : {
            method: c.expected[0],
            path: c.expected[1],
            query: c.expected[2] || null,
            protocol: c.expected[3] || null,
            is_request_line_valid: true,
          },
  })),
  {
    data: '{"remote_addr":"192.0.2.60","time_local":"29/Nov/2026:10:00:00 +0000","request":"GET /index.html HTTP/1.1\\n","status":200,"body_bytes_sent":5,"request_time":0.25,"ssl_protocol":"TLSv1.3"}',
    format: 'json',
    name: 'json: request line with a real stray newline, numeric request_time',
    expected: { path: '/index.html', protocol: 'HTTP/1.1', request_time_us: '250000', tls_protocol: 'TLSv1.3' },
  },
  {
    data: `${COMBINED_HEAD} "GET /a.html   HTTP/1.0" 200 12 "-" "curl/8.0" 0.004 "-"`,
    format: 'combined',
    name: 'combined: runs of spaces and two trailing fields',
    expected: { path: '/a.html', protocol: 'HTTP/1.0', user_agent: 'curl/8.0', trailing_text: '0.004 "-"', request_time_us: null },
  },
  { data: '', format: 'combined', name: 'empty line', expected: { parse_error: 'empty line' } },
  { data: '   ', format: 'awsalb', name: 'blank line', expected: { parse_error: 'empty line' } },
  {
    data: '{"insertId":"abc","logName":"projects/p/logs/stdout","textPayload":"hello","timestamp":"2026-11-29T10:00:00Z","httpRequest":{}}',
    format: 'cloud_logging',
    name: 'Cloud Logging entry without a request',
    expected: { parse_error: 'Cloud Logging entry without an httpRequest' },
  },
];

/** Typed fields per line name (DuckDB's canonical text; the differential makes BigQuery equal). */
const EXPECTED: Record<string, Record<string, unknown>> = {
  'combined: extra fields after the UA kept in extra': { trailing_text: '0.004 "-"', user_agent: 'Wget/1.21', path: '/x' },
  'combined: user agent without its closing quote (elastic sample)': { has_unclosed_user_agent_quote: true },
  'vcombined: vhost and port': { vhost: 'www.example.com', host: 'www.example.com', path: '/' },
  'vcommon: plain': { vhost: 'www.example.com', path: '/robots.txt', response_bytes: '68' },
  'w3c: IIS default': {
    method: 'GET',
    path: '/default.aspx',
    query: null,
    request_line: 'GET /default.aspx',
    request_time_us: '46000',
    requested_at: '2026-11-29T10:00:00Z',
    auth_user: null,
  },
  'w3c: IIS 401 with user and query': { query: 'ReturnUrl=%2F', auth_user: 'CONTOSO\\jdoe', status: '401', request_time_us: '3000' },
  'cloudfront: AWS example hit': {
    host: 'd111111abcdef8.cloudfront.net',
    vhost: 'd111111abcdef8.cloudfront.net',
    cache_status: 'Hit',
    tls_protocol: 'TLSv1.2',
    tls_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
    mime_type: 'text/html',
    request_time_us: '1000',
    protocol: 'HTTP/2.0',
  },
  'cloudfront: miss with query, IPv6': { host: 'demo.example.com', query: 'a=1&b=2', request_time_us: '82000' },
  'squid: miss': {
    method: 'GET',
    path: '/',
    host: 'www.google.com',
    vhost: null,
    cache_status: 'TCP_MISS',
    mime_type: 'text/html',
    request_time_us: '180000',
    requested_at: '2010-10-08T11:11:48.779Z',
  },
  'squid: CONNECT tunnel, user': { method: 'CONNECT', path: 'example.com:443', auth_user: 'alice', mime_type: null },
  'cloudstorage: GET object': {
    path: '/download/storage/v1/b/bucket/o/obj',
    query: 'alt=media',
    request_time_us: '31000',
    host: 'storage.googleapis.com',
    requested_at: '2020-06-08T20:50:01Z',
  },
  'awselb: HTTP': { path: '/', host: 'www.example.com', vhost: 'my-loadbalancer', request_time_us: '1048', tls_cipher: null },
  'awselb: backend failed (-1, -)': { request_time_us: null, status: '504' },
  'awsalb: http': { request_time_us: '1000', host: 'www.example.com', requested_at: '2018-07-02T22:23:00.186641Z' },
  'awsalb: h2 with TLS and domain': { host: '10.0.2.105', vhost: 'www.example.com', tls_protocol: 'TLSv1.2', request_time_us: '2000' },
  'awss3: REST.GET.VERSIONING': {
    vhost: 'awsexamplebucket1',
    host: 'awsexamplebucket1.s3.us-west-1.amazonaws.com',
    path: '/awsexamplebucket1',
    query: 'versioning',
    request_time_us: '7000',
    tls_protocol: 'TLSV1.2',
  },
  'traefikclf: router and server': { vhost: 'whoami@docker', host: null, request_time_us: '2000', path: '/whoami' },
  'caddy: Caddy v2 access log over TLS': {
    client_ip: '127.0.0.1',
    path: '/',
    query: 'a=1',
    host: 'localhost',
    tls_protocol: 'TLSv1.3',
    tls_cipher: 'TLS_AES_128_GCM_SHA256',
    mime_type: 'text/html; charset=utf-8',
    request_time_us: '930',
    requested_at: '2022-03-09T21:30:01.524102Z',
    auth_user: null,
  },
  'caddy: Caddy 404 with IPv6 client': { requested_at: '2023-11-14T22:13:20Z', request_time_us: '51', status: '404' },
  'cloud_logging: external HTTP(S) load balancer': {
    method: 'GET',
    path: '/index.html',
    query: 'utm=x',
    host: 'www.example.com',
    vhost: null,
    response_bytes: '5120',
    request_time_us: '12345',
    cache_status: 'HIT',
    requested_at: '2026-11-29T10:00:00.123456Z',
    request_line: 'GET https://www.example.com/index.html?utm=x HTTP/1.1',
  },
  'cloud_logging: Cloud Run, no referrer': { request_time_us: '734812', status: '201', cache_status: null },
  'custom (var customLogFormat): Apache with TLS and MIME type': {
    vhost: 'www.example.com',
    host: 'www.example.com',
    tls_protocol: 'TLSv1.3',
    tls_cipher: 'TLS_AES_256_GCM_SHA384',
    mime_type: 'text/html; charset=utf-8',
    request_time_us: '2000000',
    response_bytes: '0',
    trailing_text: null,
  },
};

/** The Cloud Logging entry a Log Router sink publishes: the LogEntry as data, one attribute, published twice. */
const SINK_ENTRY = JSON_CASES.find((c) => c.name === 'Cloud Run, no referrer')!.line.replace(
  '"insertId"',
  '"logName":"projects/p/logs/run.googleapis.com%2Frequests","insertId"',
);

function landing(): FixtureTable {
  let offset = 0;
  const rows: Record<string, unknown>[] = LINES.map(({ data, format }, i) => {
    const bytes = Buffer.from(data);
    const attributes = {
      source: 'access.log',
      source_id: 'dev:1',
      line_number: String(i + 1),
      byte_offset: String(offset),
      format,
      ingest_host: 'h',
      idempotency_key: `dev:1:${offset}`,
    };
    offset += bytes.length + 1;
    return {
      subscription_name: 'projects/p/subscriptions/s',
      message_id: `m${i}`,
      publish_time: new Date(Date.UTC(2026, 10, 1, 0, 0, 0, i)),
      data: bytes,
      attributes,
      _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 0)),
    };
  });
  for (const [i, messageId] of ['sink-1', 'sink-2'].entries())
    rows.push({
      subscription_name: 'projects/p/subscriptions/s',
      message_id: messageId,
      publish_time: new Date(Date.UTC(2026, 10, 1, 0, 0, 1, i)),
      data: Buffer.from(SINK_ENTRY),
      attributes: { 'logging.googleapis.com/timestamp': '2026-11-29T10:00:02.5Z' },
      _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 0)),
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

let zetasql: ZetaSQL;
let staged: Record<string, unknown>[];
let parsed: Record<string, unknown>[];
beforeAll(async () => {
  zetasql = await startZetaSQL();
  const [lines, lineRows] = await differential({
    models: ['stg_landing__lines', 'int_lines_parsed'],
    zetasql,
    tables: [landing()],
    vars: { customLogFormat: CUSTOM_VAR },
  });
  for (const r of [lines!, lineRows!]) expect(r.differences, r.model).toEqual([]);
  staged = rowsOf(lines!);
  parsed = rowsOf(lineRows!);
}, 120_000);
afterAll(async () => {
  await zetasql?.close();
});

/** A canonical timestamp (`2026-11-29T10:00:00.500000Z`) without trailing zeros: `2026-11-29T10:00:00.5Z`. */
function iso(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/\.?0+Z$/, 'Z') : value;
}

function byLine(lineNumber: number): Record<string, unknown> {
  const row = parsed.find((r) => String(r.line_number) === String(lineNumber));
  expect(row, `line ${lineNumber}`).toBeDefined();
  return row!;
}

describe('int_lines_parsed on every format (ZetaSQL evaluator vs DuckDB)', () => {
  it.each(LINES.map((l, i) => ({ ...l, lineNumber: i + 1 })))('$name', ({ lineNumber, name, expected, data }) => {
    const row = byLine(lineNumber);
    const want = { parse_error: null, ...(EXPECTED[name] ?? {}), ...(expected ?? {}) };
    if (want.parse_error === null && data.trim() !== '') {
      expect(row.client_ip, 'client_ip').not.toBeNull();
      expect(row.requested_at, 'requested_at').not.toBeNull();
    }
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, k === 'requested_at' ? iso(row[k]) : row[k]]));
    const wanted = Object.fromEntries(Object.entries(want).map(([k, v]) => [k, typeof v === 'boolean' || v === null ? v : String(v)]));
    expect(got).toEqual(wanted);
    if (row.path !== null) expect(String(row.path)).not.toMatch(/\s|^[A-Za-z]+\/\d/);
  });

  it('lands a Cloud Logging sink message (no ingester attributes) once, as cloud_logging, keyed by its insertId', () => {
    const sink = staged.filter((r) => r.source === null);
    expect(sink).toHaveLength(1);
    expect(sink[0]!.log_format).toBe('cloud_logging');
    const row = parsed.find((r) => r.line_id === sink[0]!.line_id)!;
    expect(row).toMatchObject({
      parse_error: null,
      log_format: 'cloud_logging',
      method: 'POST',
      path: '/api/v1/items',
      host: 'svc-abc-uc.a.run.app',
      client_ip: '2001:db8::44',
      status: '201',
      response_bytes: '87',
      request_time_us: '734812',
    });
    expect(iso(row.requested_at)).toBe('2026-11-29T10:00:02.5Z');
  });

  it('covers every format the model parses', () => {
    const formats = new Set(parsed.filter((r) => r.parse_error === null).map((r) => r.log_format));
    for (const name of [
      'combined',
      'vcombined',
      'common',
      'vcommon',
      'w3c',
      'squid',
      'cloudfront',
      'cloudstorage',
      'awselb',
      'awsalb',
      'awss3',
      'caddy',
      'traefikclf',
      'json',
      'cloud_logging',
      'custom',
    ])
      expect([...formats], name).toContain(name);
  });
});
