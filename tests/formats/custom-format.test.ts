import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGeoTables } from '../../geo/load.ts';
import { compileProject } from '../../warehouse/compile.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { loadInclude } from '../support/includes.ts';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';

// A custom log format given as the var customLogFormat (an Apache LogFormat, an nginx
// log_format or a W3C #Fields line) is compiled once, when the project compiles: lines labelled
// `custom` are parsed with it, and a directive the compiler does not know fails the compilation
// with one line naming it.

interface Compiled {
  label: string;
  kind: string;
  pattern: string;
  fields: string[];
  units: Record<string, string>;
}
const parsing = loadInclude<{ compileCustom(description: string): Compiled }>('parsing');

describe('compileCustom()', () => {
  it.each([
    [
      '%h %l %u %t "%r" %>s %b %D',
      'apache',
      ['client_ip', 'ident', 'auth_user', 'time_local', 'request', 'status', 'bytes', 'latency', 'extra'],
    ],
    [
      '$remote_addr - [$time_local] "$request" $status $body_bytes_sent $request_time',
      'nginx',
      ['client_ip', 'time_local', 'request', 'status', 'bytes', 'latency', 'extra'],
    ],
    ['apache:%h %>s', 'apache', ['client_ip', 'status', 'extra']],
    ['nginx:$remote_addr $status', 'nginx', ['client_ip', 'status', 'extra']],
    ['#Fields: date time c-ip cs-method cs-uri-stem sc-status', 'w3c', ['date', 'time', 'client_ip', 'method', 'path', 'status']],
  ])('%s (%s)', (description, _kind, fields) => {
    const compiled = parsing.compileCustom(description);
    expect(compiled.label).toBe('custom');
    expect(compiled.fields).toEqual(fields);
  });

  it.each([
    ['%h %l %Q', "var customLogFormat: log format: unknown Apache directive '%Q' at position 7 of the Apache format"],
    [
      '$remote_addr [$time_local] $bogus',
      "var customLogFormat: log format: unknown nginx variable '$bogus' at position 28 of the nginx format",
    ],
  ])('%s is refused naming the directive', (description, message) => {
    expect(() => parsing.compileCustom(description)).toThrow(message);
  });
});

describe('the var customLogFormat in a compiled project', () => {
  it('fails the compilation with one line naming the unknown directive', () => {
    expect(() => compileProject({ warehouse: 'duckdb', vars: { customLogFormat: '%h %t "%r" %>s %b %{foo}Z' } })).toThrow(
      /int_lines_parsed.*var customLogFormat: log format: unknown Apache directive '%\{foo\}Z' at position 19/,
    );
  });

  it('is not interpreted per row: the compiled query holds its pattern, and no var means no custom branch', () => {
    const format = '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time "$upstream_cache_status"';
    const query = (vars: Record<string, string>) =>
      compileProject({ warehouse: 'duckdb', vars }).tables!.find((t) => t.target.name === 'int_lines_parsed')!.query!;
    const withVar = query({ customLogFormat: format });
    expect(withVar).toContain("log_format = 'custom' then regexp_extract(raw_line");
    expect(query({})).not.toContain("'custom' then");
  });
});

describe('custom lines on DuckDB', () => {
  let wh: Warehouse;
  const vars = {
    customLogFormat:
      '$host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_cache_status $ssl_protocol',
  };
  beforeAll(async () => {
    wh = await testWarehouse();
    await ensureGeoTables(wh.connection);
    await landLines(
      wh,
      [
        'Shop.Example 192.0.2.80 - - [29/Nov/2026:10:00:00 +0100] "GET /cart?id=7 HTTP/2.0" 200 512 "-" "Mozilla/5.0" 0.125 HIT TLSv1.3',
        'shop.example 192.0.2.81 - bob [29/Nov/2026:10:00:01 +0100] "POST /pay HTTP/2.0" 502 0 "https://shop.example/cart" "curl/8" 3.000 - TLSv1.2 "-"',
        '192.0.2.82 - - [29/Nov/2026:10:00:02 +0100] "GET / HTTP/1.1" 200 1 "-" "x"',
      ],
      { format: 'custom' },
    );
    await runModels(wh, { tags: ['requests'], includeDeps: true, vars });
  });
  afterAll(() => wh?.close());

  it('parses them with the compiled format', async () => {
    const rows = await queryRows(
      wh,
      `select line_number, vhost, host, auth_user, path, query, status, request_time_us, cache_status, tls_protocol, trailing_text, cast(requested_at as varchar) as at
       from logflow.requests order by line_number`,
    );
    expect(rows).toEqual([
      {
        line_number: '1',
        vhost: 'Shop.Example',
        host: 'shop.example',
        auth_user: null,
        path: '/cart',
        query: 'id=7',
        status: '200',
        request_time_us: '125000',
        cache_status: 'HIT',
        tls_protocol: 'TLSv1.3',
        trailing_text: null,
        at: '2026-11-29 09:00:00+00',
      },
      {
        line_number: '2',
        vhost: 'shop.example',
        host: 'shop.example',
        auth_user: 'bob',
        path: '/pay',
        query: null,
        status: '502',
        request_time_us: '3000000',
        cache_status: null,
        tls_protocol: 'TLSv1.2',
        trailing_text: '"-"',
        at: '2026-11-29 09:00:01+00',
      },
    ]);
  });

  it('quarantines a line that does not have the custom fields', async () => {
    expect(await queryRows(wh, 'select line_number, parse_error from logflow.parse_errors')).toEqual([
      { line_number: '3', parse_error: 'the line does not have the fields of its format (custom)' },
    ]);
  });
});
