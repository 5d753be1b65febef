import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLocalFunctions } from '../../functions/duckdb.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await registerLocalFunctions(connection);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function one(sql: string, ...values: Array<string | null>): Promise<unknown> {
  const reader = await connection.runAndReadAll(sql, values);
  return reader.getRowObjectsJson()[0]?.v;
}

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const IPAD =
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const OLD_IE = 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)';

describe('registerLocalFunctions()', () => {
  it('is idempotent per connection', async () => {
    await expect(registerLocalFunctions(connection)).resolves.toBeUndefined();
  });

  it.each([
    [
      CHROME,
      {
        browser_name: 'Chrome',
        browser_major: '124',
        engine_name: 'Blink',
        os_name: 'Windows',
        os_version: '10',
        device_type: 'desktop',
        device_vendor: null,
      },
    ],
    [FIREFOX, { browser_name: 'Firefox', browser_version: '125.0', engine_name: 'Gecko', os_name: 'Ubuntu', device_type: 'desktop' }],
    [
      SAFARI,
      {
        browser_name: 'Safari',
        browser_version: '17.4',
        engine_name: 'WebKit',
        os_name: 'Mac OS',
        os_version: '10.15.7',
        device_type: 'desktop',
      },
    ],
    [
      IPHONE,
      {
        browser_name: 'Mobile Safari',
        os_name: 'iOS',
        os_version: '17.4',
        device_type: 'mobile',
        device_vendor: 'Apple',
        device_model: 'iPhone',
      },
    ],
    [IPAD, { os_name: 'iOS', device_type: 'tablet', device_vendor: 'Apple', device_model: 'iPad' }],
    [
      ANDROID,
      {
        browser_name: 'Chrome',
        os_name: 'Android',
        os_version: '14',
        device_type: 'mobile',
        device_vendor: 'Samsung',
        device_model: 'SM-S918B',
      },
    ],
    [OLD_IE, { browser_name: 'IE', browser_major: '6', os_name: 'Windows', os_version: 'XP', device_type: 'desktop' }],
    [GOOGLEBOT, { browser_name: null, os_name: null, device_type: 'desktop', device_model: null }],
    ['curl/8.5.0', { browser_name: null, engine_name: null, device_type: 'desktop' }],
  ])('logflow_parse_user_agent(%j)', async (ua, expected) => {
    const struct = (await one('select logflow_parse_user_agent($1) as v', ua)) as Record<string, string | null>;
    expect(Object.keys(struct)).toEqual([
      'browser_name',
      'browser_version',
      'browser_major',
      'engine_name',
      'engine_version',
      'os_name',
      'os_version',
      'device_type',
      'device_vendor',
      'device_model',
    ]);
    expect(struct).toMatchObject(expected);
  });

  it.each([[null], [''], ['-']])('logflow_parse_user_agent(%j) is NULL (so every field is NULL)', async (ua) => {
    expect(await one('select logflow_parse_user_agent($1) as v', ua)).toBeNull();
    expect(await one('select logflow_parse_user_agent($1).device_type as v', ua)).toBeNull();
  });

  it.each([
    ['8.8.8.8', '08080808'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['::192.0.2.128', '000000000000000000000000c0000280'],
    ['2001:4860:4860::8888', '20014860486000000000000000008888'],
    ['010.0.0.1', null],
    ['fe80::1%eth0', null],
    ['[::1]', null],
    [null, null],
  ])('logflow_ip_key(%j) = %j', async (ip, key) => {
    expect(await one('select logflow_ip_key($1) as v', ip)).toBe(key);
  });

  it.each([
    ["from_hex('616263')", 'abc'],
    ["from_hex('61e28262')", 'a\uFFFD\uFFFDb'],
    ["from_hex('610062ff')", 'a\u0000b\uFFFD'],
    ['null::blob', null],
  ])('logflow_utf8_lossy(%s) = %j', async (blob, text) => {
    expect(await one(`select logflow_utf8_lossy(${blob}) as v`)).toBe(text);
  });

  it('parses a table of many rows (vector boundaries)', async () => {
    const reader = await connection.runAndReadAll(
      `select count(*) as n, count(distinct k) as d, count(*) filter (where u.device_type = 'desktop') as desk
       from (select logflow_ip_key('10.0.' || (i // 256) || '.' || (i % 256)) as k,
                    logflow_parse_user_agent(case when i % 2 = 0 then $1 else $2 end) as u
             from range(5000) t(i))`,
      [CHROME, IPHONE],
    );
    expect(reader.getRowObjectsJson()[0]).toEqual({ n: '5000', d: '5000', desk: '2500' });
  });
});
