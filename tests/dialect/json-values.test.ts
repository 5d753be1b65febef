import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { loadInclude } from '../support/includes.ts';

// jsonValuesParse + jsonValueOf (several keys of one JSON value, parsed once) must read every key
// exactly as jsonValue does, whatever the value: stg_landing__lines reads the message attributes so.

interface JsonHelpers {
  jsonValue(expr: string, key: string): string;
  jsonValuesParse(expr: string, keys: string[]): string;
  jsonValueOf(parsed: string, keys: string[], key: string): string;
  str(value: string): string;
}
const dialect = loadInclude<{ forWarehouse(w: string): JsonHelpers }>('dialect');
const duck = dialect.forWarehouse('duckdb');
const bq = dialect.forWarehouse('bigquery');

const KEYS = ['a', 'b', 'c'];

let wh: Warehouse;
beforeAll(async () => {
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
});
afterAll(() => wh.close());

describe('jsonValueOf() on DuckDB', () => {
  it.each([
    { json: '{"a":"x","b":"y","c":"z"}', expected: ['x', 'y', 'z'] },
    { json: '{"c":"last","a":"first"}', expected: ['first', null, 'last'] },
    { json: '{"a":"q\\"uote \\\\ \\u00e9 \\n","b":""}', expected: ['q"uote \\ é \n', '', null] },
    { json: '{"a":true,"b":false,"c":null}', expected: ['true', 'false', null] },
    { json: '{"a":12,"b":-7,"c":-0}', expected: ['12', '-7', '0'] },
    {
      json: '{"a":18446744073709551615,"b":9223372036854775807,"c":-9223372036854775808}',
      expected: ['18446744073709551615', '9223372036854775807', '-9223372036854775808'],
    },
    { json: '{"a":1.5,"b":2e2,"c":1E400}', expected: [null, null, null] },
    { json: '{"a":99999999999999999999999}', expected: [null, null, null] },
    { json: '{"a":{"b":"nested"},"b":["x"],"c":[]}', expected: [null, null, null] },
    { json: '{"a":"one","a":"two"}', expected: null },
    { json: '{"A":"case","b ":"space"}', expected: [null, null, null] },
    { json: '"a"', expected: [null, null, null] },
    { json: '["a","b"]', expected: [null, null, null] },
    { json: 'null', expected: [null, null, null] },
    { json: '{}', expected: [null, null, null] },
    { json: null, expected: [null, null, null] },
  ])('$json', async ({ json, expected }) => {
    const source = json === null ? 'cast(null as json)' : `cast(${duck.str(json)} as json)`;
    const one = KEYS.map((k) => `${duck.jsonValue('j', k)} as one_${k}`);
    const many = KEYS.map((k) => `${duck.jsonValueOf('parsed', KEYS, k)} as many_${k}`);
    const reader = await wh.connection.runAndReadAll(
      `select ${[...one, ...many].join(', ')} from (select j, ${duck.jsonValuesParse('j', KEYS)} as parsed from (select ${source} as j))`,
    );
    const row = reader.getRowObjectsJson()[0] ?? {};
    const single = KEYS.map((k) => row[`one_${k}`] ?? null);
    expect(KEYS.map((k) => row[`many_${k}`] ?? null)).toEqual(single);
    if (expected) expect(single).toEqual(expected);
  });
});

describe('jsonValuesParse() and jsonValueOf() spell BigQuery', () => {
  it('keep the JSON value (parsed already) and read a key with jsonValue', () => {
    expect(bq.jsonValuesParse('attributes', KEYS)).toBe('attributes');
    expect(bq.jsonValueOf('attrs', KEYS, 'b')).toBe(bq.jsonValue('attrs', 'b'));
  });
});

describe('jsonValuesParse() and jsonValueOf() refuse', () => {
  it.each([
    ['no keys', () => duck.jsonValuesParse('j', [])],
    ['a key that is not a plain identifier', () => duck.jsonValuesParse('j', ["a'b"])],
    ['a key that was not parsed', () => duck.jsonValueOf('p', KEYS, 'd')],
  ])('%s', (_name, call) => {
    expect(call).toThrow(/dialect\.jsonValue/);
  });
});
