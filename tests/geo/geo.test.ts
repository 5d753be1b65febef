import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faker } from '@faker-js/faker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/geo.ts';
import { LogflowError } from '../../core/errors.ts';
import { ensureGeoTables, loadIntoDuckDB } from '../../geo/load.ts';
import { lookupIps } from '../../geo/lookup.ts';
import { GEO } from '../../geo/ranges.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';

// Real rows of the bundled GeoLite2 country and RouteViews/DB-IP ASN data (a subset).
const COUNTRY_CSV = `start,end,country_code
8.6.113.0,8.10.5.255,US
81.2.66.25,81.2.127.255,GB
1.0.4.0,1.0.7.255,AU
2001:4860:7:1736::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US
2a03:2880::,2a03:2880:ffff:ffff:ffff:ffff:ffff:ffff,US
`;
const ASN_CSV = `8.8.4.0,8.8.4.255,15169,Google LLC
8.8.8.0,8.8.8.255,15169,Google LLC
1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
2001:4860::,2001:4860:4804:ffff:ffff:ffff:ffff:ffff,15169,Google LLC
2001:4860:4805::,2001:4860:4805:ffff:ffff:ffff:ffff:ffff,43515,Google Ireland Limited
2001:4860:480d::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC
`;

let dir: string;
let warehouse: Warehouse;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-geo-'));
  warehouse = await openWarehouse(':memory:');
  await loadIntoDuckDB(warehouse.connection, 'country', [file('country.csv', COUNTRY_CSV)]);
  await loadIntoDuckDB(warehouse.connection, 'asn', [file('asn.csv', ASN_CSV)]);
});
afterAll(() => {
  warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lookupIps()', () => {
  it.each([
    ['8.8.8.8', 'US', '15169', 'Google LLC', 'public'],
    ['8.8.4.4', 'US', '15169', 'Google LLC', 'public'],
    ['::ffff:8.8.8.8', 'US', '15169', 'Google LLC', 'public'],
    ['2001:4860:4860::8888', 'US', '15169', 'Google LLC', 'public'],
    ['81.2.69.160', 'GB', null, null, 'public'],
    ['2001:4860:4805::1', 'US', '43515', 'Google Ireland Limited', 'public'],
    ['1.0.0.1', 'ZZ', '13335', 'Cloudflare, Inc.', 'public'],
    ['2a03:2880:f12f:83:face:b00c::25de', 'US', null, null, 'public'],
    ['10.1.2.3', 'ZZ', null, null, 'private'],
    ['172.31.255.255', 'ZZ', null, null, 'private'],
    ['192.168.0.1', 'ZZ', null, null, 'private'],
    ['100.64.0.1', 'ZZ', null, null, 'shared'],
    ['127.0.0.1', 'ZZ', null, null, 'loopback'],
    ['::1', 'ZZ', null, null, 'loopback'],
    ['fe80::1', 'ZZ', null, null, 'link_local'],
    ['fd12:3456::1', 'ZZ', null, null, 'private'],
    ['203.0.113.9', 'ZZ', null, null, 'documentation'],
    ['9.9.9.9', 'ZZ', null, null, 'public'],
  ])('%s -> %s AS%s (%s) %s', async (ip, country, asn, org, scope) => {
    const [row] = await lookupIps(warehouse.connection, [ip]);
    expect(row).toEqual({ ip, ipKey: expect.any(String), countryCode: country, asn, asOrg: org, region: null, city: null, ipScope: scope });
  });

  it('returns NULLs for text that is not an address, in input order', async () => {
    const rows = await lookupIps(warehouse.connection, ['nonsense', '8.8.8.8', "1.2.3.4'; drop table x; --"]);
    expect(rows.map((r) => [r.ip, r.countryCode])).toEqual([
      ['nonsense', null],
      ['8.8.8.8', 'US'],
      ["1.2.3.4'; drop table x; --", null],
    ]);
  });
});

