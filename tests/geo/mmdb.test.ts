import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faker } from '@faker-js/faker';
import { Reader } from 'mmdb-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/geo.ts';
import { ensureGeoTables, loadIntoDuckDB } from '../../geo/load.ts';
import { lookupIps } from '../../geo/lookup.ts';
import { cityOfRecord, cityRangesOfMmdb } from '../../geo/mmdb.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { testWarehouse } from '../support/pipeline.ts';
import { MmdbWriter, type MmdbValue, type WriterOptions } from '../support/mmdb-writer.ts';

// `logflow geo load --city-mmdb`: a MaxMind DB city database walked into ip_city_ranges, checked
// against mmdb-lib's own lookups.

const place = (country: string | null, region: string | null, city: string | null, extra: Record<string, MmdbValue> = {}) => {
  const record: Record<string, MmdbValue> = { ...extra };
  if (country) record.country = { iso_code: country, names: { en: country, de: `${country}-de` } };
  if (region) record.subdivisions = [{ iso_code: 'X', names: { en: region, de: `${region} (de)` } }, { names: { en: 'second level' } }];
  if (city) record.city = { geoname_id: 2643743, names: { en: city, 'zh-CN': '城市' } };
  return record;
};

const LONDON = place('GB', 'England', 'London');
const BOXFORD = place('GB', 'England', 'Boxford', { location: { latitude: 51.5, longitude: -0.12, accuracy_radius: 100 } });
const SCOTLAND = place('GB', 'Scotland', null);
const MUNICH = place('DE', 'Bavaria', 'München, Stadt');
const COUNTRY_ONLY = place('FR', null, null);
const GERMAN_ONLY = { country: { iso_code: 'AT', names: { de: 'Österreich' } }, city: { names: { de: 'Wien' } } };
const REGISTERED = { registered_country: { iso_code: 'nl', names: { en: 'Netherlands' } }, city: { names: { en: 'Amsterdam' } } };
const NO_COUNTRY = { city: { names: { en: 'Nowhere' } } };

/** A database with nested, adjacent, aliased, named and unnamed networks of both families. */
function database(options: WriterOptions): Buffer {
  const writer = new MmdbWriter(options)
    .insert('81.2.69.0/24', LONDON)
    .insert('81.2.69.128/26', BOXFORD) // nested: splits London
    .insert('81.2.70.0/24', SCOTLAND)
    .insert('81.2.71.0/24', SCOTLAND) // adjacent, same names: one range
    .insert('90.0.0.0/8', COUNTRY_ONLY) // names neither region nor city: not loaded
    .insert('100.0.0.0/7', place('US', null, 'Somewhere')) // wider than a /8 bucket
    .insert('5.5.0.0/16', GERMAN_ONLY) // no English names
    .insert('6.6.6.0/23', REGISTERED)
    .insert('7.7.7.7/32', NO_COUNTRY)
    .insert('0.0.0.0/8', place('ZZ', 'Reserved', null))
    .insert('255.255.255.255/32', place('ZZ', null, 'Broadcast'));
  if (options.ipVersion === 6) {
    writer
      .insert('2a02:8010::/32', MUNICH)
      .insert('2a02:8010:1234::/48', place('DE', 'Bavaria', 'Augsburg')) // nested
      .insert('2c0f:f000::/20', place('ZA', 'Gauteng', null))
      .insert('ffff:ffff:ffff:ffff::/64', place('ZZ', null, 'Top'));
  }
  return writer.build();
}

describe('cityOfRecord()', () => {
  it.each([
    ['city and region', LONDON, { countryCode: 'GB', region: 'England', city: 'London' }],
    ['region only', SCOTLAND, { countryCode: 'GB', region: 'Scotland', city: null }],
    ['country only: left out', COUNTRY_ONLY, null],
    ['no English names: left out', GERMAN_ONLY, null],
    ['registered country', REGISTERED, { countryCode: 'NL', region: null, city: 'Amsterdam' }],
    ['no country at all', NO_COUNTRY, { countryCode: 'ZZ', region: null, city: 'Nowhere' }],
    ['blank names', { city: { names: { en: '  ' } }, subdivisions: [] }, null],
    ['not a map', 'text', null],
  ])('%s', (_name, record, expected) => {
    expect(cityOfRecord(record)).toEqual(expected);
  });
});

