import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/geo.ts';
import { loadIntoDuckDB } from '../../geo/load.ts';
import { lookupIps } from '../../geo/lookup.ts';
import { parseCityFields, RangeLineError } from '../../geo/ranges.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';

// Region and city from a city database the user loads (ip_city_ranges), through `transform`.

const request = (ip: string) =>
  `${ip} - - [01/Nov/2026:10:00:00 +0000] "GET /p HTTP/1.1" 200 10 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"`;

const COUNTRY_CSV = '81.2.69.0,81.2.127.255,GB\n2a02:8010::,2a02:8010:ffff:ffff:ffff:ffff:ffff:ffff,DE\n';
const CITY_CSV = [
  'start_ip,end_ip,country_code,region,city',
  '81.2.69.0,81.2.69.255,GB,England,London',
  // a narrower range inside the one above: the innermost wins
  '81.2.69.128,81.2.69.191,GB,England,Boxford',
  '81.2.70.0,81.2.70.255,GB,Scotland,',
  '"2a02:8010::","2a02:8010:ffff:ffff:ffff:ffff:ffff:ffff",DE,Bavaria,"Munich, City"',
  // a private range in the city data: ip_locations still reports no city for private addresses
  '10.0.0.0,10.255.255.255,US,California,Mountain View',
  // wider than a /8: stored under several buckets
  '100.0.0.0,101.255.255.255,US,,Somewhere',
].join('\n');

const IPS = [
  { ip: '81.2.69.10', region: 'England', city: 'London', country_code: 'GB' },
  { ip: '81.2.69.130', region: 'England', city: 'Boxford', country_code: 'GB' },
  { ip: '::ffff:81.2.69.20', region: 'England', city: 'London', country_code: 'GB' },
  { ip: '81.2.70.1', region: 'Scotland', city: null, country_code: 'GB' },
  { ip: '81.2.71.1', region: null, city: null, country_code: 'GB' },
  { ip: '2a02:8010::1', region: 'Bavaria', city: 'Munich, City', country_code: 'DE' },
  { ip: '101.1.2.3', region: null, city: 'Somewhere', country_code: 'ZZ' },
  { ip: '8.8.8.8', region: null, city: null, country_code: 'ZZ' },
  { ip: '10.1.2.3', region: null, city: null, country_code: 'ZZ' },
  { ip: 'not-an-ip', region: null, city: null, country_code: 'ZZ' },
];

describe('parseCityFields()', () => {
  it.each([
    [['1.0.0.0', '1.0.0.255', 'au', 'Queensland', 'Brisbane'], { countryCode: 'AU', region: 'Queensland', city: 'Brisbane' }],
    [['1.0.0.0', '1.0.0.255', 'AU', '', ''], { countryCode: 'AU', region: null, city: null }],
    [['1.0.0.0', '1.0.0.255', 'AU', ' ', 'Perth '], { countryCode: 'AU', region: null, city: 'Perth' }],
  ])('%j', (fields, expected) => {
    expect(parseCityFields(fields)).toMatchObject({ startKey: '01000000', endKey: '010000ff', ...expected });
  });

  it.each([
    [['1.0.0.0', '1.0.0.255', 'AU', 'Queensland'], /expected 5 columns \(start,end,country_code,region,city\), got 4/],
    [['1.0.0.0', '1.0.0.255', 'Australia', 'Queensland', 'Brisbane'], /country_code 'Australia' is not a two-letter/],
    [['1.0.0.9', '1.0.0.1', 'AU', '', ''], /start 1.0.0.9 is after end 1.0.0.1/],
    [['x', '1.0.0.1', 'AU', '', ''], /start 'x' is not an IPv4\/IPv6 address/],
  ])('rejects %j', (fields, message) => {
    expect(() => parseCityFields(fields)).toThrow(RangeLineError);
    expect(() => parseCityFields(fields)).toThrow(message);
  });
});

