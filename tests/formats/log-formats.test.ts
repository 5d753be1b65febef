import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { loadInclude } from '../support/includes.ts';
import { FORMAT_CASES, JSON_CASES, REQUEST_LINE_CASES } from './cases.ts';

// Every compiled format's pattern, on every line of its table, must capture the expected fields
// in DuckDB (regexp_extract with a name list) and in ZetaSQL's reference evaluator (BigQuery's
// REGEXP_EXTRACT, one group per call via dialect.regexExtractFields), and in JavaScript (the
// autodetector's engine). Both warehouses are RE2; this checks it for these patterns.

interface Compiled {
  label: string;
  kind: 'regex' | 'json';
  pattern: string;
  fields: string[];
  paths: Record<string, (string | number)[][]>;
  time: Record<string, unknown> | null;
  units: Record<string, string>;
}
interface Dialect {
  regexExtractFields(expr: string, pattern: string, names: string[]): string;
  regexContains(expr: string, pattern: string): string;
  safeCast(expr: string, type: string): string;
  regexExtract(expr: string, pattern: string): string;
  formatTimestamp(format: string, expr: string): string;
}
interface LogFormats {
  compileFormat(description: string): Compiled;
  compileApache(format: string): Compiled;
  compileNginx(format: string): Compiled;
  compileW3c(line: string): Compiled;
  predefinedFormat(name: string): Compiled;
  jsonPath(path: (string | number)[]): string;
  secondsOf(d: Dialect, expr: string, unit: string): string;
  timestampOf(d: Dialect, compiled: Compiled, field: (name: string) => string): string;
  formatFromShape(d: Dialect, line: string): string;
  requestColumns(d: Dialect, compiled: Compiled, field: (name: string) => string): Record<string, string>;
  PREDEFINED_NAMES: string[];
  REQUEST_LINE_PATTERN: string;
  REQUEST_LINE_FIELDS: string[];
  URL_PATTERN: string;
  URL_FIELDS: string[];
}

const formats = loadInclude<LogFormats>('log_formats');
const dialect = loadInclude<{ forWarehouse(w: string): Dialect }>('dialect');
const duck = dialect.forWarehouse('duckdb');
const bq = dialect.forWarehouse('bigquery');

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let zetasql: ZetaSQL;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  zetasql = await startZetaSQL();
});
afterAll(async () => {
  connection?.closeSync();
  instance?.closeSync();
  await zetasql?.close();
});

/** '' for NULL (BigQuery gives NULL where DuckDB gives '' for a group that took no part). */
function blanks(struct: Record<string, unknown> | null | undefined, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, (struct?.[n] as string | null | undefined) ?? '']));
}

async function onDuckdb(line: string, pattern: string, names: string[]) {
  const reader = await connection.runAndReadAll(
    `select ${duck.regexContains('$1', pattern)} as matched, ${duck.regexExtractFields('$1', pattern, names)} as v`,
    [line],
  );
  const row = reader.getRowObjectsJson()[0] as { matched: boolean; v: Record<string, string> };
  return { matched: row.matched, fields: blanks(row.v, names) };
}

async function onBigquery(line: string, pattern: string, names: string[]) {
  const result = await zetasql.evaluate(
    `select ${bq.regexContains('line', pattern)} as matched, ${bq.regexExtractFields('line', pattern, names)} as v`,
    [],
    {
      variables: [{ name: 'line', type: 'STRING', value: line }],
    },
  );
  const row = result.rows[0] as { matched: boolean; v: Record<string, string | null> };
  return { matched: row.matched, fields: blanks(row.v, names) };
}

function inJavascript(line: string, pattern: string, names: string[]) {
  const m = new RegExp(pattern).exec(line);
  return { matched: m !== null, fields: Object.fromEntries(names.map((n, i) => [n, m?.[i + 1] ?? ''])) };
}

