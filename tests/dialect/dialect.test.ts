import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { registerFunctions } from '../../pipeline/functions.ts';
import { loadInclude } from '../support/includes.ts';
import { DIALECT_CASES, type Helpers } from './cases.ts';

const dialect = loadInclude<{
  forWarehouse(w: string): Helpers;
  isolateGroup(p: string, keep: number): { pattern: string; groups: number };
  timestampShape(format: string): string;
}>('dialect');
const duck = dialect.forWarehouse('duckdb');
const bq = dialect.forWarehouse('bigquery');

let wh: Warehouse;
beforeAll(async () => {
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
  await registerFunctions(wh.connection);
});
afterAll(() => wh.close());

describe('dialect helpers on DuckDB', () => {
  it.each(DIALECT_CASES)('$name', async ({ sql, expected }) => {
    const reader = await wh.connection.runAndReadAll(`select ${sql(duck)} as v`);
    expect(reader.getRowObjectsJson()[0]?.v ?? null).toEqual(expected);
  });
});

describe('dialect helpers spell BigQuery', () => {
  it.each([
    [bq.safeCast('x', 'int64'), "(case when regexp_contains(x, r'^-?[0-9]+$') then safe_cast(x as INT64) end)"],
    [bq.safeCast('x', 'float64'), 'safe_cast(x as FLOAT64)'],
    [bq.regexContains('x', "a'b"), `regexp_contains(x, r"a'b")`],
    [bq.regexExtract('x', 'a(b)'), "regexp_extract(x, r'a(b)')"],
    [
      bq.parseTimestamp('%Y-%m-%d', 't'),
      "(case when regexp_contains(t, r'^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$') then safe.parse_timestamp('%Y-%m-%d', t) end)",
    ],
    [bq.timestampDiff('a', 'b', 'second'), 'timestamp_diff(a, b, second)'],
    [bq.parseJson('t'), "(case when not starts_with(t, '\\ufeff') then safe.parse_json(t, wide_number_mode => 'round') end)"],
    [bq.ipKey('ip'), 'to_hex(net.safe_ip_from_string(ip))'],
    [bq.bytesToString('data'), 'safe_convert_bytes_to_string(data)'],
    [bq.str("it's\\"), "'it\\'s\\\\'"],
  ])('%s', (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('extracts every group with its own single-group pattern', () => {
    expect(bq.regexExtractFields('s', '^(a+)-(?:x)?([b\\(]+)', ['first', 'second'])).toBe(
      "struct(regexp_extract(s, r'^(a+)-(?:x)?(?:[b\\(]+)') as first, regexp_extract(s, r'^(?:a+)-(?:x)?([b\\(]+)') as second)",
    );
  });
});

describe('isolateGroup()', () => {
  it.each([
    ['(a)(b)', 1, '(a)(?:b)', 2],
    ['(a)(b)', 2, '(?:a)(b)', 2],
    ['\\((a)\\)', 1, '\\((a)\\)', 1],
    ['[(](a)', 1, '[(](a)', 1],
    ['[]()](a)', 1, '[]()](a)', 1],
    ['(?:x)(?P<n>y)(z)', 1, '(?:x)(?P<n>y)(z)', 1],
  ])('%s keeping group %i', (pattern, keep, expected, groups) => {
    expect(dialect.isolateGroup(pattern, keep)).toEqual({ pattern: expected, groups });
  });
});

describe('timestampShape()', () => {
  it.each([
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2026:13:55:36 -0700', true],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2026:13:55:36 +1400', true],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2026:13:55:36 +1401', false],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2026:13:55:36 +9999', false],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/2026:13:55:36 +0060', false],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/0000:13:55:36 +0000', false],
    ['%d/%b/%Y:%H:%M:%S %z', '10/Oct/10000:13:55:36 +0000', false],
    ['%d/%b/%Y:%H:%M:%S %z', '1/Oct/2026:13:55:36 +0000', false],
    ['%d/%b/%Y:%H:%M:%S %z', '10/oct/2026:13:55:36 +0000', false],
    ['%d/%b/%Y:%H:%M:%S %z', ' 10/Oct/2026:13:55:36 +0000', false],
    ['%Y-%m-%dT%H:%M:%S%z', '2026-11-04T10:00:00+0530', true],
    ['%Y-%m-%dT%H:%M:%S%z', '2026-11-04T10:00:60+0530', false],
  ])('%s matches %j: %s', (format, text, expected) => {
    expect(new RegExp(dialect.timestampShape(format)).test(text)).toBe(expected);
  });
  it('rejects a directive it cannot check', () => {
    expect(() => dialect.timestampShape('%s')).toThrow(/unsupported directive '%s'/);
  });
});

describe('forWarehouse()', () => {
  it('rejects an unknown warehouse with the accepted names', () => {
    expect(() => dialect.forWarehouse('snowflake')).toThrow(/unknown warehouse 'snowflake' \(expected bigquery or duckdb\)/);
  });
  it('rejects an unknown type and time unit', () => {
    expect(() => duck.type('int32')).toThrow(/unknown type 'int32'/);
    expect(() => duck.timestampDiff('a', 'b', 'week')).toThrow(/unknown time unit 'week'/);
  });
});
