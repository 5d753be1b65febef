import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isbot } from 'isbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGeoTables, loadIntoDuckDB } from '../../geo/load.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';

// The user-agent and IP dimensions and their join into requests, on known inputs.

const run = (wh: Warehouse) => runModels(wh, { tags: ['requests'], includeDeps: true });
const request = (ip: string, ua: string) => `${ip} - - [01/Nov/2026:10:00:00 +0000] "GET /p HTTP/1.1" 200 10 "-" "${ua}"`;

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1';
const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const CURL = 'curl/8.5.0';
const PYTHON = 'python-requests/2.31.0';
const IPAD =
  'Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1';

const AGENTS = [
  {
    ua: CHROME,
    expected: {
      browser_name: 'Chrome',
      browser_major: '120',
      os_name: 'Windows',
      os_version: '10',
      device_type: 'desktop',
      engine_name: 'Blink',
      is_bot: false,
      bot_name: null,
    },
  },
  {
    ua: IPHONE,
    expected: {
      browser_name: 'Mobile Safari',
      browser_major: '17',
      os_name: 'iOS',
      os_version: '17.6.1',
      device_type: 'mobile',
      engine_name: 'WebKit',
      is_bot: false,
    },
  },
  { ua: IPAD, expected: { device_type: 'tablet', os_name: 'iOS' } },
  { ua: FIREFOX, expected: { browser_name: 'Firefox', browser_major: '125', os_name: 'Ubuntu', engine_name: 'Gecko', is_bot: false } },
  { ua: GOOGLEBOT, expected: { is_bot: true, bot_name: 'Googlebot' } },
  { ua: CURL, expected: { is_bot: true, bot_name: 'curl' } },
  { ua: PYTHON, expected: { is_bot: true, bot_name: 'python-requests' } },
];

describe('user_agents', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await testWarehouse();
    await ensureGeoTables(wh.connection);
    // Each user agent three times: parsed once.
    await landLines(
      wh,
      [...AGENTS, ...AGENTS, ...AGENTS].map((a) => request('198.51.100.1', a.ua)),
    );
    await run(wh);
  });
  afterAll(() => wh?.close());

  it.each(AGENTS)('$ua', async ({ ua, expected }) => {
    const rows = await queryRows(wh, `select * from logflow.user_agents where user_agent = '${ua.replaceAll("'", "''")}'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(expected);
    expect(rows[0]?.is_bot).toBe(isbot(ua));
  });

  it('has one row per distinct user agent, and requests carry its fields', async () => {
    expect(await queryRows(wh, 'select count(*) as n from logflow.user_agents')).toEqual([{ n: String(AGENTS.length) }]);
    const mismatches = await queryRows(
      wh,
      `select count(*) as n from logflow.requests as r join logflow.user_agents as u using (user_agent_id)
       where r.browser_name is distinct from u.browser_name or r.os_name is distinct from u.os_name
         or r.device_type is distinct from u.device_type or r.is_bot <> u.is_bot or r.bot_name is distinct from u.bot_name`,
    );
    expect(mismatches).toEqual([{ n: '0' }]);
  });
});

describe('ip_locations', () => {
  let wh: Warehouse;
  let dir: string;
  const IPS = [
    {
      ip: '81.2.69.160',
      expected: { country_code: 'GB', asn: '20712', as_org: 'Andrews & Arnold Ltd', ip_scope: 'public', ip_version: 4 },
    },
    { ip: '81.2.70.1', expected: { country_code: 'GB', asn: '0', as_org: 'unknown', ip_scope: 'public' } },
    { ip: '8.8.8.8', expected: { country_code: 'ZZ', asn: '0', as_org: 'unknown', ip_scope: 'public' } },
    { ip: '::ffff:81.2.69.161', expected: { country_code: 'GB', asn: '20712', ip_scope: 'public', ip_version: 6 } },
    { ip: '2a02:8010::1', expected: { country_code: 'DE', asn: '3320', as_org: 'Deutsche Telekom AG', ip_version: 6 } },
    { ip: '10.1.2.3', expected: { country_code: 'ZZ', asn: '0', as_org: 'private', ip_scope: 'private' } },
    { ip: '127.0.0.1', expected: { country_code: 'ZZ', as_org: 'loopback', ip_scope: 'loopback' } },
    { ip: '::1', expected: { country_code: 'ZZ', ip_scope: 'loopback' } },
    { ip: 'fe80::1', expected: { ip_scope: 'link_local' } },
    {
      ip: 'not-an-ip',
      expected: { ip_key: null, ip_version: null, country_code: 'ZZ', asn: '0', as_org: 'invalid address', ip_scope: 'invalid' },
    },
  ];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logflow-geo-'));
    writeFileSync(
      join(dir, 'country.csv'),
      '81.2.69.0,81.2.127.255,GB\n10.0.0.0,10.255.255.255,US\n2a02:8010::,2a02:8010:ffff:ffff:ffff:ffff:ffff:ffff,DE\n',
    );
    writeFileSync(
      join(dir, 'asn.csv'),
      '81.2.69.0,81.2.69.255,20712,Andrews & Arnold Ltd\n2a02:8000::,2a02:80ff:ffff:ffff:ffff:ffff:ffff:ffff,3320,Deutsche Telekom AG\n',
    );
    wh = await testWarehouse();
    await loadIntoDuckDB(wh.connection, 'country', [join(dir, 'country.csv')]);
    await loadIntoDuckDB(wh.connection, 'asn', [join(dir, 'asn.csv')]);
    await landLines(
      wh,
      [...IPS, ...IPS].map((x) => request(x.ip, CHROME)),
    );
    await run(wh);
  });
  afterAll(() => {
    wh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(IPS)('$ip', async ({ ip, expected }) => {
    const rows = await queryRows(wh, `select * from logflow.ip_locations where client_ip = '${ip}'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(expected);
    const requests = await queryRows(wh, `select country_code, asn, as_org from logflow.requests where client_ip = '${ip}'`);
    expect(requests).toEqual([0, 1].map(() => ({ country_code: rows[0]?.country_code, asn: rows[0]?.asn, as_org: rows[0]?.as_org })));
  });

  it('degrades to explicit unknowns when the reference tables are empty', async () => {
    const empty = await testWarehouse();
    try {
      await ensureGeoTables(empty.connection);
      await landLines(empty, [request('81.2.69.160', CHROME)]);
      await run(empty);
      expect(await queryRows(empty, 'select country_code, asn, as_org, ip_scope from logflow.requests')).toEqual([
        { country_code: 'ZZ', asn: '0', as_org: 'unknown', ip_scope: 'public' },
      ]);
    } finally {
      empty.close();
    }
  });
});
