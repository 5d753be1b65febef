import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geoCacheDir } from '../../geo/cache.ts';
import { loadIntoDuckDB } from '../../geo/load.ts';

// The bundled reference tables as built are cached per user (geo/cache.ts): a later load of the
// same files copies the rows; a changed file or changed code is a new entry; a bad entry is rebuilt.

describe('geoCacheDir()', () => {
  it.each([
    { env: {}, dir: /\/\.cache\/logflow\/geo$/ },
    { env: { XDG_CACHE_HOME: '/x' }, dir: /^\/x\/logflow\/geo$/ },
    { env: { LOGFLOW_CACHE_DIR: '/y', XDG_CACHE_HOME: '/x' }, dir: /^\/y\/geo$/ },
    { env: { LOGFLOW_GEO_CACHE: 'off', LOGFLOW_CACHE_DIR: '/y' }, dir: undefined },
  ])('$env -> $dir', ({ env, dir }) => {
    const got = geoCacheDir(env as NodeJS.ProcessEnv);
    if (dir === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(dir);
  });
});

describe('loadIntoDuckDB() with a cache', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let n = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'logflow-geo-cache-'));
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  const V4: Array<[string, string, string, string]> = [
    ['1.0.0.0', '1.0.0.255', '16777216', '16777471'],
    ['9.200.0.0', '10.0.0.255', '164102144', '167772415'],
  ];
  /** A country file pair (text and numeric twin) for IPv4 and IPv6, with `code` as every range's country. */
  const files = (name: string, code = 'AU'): string[] => {
    const v4 = join(dir, `${name}-ipv4.csv`);
    const v6 = join(dir, `${name}-ipv6.csv`);
    writeFileSync(v4, V4.map(([s, e]) => `${s},${e},${code}\n`).join(''));
    writeFileSync(v4.replace(/\.csv$/, '-num.csv'), V4.map(([, , s, e]) => `${s},${e},${code}\n`).join(''));
    writeFileSync(v6, `2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,${code}\n`);
    writeFileSync(
      v6.replace(/\.csv$/, '-num.csv'),
      `42540528726795050063891204319802818560,42540528806023212578155541913346768895,${code}\n`,
    );
    return [v4, v6];
  };
  const rows = async (dataset: string) =>
    (await connection.runAndReadAll(`select * from ${dataset}.ip_country_ranges order by bucket, start_key`)).getRowObjectsJson();
  const load = async (input: string[], cacheDir: string) => {
    const dataset = `d${n++}`;
    const result = await loadIntoDuckDB(connection, 'country', input, dataset, { bulk: true, cacheDir });
    return { result, rows: await rows(dataset), dataset };
  };
  const entries = (cacheDir: string) => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith('.parquet')) : []);

  it('builds the table once, caches it, and a later load gives the same table from the cache', async () => {
    const cacheDir = join(dir, 'c1');
    const input = files('one');
    const lineByLine = await loadIntoDuckDB(connection, 'country', input, 'js_one', { bulk: false });
    const first = await load(input, cacheDir);
    expect(entries(cacheDir)).toHaveLength(1);
    const second = await load(input, cacheDir);
    expect(entries(cacheDir)).toHaveLength(1);
    expect(first.result).toEqual({ ...lineByLine, table: `${first.dataset}.ip_country_ranges` });
    expect(second.result).toEqual({ ...lineByLine, table: `${second.dataset}.ip_country_ranges` });
    expect(second.rows).toEqual(await rows('js_one'));
    expect(second.rows.length).toBeGreaterThan(2); // the range over 9.x and 10.x sits in two buckets
  });

  it('reads the entry instead of the files (an entry with other rows gives those rows)', async () => {
    const cacheDir = join(dir, 'c2');
    const input = files('two');
    await load(input, cacheDir);
    const [entry] = entries(cacheDir);
    await connection.run(
      `copy (select '401' as bucket, '01000000' as start_key, '010000ff' as end_key, 'NZ' as country_code) to '${join(cacheDir, entry!)}' (format parquet)`,
    );
    const again = await load(input, cacheDir);
    expect(again.rows).toEqual([{ bucket: '401', start_key: '01000000', end_key: '010000ff', country_code: 'NZ' }]);
  });

  it('is never stale: a changed file is a new entry, and the table follows the file', async () => {
    const cacheDir = join(dir, 'c3');
    const input = files('three', 'AU');
    await load(input, cacheDir);
    files('three', 'JP'); // same names, same sizes: only the contents and modification times differ
    const later = new Date(Date.now() + 5000);
    for (const f of input) utimesSync(f.replace(/\.csv$/, '-num.csv'), later, later);
    const again = await load(input, cacheDir);
    expect(entries(cacheDir)).toHaveLength(2);
    expect(new Set(again.rows.map((r) => r.country_code))).toEqual(new Set(['JP']));
  });

  it('rebuilds from the files when the entry cannot be read, and replaces it', async () => {
    const cacheDir = join(dir, 'c4');
    const input = files('four');
    const first = await load(input, cacheDir);
    const [entry] = entries(cacheDir);
    writeFileSync(join(cacheDir, entry!), 'not parquet');
    const again = await load(input, cacheDir);
    expect(again.rows).toEqual(first.rows);
    expect(entries(cacheDir)).toEqual([entry]);
    const third = await load(input, cacheDir);
    expect(third.rows).toEqual(first.rows);
  });

  it('loads without a cache when the cache folder cannot be written', async () => {
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, 'a file where the folder would be');
    const input = files('five');
    const loaded = await load(input, join(blocked, 'geo'));
    const lineByLine = await loadIntoDuckDB(connection, 'country', input, 'js_five', { bulk: false });
    expect(loaded.rows).toEqual(await rows('js_five'));
    expect(loaded.result.ranges).toBe(lineByLine.ranges);
  });
});