describe('loadIntoDuckDB()', () => {
  it('reports the file and line of a bad row and keeps the previous table', async () => {
    const bad = file('bad.csv', '1.2.3.0,1.2.3.255,AU\n1.2.4.0,1.2.4.255,Australia\n');
    await expect(loadIntoDuckDB(warehouse.connection, 'country', [bad])).rejects.toThrow(
      new LogflowError(
        `${bad}:2: country_code 'Australia' is not a two-letter ISO 3166 code; a country CSV has the columns start,end,country_code`,
        1,
        ['countryCsv'],
      ),
    );
    const [row] = await lookupIps(warehouse.connection, ['8.8.8.8']);
    expect(row?.countryCode).toBe('US');
  });

  it('creates empty tables with ensureGeoTables() so lookups run before any load', async () => {
    const empty = await openWarehouse(':memory:');
    try {
      await ensureGeoTables(empty.connection);
      await ensureGeoTables(empty.connection);
      const [row] = await lookupIps(empty.connection, ['8.8.8.8']);
      expect(row).toMatchObject({ countryCode: 'ZZ', asn: null, ipScope: 'public' });
    } finally {
      empty.close();
    }
  });
});

/** Key arithmetic for building ranges and probe addresses. */
const hexOf = (n: bigint, width: number) => n.toString(16).padStart(width, '0');
const textOf = (key: string) =>
  key.length === 8
    ? [0, 2, 4, 6].map((i) => Number.parseInt(key.slice(i, i + 2), 16)).join('.')
    : Array.from({ length: 8 }, (_, i) => key.slice(i * 4, i * 4 + 4)).join(':');

describe('ipLocationsSql()', () => {
  it('gives the same answers as a naive range join on random ranges and addresses', async () => {
    faker.seed(4242);
    const ranges = new Map<string, string>();
    const probes = new Set<string>();
    for (let i = 0; i < 700; i++) {
      const v6 = i % 3 === 0;
      const bits = v6 ? 128 : 32;
      const width = v6 ? 32 : 8;
      const size = BigInt(faker.number.int({ min: 0, max: v6 ? 100 : 26 }));
      const max = (1n << BigInt(bits)) - 1n;
      const start = faker.datatype.boolean()
        ? (BigInt(faker.number.bigInt({ min: 0n, max })) >> size) << size
        : BigInt(faker.number.bigInt({ min: 0n, max }));
      const end = start + (1n << size) - 1n > max ? max : start + (1n << size) - 1n;
      const key = `${hexOf(start, width)},${hexOf(end, width)}`;
      if (ranges.has(key)) continue;
      ranges.set(key, `${textOf(hexOf(start, width))},${textOf(hexOf(end, width))}`);
      for (const p of [start, end, (start + end) / 2n, end + 1n, start - 1n]) if (p >= 0n && p <= max) probes.add(hexOf(p, width));
    }
    for (let i = 0; i < 500; i++) probes.add(hexOf(BigInt(faker.number.int({ min: 0, max: 2 ** 32 - 1 })), 8));
    for (const p of [...probes].filter((k) => k.length === 8).slice(0, 200)) probes.add(`00000000000000000000ffff${p}`);
    const rows = [...ranges.values()];
    const codes = ['US', 'GB', 'FR', 'DE', 'JP', 'BR', 'IN', 'AU'];
    const db = await openWarehouse(':memory:');
    try {
      await loadIntoDuckDB(db.connection, 'country', [
        file('rand-country.csv', rows.map((r, i) => `${r},${codes[i % codes.length]}`).join('\n')),
      ]);
      await loadIntoDuckDB(db.connection, 'asn', [file('rand-asn.csv', rows.map((r, i) => `${r},${i + 1},org ${i + 1}`).join('\n'))]);
      await db.connection.run('create temp table probes (ip_key varchar)');
      const appender = await db.connection.createAppender('probes', 'main', 'temp');
      for (const p of probes) {
        appender.appendVarchar(p);
        appender.endRow();
      }
      appender.closeSync();
      const bucketed = GEO.ipLocationsSql({
        ipKeys: 'temp.main.probes',
        countryRanges: 'logflow_ref.ip_country_ranges',
        asnRanges: 'logflow_ref.ip_asn_ranges',
      });
      const naive = (table: string, payload: string) => `
        select ip_key, ${payload} from (
          select k.ip_key, ${payload
            .split(', ')
            .map((c) => `r.${c}`)
            .join(', ')},
                 row_number() over (partition by k.ip_key order by r.start_key desc, r.end_key) as n
          from (select ip_key, ${GEO.lookupKey('ip_key')} as lookup_key from temp.main.probes) as k
          join (select distinct start_key, end_key, ${payload} from logflow_ref.${table}) as r
            on length(r.start_key) = length(k.lookup_key) and k.lookup_key between r.start_key and r.end_key
        ) where n = 1`;
      const reader = await db.connection.runAndReadAll(`
        with b as (${bucketed}),
        c as (${naive('ip_country_ranges', 'country_code')}),
        a as (${naive('ip_asn_ranges', 'asn, as_org')})
        select count(*) as probes,
               count(*) filter (where b.country_code <> coalesce(c.country_code, 'ZZ')) as country_diff,
               count(*) filter (where b.asn is distinct from a.asn or b.as_org is distinct from a.as_org) as asn_diff,
               count(c.country_code) as matched,
               count(*) filter (where length(b.ip_key) = 32) as v6
        from b left join c using (ip_key) left join a using (ip_key)`);
      const [summary] = reader.getRowObjectsJson();
      expect(summary).toMatchObject({ probes: String(probes.size), country_diff: '0', asn_diff: '0' });
      expect(Number(summary?.matched)).toBeGreaterThan(1500);
      expect(Number(summary?.v6)).toBeGreaterThan(800);
    } finally {
      db.close();
    }
  });
});