describe('predefinedFormat()', () => {
  it('knows every GoAccess predefined format and Cloud Logging', () => {
    expect(formats.PREDEFINED_NAMES.map((n) => n.toUpperCase()).sort()).toEqual(
      [
        'AWSALB',
        'AWSELB',
        'AWSS3',
        'CADDY',
        'CLOUDFRONT',
        'CLOUD_LOGGING',
        'CLOUDSTORAGE',
        'COMBINED',
        'COMMON',
        'SQUID',
        'TRAEFIKCLF',
        'VCOMBINED',
        'VCOMMON',
        'W3C',
      ].sort(),
    );
  });

  it.each(formats.PREDEFINED_NAMES.filter((n) => !['caddy', 'cloud_logging'].includes(n)))('%s has at least 3 test lines', (name) => {
    expect(FORMAT_CASES.filter((c) => c.format === name).length).toBeGreaterThanOrEqual(3);
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => formats.predefinedFormat('nope')).toThrow(/unknown predefined format 'nope' \(known: combined, /);
  });
});

describe('compileApache() and compileNginx() errors', () => {
  it.each([
    ['apache', '%h %l %Z', "unknown Apache directive '%Z' at position 7"],
    ['apache', '%h %{X}Q', "unknown Apache directive '%{X}Q' at position 4"],
    ['apache', '%h %{min}T', "unknown unit 'min' in Apache directive '%{min}T' at position 4"],
    ['apache', '%{%Y %Q}t', "unsupported strftime conversion '%Q'"],
    ['apache', 'x %', "incomplete Apache directive '%' at position 3"],
    ['nginx', '$remote_addr [$time_local] $bogus_var', "unknown nginx variable '$bogus_var' at position 28"],
    ['nginx', '$remote_addr $', "'$' without a variable name at position 14"],
  ])('%s %s', (kind, format, message) => {
    const compile = kind === 'apache' ? formats.compileApache : formats.compileNginx;
    expect(() => compile(format)).toThrow(message);
  });

  it.each([
    ['apache', '%h %% %u', '^(\\S+) % (\\S+)'],
    ['apache', '%400,501{User-agent}i %>s', '^(\\S+) (\\d{3}|-)'],
    ['nginx', '${remote_addr}x$status', '^(\\S+)x(\\d{3})'],
  ])('%s %s', (kind, format, prefix) => {
    const compile = kind === 'apache' ? formats.compileApache : formats.compileNginx;
    expect(compile(format).pattern.startsWith(prefix)).toBe(true);
  });

  it('names header, cookie and env captures by family and records units and time', () => {
    const c = formats.compileApache('%h %t "%{X-Request-Id}i" %{session}C %{UNIQUE_ID}e %D %T');
    expect(c.fields).toEqual(['client_ip', 'time_local', 'header_in_x_request_id', 'cookie_session', 'env_unique_id', 'latency', 'extra']);
    expect(c.units).toEqual({ latency: 'microseconds' });
    expect(c.time).toEqual({ field: 'time_local', kind: 'strftime', format: '%d/%b/%Y:%H:%M:%S %z' });
  });
});

describe('compiled patterns on DuckDB, BigQuery (ZetaSQL) and JavaScript', () => {
  it.each(FORMAT_CASES)('$format: $name', async ({ format, line, expected }) => {
    const compiled = formats.compileFormat(format);
    for (const name of Object.keys(expected)) expect(compiled.fields).toContain(name);
    const pick = (fields: Record<string, string>) => Object.fromEntries(Object.keys(expected).map((k) => [k, fields[k]]));
    const duckdb = await onDuckdb(line, compiled.pattern, compiled.fields);
    const bigquery = await onBigquery(line, compiled.pattern, compiled.fields);
    const js = inJavascript(line, compiled.pattern, compiled.fields);
    expect(duckdb.matched).toBe(true);
    expect(pick(duckdb.fields)).toEqual(expected);
    expect(bigquery).toEqual(duckdb);
    expect(js).toEqual(duckdb);
  });

  it('no other format of the table matches a line it was not written for, where formats are distinct', async () => {
    // combined lines are also vcombined-shaped only with a vhost prefix; common/combined overlap by design (extra).
    const distinct = ['w3c', 'cloudfront', 'squid', 'cloudstorage', 'awselb', 'awsalb', 'awss3', 'traefikclf'];
    for (const name of distinct) {
      const compiled = formats.predefinedFormat(name);
      const others = FORMAT_CASES.filter((c) => c.format !== name && !(name === 'traefikclf' && c.format === 'combined'));
      for (const c of others)
        expect(new RegExp(compiled.pattern).test(c.line), `${name} matched a ${c.format} line: ${c.name}`).toBe(false);
    }
  });
});

