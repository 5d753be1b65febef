import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGeoTables } from '../../geo/load.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { queryRows, runModels, testWarehouse } from '../support/pipeline.ts';

// Parsing, quarantine, dedupe and conservation of the staging models (stg_landing__lines,
// int_lines_parsed, parse_errors, requests), run for real on DuckDB.

const run = (wh: Warehouse, options: Parameters<typeof runModels>[1] = {}) =>
  runModels(wh, { tags: ['requests'], includeDeps: true, ...options });

async function freshWarehouse(): Promise<Warehouse> {
  const wh = await testWarehouse();
  await ensureGeoTables(wh.connection);
  return wh;
}

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
const line = (rest: string, head = '203.0.113.9 - - [10/Oct/2026:13:55:36 +0000]') => `${head} ${rest}`;

interface ParseCase {
  name: string;
  data: string | Uint8Array;
  format?: string;
  expected: Record<string, unknown>;
}

const PARSED: ParseCase[] = [
  {
    name: 'combined',
    data: line(`"GET /a/b?x=1&y=2 HTTP/1.1" 200 512 "https://www.google.com/search?q=a" "${UA}"`),
    expected: {
      client_ip: '203.0.113.9',
      method: 'GET',
      path: '/a/b',
      query: 'x=1&y=2',
      protocol: 'HTTP/1.1',
      status: '200',
      response_bytes: '512',
      referrer: 'https://www.google.com/search?q=a',
      user_agent: UA,
      requested_at: '2026-10-10 13:55:36+00',
    },
  },
  {
    name: 'offset +0530 becomes UTC',
    data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [01/Jan/2026:00:10:00 +0530]'),
    expected: { requested_at: '2025-12-31 18:40:00+00' },
  },
  {
    name: 'offset -0700 becomes UTC',
    data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [10/Oct/2026:13:55:36 -0700]'),
    expected: { requested_at: '2026-10-10 20:55:36+00' },
  },
  {
    name: 'escaped quotes and backslashes are unescaped',
    data: line(`"GET /q\\"x HTTP/1.1" 200 1 "http://a.example/\\"r\\"" "Mozilla \\"quoted\\" back\\\\slash"`),
    expected: {
      path: '/q"x',
      referrer: 'http://a.example/"r"',
      user_agent: 'Mozilla "quoted" back\\slash',
      has_unclosed_user_agent_quote: false,
    },
  },
  {
    name: 'an unterminated user-agent quote at the end of the line is parsed and flagged',
    data: '46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /scripts/grok-py-test/configlib.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html',
    expected: {
      user_agent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html',
      has_unclosed_user_agent_quote: true,
      status: '200',
    },
  },
  {
    name: 'IPv6 client',
    data: line(`"GET / HTTP/2.0" 204 0 "-" "x"`, '2001:db8::42 - - [10/Oct/2026:13:55:36 +0000]'),
    expected: { client_ip: '2001:db8::42', ip_key: '20010db8000000000000000000000042', protocol: 'HTTP/2.0' },
  },
  {
    name: "'-' fields",
    data: line(`"GET / HTTP/1.1" 304 - "-" "-"`, '1.2.3.4 - frank [10/Oct/2026:13:55:36 +0000]'),
    expected: { response_bytes: '0', referrer: null, user_agent: null, user_agent_id: null, auth_user: 'frank' },
  },
  { name: 'odd method', data: line(`"PROPFIND /dav/ HTTP/1.1" 207 10 "-" "x"`), expected: { method: 'PROPFIND', path: '/dav/' } },
  {
    name: 'lower-case method kept as logged',
    data: line(`"get /x HTTP/1.0" 200 1 "-" "x"`),
    expected: { method: 'get', protocol: 'HTTP/1.0' },
  },
  { name: 'M-SEARCH *', data: line(`"M-SEARCH * HTTP/1.1" 400 0 "-" "x"`), expected: { method: 'M-SEARCH', path: '*' } },
  {
    name: "request '-' is kept, not split",
    data: line(`"-" 408 0 "-" "-"`),
    expected: { method: null, path: null, request_line: null, is_request_line_valid: false, status: '408' },
  },
  {
    name: 'TLS handshake on the HTTP port',
    data: line(`"\\x16\\x03\\x01\\x02" 400 226 "-" "-"`),
    expected: { method: null, is_request_line_valid: false, request_line: '\\x16\\x03\\x01\\x02' },
  },
  {
    name: 'HTTP/0.9 request without protocol',
    data: line(`"GET /old" 200 1 "-" "x"`),
    expected: { method: 'GET', path: '/old', protocol: null },
  },
  { name: 'query string with spaces', data: line(`"GET /s?q=a b HTTP/1.1" 200 1 "-" "x"`), expected: { path: '/s', query: 'q=a b' } },
  {
    name: 'very long path',
    data: line(`"GET /${'p'.repeat(20_000)} HTTP/1.1" 414 0 "-" "x"`),
    expected: { path: `/${'p'.repeat(20_000)}`, status: '414' },
  },
  {
    name: 'non-ASCII UTF-8 in path and Apache \\x escapes kept',
    data: line(`"GET /café/\\xc3\\xa9 HTTP/1.1" 200 1 "-" "Mozilla 日本"`),
    expected: { path: '/café/\\xc3\\xa9', user_agent: 'Mozilla 日本', is_valid_utf8: true },
  },
  {
    name: 'invalid UTF-8 is parsed with U+FFFD and flagged',
    data: Buffer.concat([Buffer.from(line(`"GET /x HTTP/1.1" 200 1 "-" "bad `)), Buffer.from([0xff, 0xfe]), Buffer.from('"')]),
    expected: { user_agent: 'bad \ufffd\ufffd', is_valid_utf8: false, status: '200' },
  },
  { name: 'trailing CR is ignored', data: line(`"GET / HTTP/1.1" 200 1 "-" "x"\r`), expected: { user_agent: 'x' } },
  {
    name: 'common line with combined fields: parsed as common, the rest kept in trailing_text',
    format: 'common',
    data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`),
    expected: { path: '/', referrer: null, user_agent: null, trailing_text: '"-" "x"' },
  },
  {
    name: 'common',
    format: 'common',
    data: '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
    expected: { path: '/apache_pb.gif', response_bytes: '2326', referrer: null, user_agent: null, requested_at: '2000-10-10 20:55:36+00' },
  },
  {
    name: 'vcombined with port',
    format: 'vcombined',
    data: `www.example.com:443 ${line(`"GET /v HTTP/2.0" 200 5 "https://www.example.com/" "${UA}"`)}`,
    expected: { vhost: 'www.example.com', client_ip: '203.0.113.9', path: '/v', user_agent: UA },
  },
  {
    name: 'vcombined without port',
    format: 'vcombined',
    data: `shop.example ${line(`"GET /v HTTP/2.0" 200 5 "-" "x"`)}`,
    expected: { vhost: 'shop.example', path: '/v' },
  },
  {
    name: 'json (nginx escape=json)',
    format: 'json',
    data: '{"time_local":"04/Nov/2026:15:59:45 +0100","remote_addr":"66.249.68.118","remote_user":"","request":"GET /search?q=a+b HTTP/1.1","status":200,"body_bytes_sent":19281,"http_referer":"","http_user_agent":"Mozilla \\"q\\" é","host":"www.example.com"}',
    expected: {
      client_ip: '66.249.68.118',
      auth_user: null,
      method: 'GET',
      path: '/search',
      query: 'q=a+b',
      status: '200',
      response_bytes: '19281',
      referrer: null,
      user_agent: 'Mozilla "q" é',
      vhost: 'www.example.com',
      requested_at: '2026-11-04 14:59:45+00',
    },
  },
  {
    name: 'json with time_iso8601 and split request fields',
    format: 'json',
    data: '{"time_iso8601":"2026-11-04T10:00:00.250+05:30","remote_addr":"::1","request_method":"POST","request_uri":"/api?x=1","server_protocol":"HTTP/1.1","status":"201","body_bytes_sent":"-"}',
    expected: {
      client_ip: '::1',
      method: 'POST',
      path: '/api',
      query: 'x=1',
      protocol: 'HTTP/1.1',
      status: '201',
      response_bytes: '0',
      requested_at: '2026-11-04 04:30:00+00',
    },
  },
];

const QUARANTINED: ParseCase[] = [
  { name: 'empty line', data: '', expected: { parse_error: 'empty line' } },
  {
    name: 'garbage',
    data: 'hello world',
    expected: { parse_error: 'no client address, ident, user and [timestamp] at the start of the line' },
  },
  {
    name: 'torn before the status',
    data: '1.2.3.4 - - [10/Oct/2026:13:55:36 +0000] "GET /produ',
    expected: { parse_error: 'no 3-digit status after the quoted request' },
  },
  {
    name: 'tail of a torn line',
    data: '200 512 "-" "Mozilla/5.0"',
    expected: { parse_error: 'no client address, ident, user and [timestamp] at the start of the line' },
  },
  {
    name: 'bad timestamp',
    data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [2026-11-01 25:61:61]'),
    expected: { parse_error: 'invalid timestamp' },
  },
  { name: "timestamp '-'", data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`, '1.2.3.4 - - [-]'), expected: { parse_error: 'no timestamp' } },
  {
    name: 'status OK',
    data: line(`"GET / HTTP/1.1" OK 1 "-" "x"`),
    expected: { parse_error: 'no 3-digit status after the quoted request' },
  },
  {
    name: 'byte count x',
    data: line(`"GET / HTTP/1.1" 200 x "-" "x"`),
    expected: { parse_error: 'no byte count (digits or -) after the status' },
  },
  {
    name: 'combined line without referrer and user agent',
    data: line(`"GET / HTTP/1.1" 200 1`),
    expected: { parse_error: 'no quoted referrer and user agent after the byte count' },
  },
  {
    name: 'unterminated referrer quote',
    data: line(`"GET / HTTP/1.1" 200 1 "http://a.example/`),
    expected: { parse_error: 'no quoted referrer and user agent after the byte count' },
  },
  {
    name: 'vcombined without a vhost',
    format: 'vcombined',
    data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`),
    expected: { parse_error: 'no vhost prefix, or no quoted referrer and user agent after the byte count' },
  },
  {
    name: 'unknown format',
    format: 'nope',
    data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`),
    expected: {
      parse_error: expect.stringMatching(
        /^unknown log format \(expected one of combined, vcombined, common, vcommon, w3c, .*json; custom needs the var customLogFormat\)$/,
      ),
    },
  },
  {
    // before the header below, which would decide its columns (includes/w3c.js)
    name: 'a line that is not W3C',
    format: 'w3c',
    data: line(`"GET / HTTP/1.1" 200 1 "-" "x"`),
    expected: { parse_error: 'the line does not have the fields of its format (w3c)' },
  },
  {
    name: 'a W3C directive line',
    format: 'w3c',
    data: '#Fields: date time',
    expected: { parse_error: 'W3C directive line (#Version, #Fields...), not a request' },
  },
  {
    name: 'json that is not JSON',
    format: 'json',
    data: '{"time_local":"04/Nov/2026:15:59:45 +0000","remote_addr":"1.2.3.4","req',
    expected: { parse_error: 'not valid JSON' },
  },
  {
    name: 'json without remote_addr',
    format: 'json',
    data: '{"time_local":"04/Nov/2026:15:59:45 +0000","request":"GET / HTTP/1.1","status":200}',
    expected: { parse_error: 'no client address' },
  },
  {
    name: "json time_local '-'",
    format: 'json',
    data: '{"time_local":"-","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":200}',
    expected: { parse_error: 'no timestamp' },
  },
  {
    name: "json status '-'",
    format: 'json',
    data: '{"time_local":"04/Nov/2026:15:59:45 +0000","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":"-"}',
    expected: { parse_error: 'invalid status code' },
  },
  {
    name: 'invalid UTF-8 garbage keeps its exact bytes',
    data: Buffer.from([0x47, 0x45, 0x54, 0xc3, 0x28, 0xff]),
    expected: {
      parse_error: 'no client address, ident, user and [timestamp] at the start of the line',
      is_valid_utf8: false,
      raw_line: 'GET\ufffd(\ufffd',
      raw_hex: '474554c328ff',
    },
  },
];

