import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipKey } from '../../functions/ip-key.ts';
import { numericTwin } from '../../geo/bulk.ts';
import { defaultFiles, loadIntoDuckDB } from '../../geo/load.ts';
import type { RangeKind } from '../../geo/ranges.ts';

// The bundled country and ASN ranges are loaded by DuckDB from the packages' numeric twin files
// (geo/bulk.ts); the table must be the one the line-by-line loader builds from the text files.

const KINDS: RangeKind[] = ['country', 'asn'];

const EXTRA_V4: Array<[string, string]> = [
  ['1.0.0.0', '3.255.255.255'],
  ['0.0.0.0', '0.0.0.255'],
  ['9.200.0.0', '10.0.0.255'],
];
const EXTRA_V6: Array<[string, string]> = [
  ['::', '0:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['a::', 'c:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ['2001:db8::1', '2001:db8::1'],
];

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('numericTwin()', () => {
  it.each(KINDS)('every bundled %s file has a numeric twin with the same addresses, line for line', (kind) => {
    for (const file of defaultFiles(kind)) {
      const twin = numericTwin(file);
      expect(twin?.file).toBe(file.replace(/\.csv$/, '-num.csv'));
      const text = lines(file);
      const numbers = lines(twin!.file);
      expect(numbers.length).toBe(text.length);
      let differ = 0;
      for (let i = 0; i < text.length; i++) {
        const [start, end] = text[i]!.split(',', 2);
        const [startNumber, endNumber] = numbers[i]!.split(',', 2);
        const hex = (n: string | undefined) =>
          BigInt(n ?? '-1')
            .toString(16)
            .padStart(twin!.digits, '0');
        if (ipKey(start) !== hex(startNumber) || ipKey(end) !== hex(endNumber)) differ++;
        // the payload after the two addresses is the same text
        if (
          text[i]!.slice((start?.length ?? 0) + (end?.length ?? 0) + 2) !==
          numbers[i]!.slice((startNumber?.length ?? 0) + (endNumber?.length ?? 0) + 2)
        )
          differ++;
      }
      expect(differ).toBe(0);
    }
  });

  it.each([['/x/asn-ipv4.csv'], ['/x/other.csv']])('is null when there is no twin: %s', (file) => {
    expect(numericTwin(file)).toBeNull();
  });
});

describe('loadIntoDuckDB() of the bundled files', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logflow-geo-bulk-'));
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every 40th line of each bundled file and its twin, plus the last ones, as files of the same names under dir/name. */
  function sample(kind: RangeKind, name: string, edit: (numbers: string[]) => string[] = (n) => n): string[] {
    const sub = join(dir, name);
    mkdirSync(sub, { recursive: true });
    return defaultFiles(kind).map((file) => {
      const text = lines(file);
      const numbers = lines(numericTwin(file)!.file);
      const keep = text.map((_, i) => i).filter((i) => i % 40 === 0 || i === text.length - 1);
      const copy = join(sub, basename(file));
      // plus ranges wider than the coarsest bucket, starting below 16 (a leading zero digit), and a quoted payload
      const extra = (file.includes('ipv4') ? EXTRA_V4 : EXTRA_V6).map(([start, end]) => {
        const payload = kind === 'country' ? 'US' : '64500,"Example, Inc."';
        const number = (ip: string) => BigInt(`0x${ipKey(ip)}`).toString();
        return { text: `${start},${end},${payload}`, number: `${number(start)},${number(end)},${payload}` };
      });
      writeFileSync(copy, `${[...keep.map((i) => text[i]!), ...extra.map((e) => e.text)].join('\n')}\n`);
      const twin = [...keep.map((i) => numbers[i]!), ...extra.map((e) => e.number)];
      writeFileSync(copy.replace(/\.csv$/, '-num.csv'), `${edit(twin).join('\n')}\n`);
      return copy;
    });
  }

  const differences = async (a: string, b: string, table: string) => {
    const reader = await connection.runAndReadAll(
      `select (select count(*) from (select * from ${a}.${table} except all select * from ${b}.${table})),
              (select count(*) from (select * from ${b}.${table} except all select * from ${a}.${table}))`,
    );
    return reader.getRows()[0]!.map(Number);
  };

  it.each(KINDS)('%s: DuckDB reading the numeric twins gives the table the line-by-line loader gives', async (kind) => {
    const files = sample(kind, kind);
    const bulk = await loadIntoDuckDB(connection, kind, files, `bulk_${kind}`, { bulk: true });
    const lineByLine = await loadIntoDuckDB(connection, kind, files, `js_${kind}`, { bulk: false });
    expect(bulk.ranges).toBe(lineByLine.ranges);
    expect(bulk.rows).toBe(lineByLine.rows);
    expect(bulk.ranges).toBeGreaterThan(kind === 'country' ? 15000 : 12000);
    const table = kind === 'country' ? 'ip_country_ranges' : 'ip_asn_ranges';
    expect(await differences(`bulk_${kind}`, `js_${kind}`, table)).toEqual([0, 0]);
    // a range wider than the coarsest bucket is repeated under each of its buckets
    expect(bulk.rows).toBeGreaterThanOrEqual(bulk.ranges);
  });

  it.each([
    ['an IPv4 "address" beyond 32 bits (its key would have 9 digits)', 'country', '4294967296,4294967297,ZZ'],
    ['a start after its end', 'country', '16777471,16777216,AU'],
    ['a country code that is not two letters', 'country', '16777216,16777471,USA'],
    ['an AS number beyond 32 bits', 'asn', '16777216,16777471,4294967296,Example'],
    ['an AS number that is not a number', 'asn', '16777216,16777471,AS-X,Example'],
  ] as const)('falls back to the line-by-line loader when a numeric twin has %s', async (_what, kind, row) => {
    const name = `broken_${kind}_${row.replace(/[^0-9A-Za-z]/g, '_')}`;
    const files = sample(kind, name, (numbers) => [...numbers.slice(0, -1), row]);
    const loaded = await loadIntoDuckDB(connection, kind, files, `${name}_bulk`, { bulk: true });
    const lineByLine = await loadIntoDuckDB(connection, kind, files, `${name}_js`, { bulk: false });
    const table = kind === 'country' ? 'ip_country_ranges' : 'ip_asn_ranges';
    expect(loaded).toEqual({ ...lineByLine, table: `${name}_bulk.${table}` });
    expect(await differences(`${name}_bulk`, `${name}_js`, table)).toEqual([0, 0]);
  });
});