describe('REQUEST_LINE_PATTERN on DuckDB, BigQuery (ZetaSQL) and JavaScript', () => {
  it.each(REQUEST_LINE_CASES)('$request', async ({ request, expected }) => {
    const names = formats.REQUEST_LINE_FIELDS;
    const duckdb = await onDuckdb(request, formats.REQUEST_LINE_PATTERN, names);
    const bigquery = await onBigquery(request, formats.REQUEST_LINE_PATTERN, names);
    expect(duckdb.matched).toBe(expected !== null);
    if (expected) expect(names.map((n) => duckdb.fields[n])).toEqual(expected);
    expect(bigquery).toEqual(duckdb);
    expect(inJavascript(request, formats.REQUEST_LINE_PATTERN, names)).toEqual(duckdb);
    if (expected) expect(duckdb.fields.path).not.toMatch(/\s|HTTP\//);
  });
});

describe('URL_PATTERN (absolute request URLs) on both engines', () => {
  it.each([
    ['https://www.example.com/index.html?utm=x', ['https', 'www.example.com', '', '/index.html', 'utm=x']],
    ['http://user@[2001:db8::1]:8080/a/b?c#frag', ['http', '[2001:db8::1]', '8080', '/a/b', 'c']],
    ['/relative/path?q=1', ['', '', '', '/relative/path', 'q=1']],
    ['example.com:443', ['', '', '', 'example.com:443', '']],
  ])('%s', async (url, expected) => {
    const duckdb = await onDuckdb(url, formats.URL_PATTERN, formats.URL_FIELDS);
    expect(formats.URL_FIELDS.map((n) => duckdb.fields[n])).toEqual(expected);
    expect(await onBigquery(url, formats.URL_PATTERN, formats.URL_FIELDS)).toEqual(duckdb);
  });
});

describe('secondsOf() on both engines', () => {
  it.each([
    ['1532871', 'microseconds', 1.532871],
    ['46', 'milliseconds', 0.046],
    ['0.012', 'seconds', 0.012],
    ['-1', 'seconds', null],
    ['-', 'seconds', null],
    ['0.012345s', 'duration', 0.012345],
    ['2s', 'duration', 2],
    ['12ms', 'duration', null],
  ])('%s %s', async (text, unit, expected) => {
    const local = await connection.runAndReadAll(`select ${formats.secondsOf(duck, '$1', unit)} as v`, [text]);
    const remote = await zetasql.evaluate(`select ${formats.secondsOf(bq, 'x', unit)} as v`, [], {
      variables: [{ name: 'x', type: 'STRING', value: text }],
    });
    const duckValue = local.getRowObjectsJson()[0]?.v ?? null;
    if (expected === null) expect(duckValue).toBeNull();
    else expect(Number(duckValue)).toBeCloseTo(expected, 9);
    expect(remote.rows[0]?.v ?? null).toEqual(duckValue === null ? null : Number(duckValue));
  });
});

describe('JSON formats (Caddy, Cloud Logging) on both engines', () => {
  it.each(JSON_CASES)('$format: $name', async ({ format, line, expected }) => {
    const compiled = formats.predefinedFormat(format);
    const fields = Object.keys(expected);
    const duckColumns = fields.map(
      (f) => `coalesce(${compiled.paths[f]!.map((p) => `json_extract_string(j, '${formats.jsonPath(p)}')`).join(', ')}) as ${f}`,
    );
    const bqColumns = fields.map(
      (f) => `coalesce(${compiled.paths[f]!.map((p) => `json_value(j, '${formats.jsonPath(p)}')`).join(', ')}) as ${f}`,
    );
    const local = (
      await connection.runAndReadAll(`select ${duckColumns.join(', ')} from (select cast($1 as json) as j)`, [line])
    ).getRowObjectsJson()[0];
    const remote = (
      await zetasql.evaluate(`select ${bqColumns.join(', ')} from (select parse_json(line, wide_number_mode => 'round') as j)`, [], {
        variables: [{ name: 'line', type: 'STRING', value: line }],
      })
    ).rows[0];
    expect(local).toEqual(expected);
    // JSON numbers come back as text in each engine's own rendering (BigQuery: 5.1e-05, DuckDB:
    // 0.000051): equal as numbers, which is how the models must read them (cast, never compare text).
    const asNumbers = (row: Record<string, unknown> | undefined) =>
      Object.fromEntries(
        Object.entries(row ?? {}).map(([k, v]) => [k, typeof v === 'string' && /^-?[\d.]+(?:e-?\d+)?$/i.test(v) ? Number(v) : v]),
      );
    expect(asNumbers(remote)).toEqual(asNumbers(local));
  });
});

describe('timestampOf() on both engines', () => {
  const UTC_MICROS = '%Y-%m-%dT%H:%M:%E6SZ';
  const regexCases = FORMAT_CASES.filter((c) => formats.compileFormat(c.format).time);
  it.each(regexCases)('$format: $name', async ({ format, line, at }) => {
    const compiled = formats.compileFormat(format);
    const duckSql = `select strftime(${formats.timestampOf(duck, compiled, (f) => `nullif(s.f.${f}, '')`)}, '%Y-%m-%dT%H:%M:%S.%fZ') as v from (select ${duck.regexExtractFields('$1', compiled.pattern, compiled.fields)} as f) as s`;
    const bqSql = `select format_timestamp('${UTC_MICROS}', ${formats.timestampOf(bq, compiled, (f) => `s.f.${f}`)}, 'UTC') as v from (select ${bq.regexExtractFields('line', compiled.pattern, compiled.fields)} as f) as s`;
    const local = (await connection.runAndReadAll(duckSql, [line])).getRowObjectsJson()[0]?.v ?? null;
    const remote = (await zetasql.evaluate(bqSql, [], { variables: [{ name: 'line', type: 'STRING', value: line }] })).rows[0]?.v ?? null;
    expect(local).not.toBeNull();
    if (at) expect(local).toBe(at);
    expect(remote).toBe(local);
  });

  it.each(JSON_CASES.filter((c) => c.at))('$format: $name', async ({ format, line, at }) => {
    const compiled = formats.predefinedFormat(format);
    const path = (f: string) => formats.jsonPath(compiled.paths[f]![0]!);
    const duckSql = `select strftime(${formats.timestampOf(duck, compiled, (f) => `json_extract_string(j, '${path(f)}')`)}, '%Y-%m-%dT%H:%M:%S.%fZ') as v from (select cast($1 as json) as j)`;
    const bqSql = `select format_timestamp('${UTC_MICROS}', ${formats.timestampOf(bq, compiled, (f) => `json_value(j, '${path(f)}')`)}, 'UTC') as v from (select parse_json(line, wide_number_mode => 'round') as j)`;
    const local = (await connection.runAndReadAll(duckSql, [line])).getRowObjectsJson()[0]?.v ?? null;
    const remote = (await zetasql.evaluate(bqSql, [], { variables: [{ name: 'line', type: 'STRING', value: line }] })).rows[0]?.v ?? null;
    expect(local).toBe(at);
    expect(remote).toBe(local);
  });
});

/** Typed columns of a line on one engine: timestamps as ISO text, numbers as numbers. */
async function columnsOn(engine: 'duckdb' | 'bigquery', compiled: Compiled, line: string): Promise<Record<string, unknown>> {
  const d = engine === 'duckdb' ? duck : bq;
  const input = engine === 'duckdb' ? '$1' : 'line';
  const field =
    compiled.kind === 'regex'
      ? (f: string) => `s.f.${f}`
      : (f: string) =>
          `coalesce(${compiled.paths[f]!.map((p) => `${engine === 'duckdb' ? 'json_extract_string' : 'json_value'}(s.f, '${formats.jsonPath(p)}')`).join(', ')})`;
  const from =
    compiled.kind === 'regex'
      ? d.regexExtractFields(input, compiled.pattern, compiled.fields)
      : engine === 'duckdb'
        ? `cast(${input} as json)`
        : `parse_json(${input}, wide_number_mode => 'round')`;
  const cols = formats.requestColumns(d, compiled, field);
  const select = Object.entries(cols).map(([name, sql]) =>
    name === 'request_at' ? `${d.formatTimestamp('%Y-%m-%dT%H:%M:%S', sql)} as ${name}` : `${sql} as ${name}`,
  );
  const sql = `select ${select.join(', ')} from (select ${from} as f) as s`;
  const row =
    engine === 'duckdb'
      ? ((await connection.runAndReadAll(sql, [line])).getRowObjectsJson()[0] as Record<string, unknown>)
      : ((await zetasql.evaluate(sql, [], { variables: [{ name: 'line', type: 'STRING', value: line }] })).rows[0] as Record<
          string,
          unknown
        >);
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      typeof v === 'bigint'
        ? Number(v)
        : k.endsWith('_seconds') || ['status', 'port', 'response_bytes'].includes(k)
          ? v === null
            ? null
            : Number(v)
          : v,
    ]),
  );
}