describe('ip_locations region and city', () => {
  let dir: string;
  let withCity: Warehouse;
  let withoutCity: Warehouse;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logflow-city-'));
    writeFileSync(join(dir, 'country.csv'), COUNTRY_CSV);
    writeFileSync(join(dir, 'city.csv'), CITY_CSV);
    withCity = await testWarehouse();
    withoutCity = await testWarehouse();
    for (const wh of [withCity, withoutCity]) {
      await loadIntoDuckDB(wh.connection, 'country', [join(dir, 'country.csv')]);
      await landLines(
        wh,
        IPS.map((x) => request(x.ip)),
      );
    }
    await loadIntoDuckDB(withCity.connection, 'city', [join(dir, 'city.csv')]);
    await runModels(withCity, { tags: ['requests'], includeDeps: true });
    await runModels(withoutCity, { tags: ['requests'], includeDeps: true });
  });
  afterAll(() => {
    withCity?.close();
    withoutCity?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(IPS)('$ip: region $region, city $city', async ({ ip, region, city, country_code }) => {
    const rows = await queryRows(withCity, `select country_code, region, city from logflow.ip_locations where client_ip = '${ip}'`);
    expect(rows).toEqual([{ country_code, region, city }]);
  });

  it.each(IPS)('$ip: region and city are NULL when no city database is loaded', async ({ ip, country_code }) => {
    const rows = await queryRows(withoutCity, `select country_code, region, city from logflow.ip_locations where client_ip = '${ip}'`);
    expect(rows).toEqual([{ country_code, region: null, city: null }]);
  });

  it('looks region and city up with lookupIps()', async () => {
    const rows = await lookupIps(withCity.connection, ['81.2.69.130', '8.8.8.8']);
    expect(rows.map((r) => [r.region, r.city])).toEqual([
      ['England', 'Boxford'],
      [null, null],
    ]);
  });
});

describe('logflow geo load --city-csv', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logflow-city-cli-'));
    writeFileSync(join(dir, 'country.csv'), COUNTRY_CSV);
    writeFileSync(join(dir, 'asn.csv'), '81.2.69.0,81.2.69.255,20712,Andrews & Arnold Ltd\n');
    writeFileSync(join(dir, 'city.csv'), CITY_CSV);
    writeFileSync(join(dir, 'bad.csv'), '81.2.69.0,81.2.69.255,GB,England,London\n81.2.70.0,81.2.70.255,Britain,,\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

  it('loads the city ranges next to country and ASN, and lookup prints region and city', async () => {
    const path = join(dir, 'cli.duckdb');
    const loaded = await run([
      'load',
      '--warehouse',
      path,
      '--country-csv',
      join(dir, 'country.csv'),
      '--asn-csv',
      join(dir, 'asn.csv'),
      '--city-csv',
      join(dir, 'city.csv'),
    ]);
    expect(loaded.code).toBe(0);
    expect(loaded.out).toMatch(/\nlogflow_ref\.ip_city_ranges: 6 ranges \(7 rows\) in [\d.]+ s\n$/);
    const looked = await run(['lookup', '--warehouse', path, '81.2.69.10', '8.8.8.8']);
    expect(looked.out).toBe(
      '81.2.69.10\t5102450a\tGB\t20712\tAndrews & Arnold Ltd\tEngland\tLondon\tpublic\n8.8.8.8\t08080808\tZZ\tNULL\tNULL\tNULL\tNULL\tpublic\n',
    );
  });

  it('stops at a bad line with the file and line number, and keeps the previous table', async () => {
    const path = join(dir, 'bad.duckdb');
    await run(['load', '--warehouse', path, '--only', 'city', '--city-csv', join(dir, 'city.csv')]);
    await expect(run(['load', '--warehouse', path, '--only', 'city', '--city-csv', join(dir, 'bad.csv')])).rejects.toThrow(
      new RegExp(
        `^${join(dir, 'bad.csv')}:2: country_code 'Britain' is not a two-letter ISO 3166 code; a city CSV has the columns start,end,country_code,region,city$`,
      ),
    );
    const looked = await run(['lookup', '--warehouse', path, '81.2.69.130']);
    expect(looked.out).toContain('\tEngland\tBoxford\t');
  });

  it('checks every file before loading any: a missing city CSV loads nothing, not even the bundled country ranges', async () => {
    const path = join(dir, 'missing.duckdb');
    await expect(run(['load', '--warehouse', path, '--city-csv', join(dir, 'no-such.csv')])).rejects.toThrow(
      /^city CSV .*no-such\.csv does not exist$/,
    );
    expect(existsSync(path)).toBe(false);
  });
});