const CONFIGS: WriterOptions[] = [
  { ipVersion: 6, recordSize: 24 },
  { ipVersion: 6, recordSize: 28 },
  { ipVersion: 6, recordSize: 32 },
  { ipVersion: 4, recordSize: 24 },
  { ipVersion: 4, recordSize: 28 },
  { ipVersion: 6, recordSize: 28, aliasIpv4: false },
  // record values above 2^24: the 28-bit records' shared nibbles, the 32-bit records' first byte
  { ipVersion: 6, recordSize: 28, dataPadding: 1 << 24 },
  { ipVersion: 4, recordSize: 32, dataPadding: 1 << 24 },
];

describe('cityRangesOfMmdb()', () => {
  it.each(CONFIGS)('lists each network once, IPv4 as IPv4 keys, adjacent equal names merged: %j', (options) => {
    const ranges = [...cityRangesOfMmdb(database(options))];
    const ipv4 = [
      { startKey: '00000000', endKey: '00ffffff', countryCode: 'ZZ', region: 'Reserved', city: null },
      { startKey: '06060600', endKey: '060607ff', countryCode: 'NL', region: null, city: 'Amsterdam' },
      { startKey: '07070707', endKey: '07070707', countryCode: 'ZZ', region: null, city: 'Nowhere' },
      { startKey: '51024500', endKey: '5102457f', countryCode: 'GB', region: 'England', city: 'London' },
      { startKey: '51024580', endKey: '510245bf', countryCode: 'GB', region: 'England', city: 'Boxford' },
      { startKey: '510245c0', endKey: '510245ff', countryCode: 'GB', region: 'England', city: 'London' },
      { startKey: '51024600', endKey: '510247ff', countryCode: 'GB', region: 'Scotland', city: null },
      { startKey: '64000000', endKey: '65ffffff', countryCode: 'US', region: null, city: 'Somewhere' },
      { startKey: 'ffffffff', endKey: 'ffffffff', countryCode: 'ZZ', region: null, city: 'Broadcast' },
    ];
    const ipv6 = [
      {
        startKey: '2a028010000000000000000000000000',
        endKey: '2a028010123300000000000000000000'.replace(/0+$/, (z) => 'f'.repeat(z.length)),
        city: 'München, Stadt',
      },
      { startKey: '2a028010123400000000000000000000', endKey: '2a0280101234ffffffffffffffffffff', city: 'Augsburg' },
      { startKey: '2a028010123500000000000000000000', endKey: '2a028010ffffffffffffffffffffffff', city: 'München, Stadt' },
      { startKey: '2c0ff000000000000000000000000000', endKey: '2c0f ffff'.replace(' ', '') + 'f'.repeat(24), city: null },
      { startKey: 'ffffffffffffffff0000000000000000', endKey: 'ffffffffffffffffffffffffffffffff', city: 'Top' },
    ];
    expect(ranges.filter((r) => r.startKey.length === 8)).toEqual(ipv4);
    const v6 = ranges.filter((r) => r.startKey.length === 32);
    expect(v6.map((r) => ({ startKey: r.startKey, endKey: r.endKey, city: r.city }))).toEqual(options.ipVersion === 6 ? ipv6 : []);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), /no MaxMind DB metadata marker found/],
    ['a CSV file', Buffer.from('1.0.0.0,1.0.0.255,AU,Queensland,Brisbane\n'), /no MaxMind DB metadata marker found/],
    [
      'a truncated tree',
      database({ ipVersion: 6, recordSize: 24 }).subarray(600),
      /search tree .* larger than the file|points past|cannot be/,
    ],
  ])('rejects %s', (_name, buffer, message) => {
    expect(() => [...cityRangesOfMmdb(buffer)]).toThrow(message);
  });
});