describe('requestColumns() on both engines', () => {
  const all = [
    ...FORMAT_CASES.map((c) => ({ format: c.format, name: c.name, line: c.line })),
    ...JSON_CASES.map((c) => ({ format: c.format, name: c.name, line: c.line })),
  ];
  it.each(all)('$format: $name', async ({ format, line }) => {
    const compiled = formats.compileFormat(format);
    const local = await columnsOn('duckdb', compiled, line);
    const remote = await columnsOn('bigquery', compiled, line);
    expect(remote).toEqual(local);
    expect(local.request_at ?? 'no time').not.toBeNull();
    expect(local.status).toBeTypeOf('number');
  });

  it.each([
    [
      'combined',
      FORMAT_CASES[1]!.line,
      {
        auth_user: 'alice',
        request: 'POST /api?q="x" HTTP/2.0',
        method: 'POST',
        path: '/api',
        query: 'q="x"',
        protocol: 'HTTP/2.0',
        response_bytes: 0,
        referrer: null,
        user_agent: 'curl "7.1"',
        request_at: '2026-11-02T06:59:59',
      },
    ],
    ['combined', FORMAT_CASES[3]!.line, { method: 'GET', path: '/a.html', protocol: 'HTTP/1.0', status: 400 }],
    [
      'awselb',
      FORMAT_CASES.find((c) => c.name === 'backend failed (-1, -)')!.line,
      { latency_seconds: null, upstream_addr: null, path: '/', status: 504, vhost: 'my-loadbalancer' },
    ],
    [
      'squid',
      FORMAT_CASES.find((c) => c.format === 'squid')!.line,
      { method: 'GET', path: '/', vhost: 'www.google.com', latency_seconds: 0.18, cache_status: 'TCP_MISS' },
    ],
    [
      'apache:%{%Y-%m-%dT%H:%M:%S%z}t %a %m %U%q %H %s %{ms}T',
      FORMAT_CASES.find((c) => c.name === 'strftime time, split request')!.line,
      { path: '/search', query: 'q=a+b', latency_seconds: 0.012 },
    ],
    [
      'cloud_logging',
      JSON_CASES.find((c) => c.format === 'cloud_logging')!.line,
      {
        vhost: 'www.example.com',
        path: '/index.html',
        query: 'utm=x',
        latency_seconds: 0.012345,
        response_bytes: 5120,
        request_id: '1xkv3aqf2kv8a1',
      },
    ],
    [
      'nginx:$host $remote_addr [$time_iso8601] "$request" $status $bytes_sent $request_time $upstream_response_time $upstream_cache_status $ssl_protocol/$ssl_cipher',
      FORMAT_CASES.find((c) => c.name === 'upstream list, cache, TLS')!.line,
      { upstream_seconds: 3, latency_seconds: 3.001, tls_protocol: 'TLSv1.2' },
    ],
  ])('%s', async (format, line, expected) => {
    const local = await columnsOn('duckdb', formats.compileFormat(format), line);
    expect(local).toMatchObject(expected);
  });
});

describe('formatFromShape() on both engines', () => {
  it.each([
    ...JSON_CASES.map((c) => [c.name, c.line, c.format] as const),
    ...FORMAT_CASES.filter((c) => c.format === 'combined').map((c) => [c.name, c.line, null] as const),
    ['nginx json', '{"remote_addr":"192.0.2.1","request":"GET / HTTP/1.1","status":200}', null] as const,
    [
      'a combined line whose path mentions httpRequest',
      '192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET /{"httpRequest":{} HTTP/1.1" 200 1 "-" "-"',
      null,
    ] as const,
  ])('%s', async (_name, line, expected) => {
    const local =
      (await connection.runAndReadAll(`select ${formats.formatFromShape(duck, '$1')} as v`, [line])).getRowObjectsJson()[0]?.v ?? null;
    const remote =
      (
        await zetasql.evaluate(`select ${formats.formatFromShape(bq, 'line')} as v`, [], {
          variables: [{ name: 'line', type: 'STRING', value: line }],
        })
      ).rows[0]?.v ?? null;
    expect(local).toBe(expected);
    expect(remote).toBe(expected);
  });
});