describe('staging models: parsing and quarantine', () => {
  let wh: Warehouse;
  const all = [...PARSED, ...QUARANTINED];
  beforeAll(async () => {
    wh = await freshWarehouse();
    await land(
      wh,
      all.map((c) => ({ data: c.data, format: c.format })),
    );
    await run(wh);
  });
  afterAll(() => wh?.close());

  it.each(PARSED.map((c) => ({ ...c, lineNumber: all.indexOf(c) + 1 })))('parses: $name', async ({ lineNumber, expected }) => {
    const rows = await queryRows(wh, `select * from logflow.requests where line_number = ${lineNumber}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(expected);
  });

  it.each(QUARANTINED.map((c) => ({ ...c, lineNumber: all.indexOf(c) + 1 })))(
    'quarantines: $name',
    async ({ lineNumber, expected, data }) => {
      const rows = await queryRows(
        wh,
        `select *, lower(hex(raw_bytes)) as raw_hex from logflow.parse_errors where line_number = ${lineNumber}`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject(expected);
      expect(rows[0]?.raw_hex).toBe(Buffer.from(data).toString('hex'));
      expect(await queryRows(wh, `select 1 from logflow.requests where line_number = ${lineNumber}`)).toHaveLength(0);
    },
  );

  it('accounts for every landed line exactly once', async () => {
    const [counts] = await queryRows(
      wh,
      'select (select count(*) from logflow.requests) as requests, (select count(*) from logflow.parse_errors) as errors',
    );
    expect(counts).toEqual({ requests: String(PARSED.length), errors: String(QUARANTINED.length) });
  });
});

describe('staging models: deduplication', () => {
  const text = line(`"GET /same HTTP/1.1" 200 1 "-" "x"`);
  const key = (offset: number) => ({ key: `k:${offset}`, offset });

  it('collapses redeliveries and re-sends into the earliest delivery; identical text at two offsets stays two requests', async () => {
    const wh = await freshWarehouse();
    try {
      await land(wh, [
        { data: text, messageId: 'm1', publishMs: 10, ...key(0) },
        { data: text, messageId: 'm1', publishMs: 10, ...key(0) }, // Pub/Sub redelivery
        { data: text, messageId: 'm2', publishMs: 5, ...key(0) }, // ingester re-send, published earlier
        { data: text, messageId: 'm3', publishMs: 20, ...key(0) }, // ingester re-send, later
        { data: text, messageId: 'm4', publishMs: 11, ...key(100) }, // same text, another offset
        { data: 'broken', messageId: 'm5', publishMs: 12, ...key(200) },
        { data: 'broken', messageId: 'm5', publishMs: 12, ...key(200) }, // redelivered parse error
      ]);
      await run(wh);
      expect(
        await queryRows(
          wh,
          'select line_id as request_id, published_at from logflow.stg_landing__lines where line_id in (select request_id from logflow.requests) order by line_id',
        ),
      ).toEqual([
        { request_id: 'k:0', published_at: '2026-11-01 00:00:00.005+00' },
        { request_id: 'k:100', published_at: '2026-11-01 00:00:00.011+00' },
      ]);
      expect(await queryRows(wh, 'select line_id, message_id from logflow.stg_landing__lines order by line_id')).toEqual([
        { line_id: 'k:0', message_id: 'm2' },
        { line_id: 'k:100', message_id: 'm4' },
        { line_id: 'k:200', message_id: 'm5' },
      ]);
      expect(await queryRows(wh, 'select count(*) as n from logflow.parse_errors')).toEqual([{ n: '1' }]);

      // A re-send long after (beyond the lookback) and a redelivery in a later run change nothing.
      await land(wh, [
        { data: text, messageId: 'm6', publishMs: 5 * 3600_000, ...key(0) },
        { data: 'broken', messageId: 'm5', publishMs: 5 * 3600_000 + 1, ...key(200) },
      ]);
      await run(wh);
      expect(
        await queryRows(
          wh,
          'select line_id as request_id, published_at from logflow.stg_landing__lines where line_id in (select request_id from logflow.requests) order by line_id',
        ),
      ).toEqual([
        { request_id: 'k:0', published_at: '2026-11-01 00:00:00.005+00' },
        { request_id: 'k:100', published_at: '2026-11-01 00:00:00.011+00' },
      ]);
      expect(await queryRows(wh, 'select count(*) as n from logflow.parse_errors')).toEqual([{ n: '1' }]);
    } finally {
      wh.close();
    }
  });

  it('fails the conservation assertion when a landed line is neither a request nor a parse error', async () => {
    const wh = await freshWarehouse();
    try {
      await land(wh, [{ data: text }, { data: line(`"GET /b HTTP/1.1" 200 1 "-" "x"`) }]);
      await run(wh);
      await wh.connection.run(`delete from logflow.requests where line_number = 2`);
      await expect(
        run(wh, { actions: ['lines_are_conserved_full_history'], tags: [], includeDeps: false, vars: { fullHistory: 'true' } }),
      ).rejects.toThrow(/lines_are_conserved_full_history.*1 row\(s\) violate it.*"lines":"2","requests":"1"/);
    } finally {
      wh.close();
    }
  });
});

const SAMPLE = resolve(import.meta.dirname, '../../../shared/data/elastic-apache-10k.log');

describe.skipIf(!existsSync(SAMPLE))('staging models: the real 10,000-line sample', () => {
  if (!existsSync(SAMPLE)) console.log(`skipping the real-sample test: ${SAMPLE} is absent`);

  it('parses every line, the unterminated user-agent quote included', async () => {
    const wh = await freshWarehouse();
    try {
      const text = readFileSync(SAMPLE);
      await bulkLand(wh, text);
      await run(wh);
      const [summary] = await queryRows(
        wh,
        `select count(*) as requests, count(distinct client_ip) as ips, count(distinct user_agent) as agents,
          sum(case when has_unclosed_user_agent_quote then line_number end) as unclosed_line,
          cast(min(requested_at) as varchar) as first, cast(max(requested_at) as varchar) as last
        from logflow.requests`,
      );
      expect(summary).toEqual({
        requests: '10000',
        ips: '1753',
        agents: '558',
        unclosed_line: '8899',
        first: '2015-05-17 10:05:00+00',
        last: '2015-05-20 21:05:59+00',
      });
      expect(await queryRows(wh, 'select count(*) as n from logflow.parse_errors')).toEqual([{ n: '0' }]);
    } finally {
      wh.close();
    }
  });
});

/** A line to land exactly: bytes, format and delivery. */
interface Landed {
  data: string | Uint8Array;
  format?: string;
  messageId?: string;
  publishMs?: number;
  offset?: number;
  key?: string;
}

/**
 * Lands lines through the DuckDB appender and one INSERT (landLines inserts row by row, which
 * is slow for 10,000 lines and cannot land an empty line). Attributes as the ingester sets them.
 */
async function land(wh: Warehouse, lines: Landed[]): Promise<void> {
  await wh.connection.run(
    `create or replace temp table fixture_lines (line_number bigint, byte_offset bigint, publish_ms bigint, message_id varchar, format varchar, idempotency_key varchar, data blob)`,
  );
  const appender = await wh.connection.createAppender('fixture_lines', 'main', 'temp');
  let offset = 0;
  for (const [i, l] of lines.entries()) {
    const bytes = typeof l.data === 'string' ? Buffer.from(l.data, 'utf8') : Buffer.from(l.data);
    const at = l.offset ?? offset;
    appender.appendBigInt(BigInt(i + 1));
    appender.appendBigInt(BigInt(at));
    appender.appendBigInt(BigInt(l.publishMs ?? i));
    appender.appendVarchar(l.messageId ?? `msg-${i + 1}`);
    appender.appendVarchar(l.format ?? 'combined');
    appender.appendVarchar(l.key ?? `test-id:${at}`);
    appender.appendBlob(new Uint8Array(bytes));
    appender.endRow();
    offset += bytes.length + 1;
  }
  appender.closeSync();
  await wh.connection.run(`insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes)
    select 'projects/local/subscriptions/logflow-local', message_id, timestamptz '2026-11-01 00:00:00+00' + publish_ms * interval 1 millisecond, data,
      json_object('source', 'test', 'source_id', 'test-id', 'line_number', cast(line_number as varchar), 'byte_offset', cast(byte_offset as varchar),
        'format', format, 'ingest_host', 'test-host', 'idempotency_key', idempotency_key)
    from fixture_lines`);
}

/** Lands a file's lines (LF-separated, bytes exact). */
async function bulkLand(wh: Warehouse, text: Buffer): Promise<void> {
  const lines: Landed[] = [];
  let offset = 0;
  while (offset < text.length) {
    let end = text.indexOf(0x0a, offset);
    if (end === -1) end = text.length;
    lines.push({ data: text.subarray(offset, end), offset });
    offset = end + 1;
  }
  await land(wh, lines);
}