/** Addresses around every range boundary of the database, and random ones, IPv4 and IPv6. */
function probeAddresses(): string[] {
  faker.seed(14);
  const v4 = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  const v6 = (big: bigint) => Array.from({ length: 8 }, (_, i) => ((big >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
  const out = new Set<string>();
  const bounds4 = ['81.2.69.0', '81.2.69.128', '81.2.69.192', '81.2.70.0', '81.2.72.0', '90.0.0.0', '100.0.0.0', '102.0.0.0'];
  const bounds4more = ['5.5.0.0', '6.6.6.0', '6.6.8.0', '7.7.7.7', '1.0.0.0', '255.255.255.255'];
  for (const text of [...bounds4, ...bounds4more]) {
    const n = text.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    for (const d of [-1, 0, 1]) if (n + d >= 0 && n + d <= 0xffffffff) out.add(v4(n + d));
  }
  for (let i = 0; i < 300; i++) out.add(v4(faker.number.int({ min: 0, max: 0xffffffff })));
  for (let i = 0; i < 100; i++) out.add(v4(faker.number.int({ min: 0x51024400, max: 0x510247ff })));
  const bounds6 = [
    '2a02:8010::',
    '2a02:8010:1234::',
    '2a02:8010:1235::',
    '2a02:8011::',
    '2c0f:f000::',
    '2c0f:f800::',
    'ffff:ffff:ffff:ffff::',
  ];
  for (const text of bounds6) {
    const [head = ''] = text.split('::');
    const groups = head.split(':').map((g) => BigInt(Number.parseInt(g, 16)));
    const n = groups.reduce((acc, g, i) => acc | (g << BigInt(112 - 16 * i)), 0n);
    for (const d of [-1n, 0n, 1n]) out.add(v6(n + d));
  }
  for (let i = 0; i < 200; i++) out.add(v6(faker.number.bigInt({ min: 0x2a02800fn << 96n, max: (0x2a028011n << 96n) - 1n })));
  for (let i = 0; i < 200; i++) out.add(v6(faker.number.bigInt({ min: 0n, max: (1n << 128n) - 1n })));
  // IPv4-mapped addresses: found through the alias by the reader, through lookupKey by logflow
  for (const ip of ['81.2.69.130', '81.2.70.9', '100.1.2.3', '7.7.7.7', '8.8.8.8']) out.add(`::ffff:${ip}`);
  return [...out];
}

describe('logflow geo load --city-mmdb', () => {
  let dir: string;
  const warehouses: Warehouse[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logflow-mmdb-'));
  });
  afterAll(() => {
    for (const wh of warehouses) wh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(CONFIGS)('a lookup through the loaded ranges equals mmdb-lib’s own lookup: %j', async (options) => {
    const db = database(options);
    const file = join(dir, `city-${CONFIGS.indexOf(options)}.mmdb`);
    writeFileSync(file, db);
    const wh = await testWarehouse();
    warehouses.push(wh);
    await ensureGeoTables(wh.connection);
    const loaded = await loadIntoDuckDB(wh.connection, 'city', [{ mmdb: file }]);
    expect(loaded.ranges).toBe(options.ipVersion === 6 ? 14 : 9);
    const reader = new Reader<Record<string, unknown>>(db);
    const ips = probeAddresses().filter((ip) => options.ipVersion === 6 || !ip.includes(':'));
    // without aliases, the reader finds nothing for IPv4-mapped addresses while logflow finds the IPv4 range
    const compared = options.aliasIpv4 === false ? ips.filter((ip) => !ip.startsWith('::ffff:')) : ips;
    const rows = await lookupIps(wh.connection, compared);
    const expected = compared.map((ip) => {
      const record = reader.get(ip) as { subdivisions?: Array<{ names?: { en?: string } }>; city?: { names?: { en?: string } } } | null;
      const region = record?.subdivisions?.[0]?.names?.en ?? null;
      const city = record?.city?.names?.en ?? null;
      return [ip, region, city];
    });
    expect(rows.map((r) => [r.ip, r.region, r.city])).toEqual(expected);
    expect(expected.filter(([, region, city]) => region !== null || city !== null).length).toBeGreaterThan(
      options.ipVersion === 6 ? 200 : 80,
    );
  });

  it('does not resolve 6to4 and Teredo addresses through the IPv4 aliases (the reader does)', async () => {
    const file = join(dir, 'alias.mmdb');
    const db = database({ ipVersion: 6, recordSize: 28 });
    writeFileSync(file, db);
    const wh = await testWarehouse();
    warehouses.push(wh);
    await ensureGeoTables(wh.connection);
    await loadIntoDuckDB(wh.connection, 'city', [{ mmdb: file }]);
    const reader = new Reader<Record<string, unknown>>(db);
    // 2002:5102:4582:: embeds 81.2.69.130 (6to4)
    expect((reader.get('2002:5102:4582::') as { city?: { names?: { en?: string } } } | null)?.city?.names?.en).toBe('Boxford');
    const [row] = await lookupIps(wh.connection, ['2002:5102:4582::']);
    expect([row?.region, row?.city]).toEqual([null, null]);
    const count = await wh.connection.runAndReadAll(
      `select count(distinct (start_key, end_key)) from logflow_ref.ip_city_ranges where city = 'Boxford'`,
    );
    expect(Number(count.getRows()[0]?.[0])).toBe(1);
  });

  const run = async (argv: string[]) => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      return { code: await command.run(argv), out };
    } finally {
      spy.mockRestore();
    }
  };

  it('loads a city MMDB next to a city CSV, and lookup prints region and city', async () => {
    const mmdb = join(dir, 'cli.mmdb');
    writeFileSync(mmdb, database({ ipVersion: 6, recordSize: 24 }));
    writeFileSync(join(dir, 'extra.csv'), '192.0.2.0,192.0.2.255,ZZ,Docs,Example City\n');
    const path = join(dir, 'cli.duckdb');
    const loaded = await run(['load', '--warehouse', path, '--only', 'city', '--city-mmdb', mmdb, '--city-csv', join(dir, 'extra.csv')]);
    expect(loaded.code).toBe(0);
    expect(loaded.out).toMatch(/^logflow_ref\.ip_city_ranges: 15 ranges \(\d+ rows\) in [\d.]+ s\n$/);
    const looked = await run(['lookup', '--warehouse', path, '81.2.69.130', '2a02:8010:1234::1', '192.0.2.1']);
    expect(looked.out.split('\n').map((l) => l.split('\t').slice(5, 7))).toEqual([
      ['England', 'Boxford'],
      ['Bavaria', 'Augsburg'],
      ['Docs', 'Example City'],
      [],
    ]);
  });

  it.each([
    [
      'not a database',
      'not.mmdb',
      Buffer.from('hello\n'),
      /^.*not\.mmdb is not a usable MaxMind DB \(\.mmdb\) file: no MaxMind DB metadata marker found; give a GeoLite2-City or DB-IP Lite city \.mmdb$/,
    ],
    [
      'a truncated database',
      'cut.mmdb',
      database({ ipVersion: 6, recordSize: 32 }).subarray(0, 700),
      /cut\.mmdb is not a usable MaxMind DB/,
    ],
  ])('stops at %s with one line and keeps the previous table', async (_name, name, bytes, message) => {
    const good = join(dir, 'good.mmdb');
    writeFileSync(good, database({ ipVersion: 4, recordSize: 24 }));
    const bad = join(dir, name);
    writeFileSync(bad, bytes);
    const path = join(dir, `bad-${name}.duckdb`);
    await run(['load', '--warehouse', path, '--only', 'city', '--city-mmdb', good]);
    const error = await run(['load', '--warehouse', path, '--only', 'city', '--city-mmdb', bad]).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LogflowError', exitCode: 1 });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    const looked = await run(['lookup', '--warehouse', path, '81.2.69.130']);
    expect(looked.out).toContain('\tEngland\tBoxford\t');
  });

  it('checks a missing MMDB before loading anything', async () => {
    const path = join(dir, 'missing.duckdb');
    await expect(run(['load', '--warehouse', path, '--city-mmdb', join(dir, 'no-such.mmdb')])).rejects.toThrow(
      /^city MMDB .*no-such\.mmdb does not exist$/,
    );
    expect(existsSync(path)).toBe(false);
  });
});