describe('logflow geo', () => {
  const run = async (argv: string[]) => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      const code = await command.run(argv);
      return { code, out };
    } finally {
      spy.mockRestore();
    }
  };

  it('loads your own CSVs into a warehouse file and looks addresses up', async () => {
    const path = join(dir, 'cli.duckdb');
    const loaded = await run(['load', '--warehouse', path, '--country-csv', join(dir, 'country.csv'), '--asn-csv', join(dir, 'asn.csv')]);
    expect(loaded.code).toBe(0);
    expect(loaded.out).toMatch(
      /^logflow_ref\.ip_country_ranges: 5 ranges \(5 rows\) in [\d.]+ s\nlogflow_ref\.ip_asn_ranges: 6 ranges \(6 rows\) in [\d.]+ s\n$/,
    );
    const looked = await run(['lookup', '--warehouse', path, '8.8.8.8', '10.0.0.1']);
    expect(looked.out).toBe(
      '8.8.8.8\t08080808\tUS\t15169\tGoogle LLC\tNULL\tNULL\tpublic\n10.0.0.1\t0a000001\tZZ\tNULL\tNULL\tNULL\tNULL\tprivate\n',
    );
  });

  it.each([
    [[], /expected a subcommand: load or lookup/],
    [['load', '--target', 'redshift'], /--target must be bigquery or local \(duckdb is a synonym of local\), got 'redshift'/],
    [['load', '--target', 'bigquery'], /--project P is required/],
    [['load', '--only', 'city'], /--only city needs --city-csv FILE/],
    [['load', '--only', 'town'], /--only must be country, asn or city, got 'town'/],
    [['load', '--project', 'p'], /--project is only for --target bigquery/],
    [['lookup'], /needs at least one IP address/],
  ])('rejects %j with a usage error', async (argv, message) => {
    await expect(command.run(argv)).rejects.toThrow(message);
    await expect(command.run(argv)).rejects.toMatchObject({ exitCode: 2 });
  });

  it('says to run logflow geo load when the tables are missing', async () => {
    const path = join(dir, 'empty.duckdb');
    (await openWarehouse(path)).close();
    await expect(command.run(['lookup', '--warehouse', path, '8.8.8.8'])).rejects.toThrow(/run `logflow geo load` first/);
  });
});
