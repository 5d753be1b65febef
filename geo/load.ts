import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LogflowError } from '../core/errors.ts';
import { ident } from '../warehouse/duckdb.ts';
import { BULK_KINDS, bulkLoadCsv } from './bulk.ts';
import { geoCacheDir } from './cache.ts';
import {
  bucketsOf,
  CSV_COLUMNS,
  isHeader,
  parseAsnFields,
  parseCityFields,
  parseCountryFields,
  RangeLineError,
  splitCsvLine,
  type AsnRange,
  type CityRange,
  type CountryRange,
  type RangeKind,
} from './ranges.ts';

export const REF_DATASET = 'logflow_ref';
export const TABLES: Record<RangeKind, string> = { country: 'ip_country_ranges', asn: 'ip_asn_ranges', city: 'ip_city_ranges' };

/** Every reference table kind; city has no bundled data (empty until the user loads a city database). */
export const RANGE_KINDS: readonly RangeKind[] = ['country', 'asn', 'city'];

/** Column names and types of each reference table (DuckDB / BigQuery spelling). */
export const COLUMNS: Record<RangeKind, Array<{ name: string; duckdb: string; bigquery: string; required: boolean }>> = {
  country: [
    { name: 'bucket', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'start_key', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'end_key', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'country_code', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
  ],
  asn: [
    { name: 'bucket', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'start_key', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'end_key', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'asn', duckdb: 'BIGINT', bigquery: 'INT64', required: true },
    { name: 'as_org', duckdb: 'VARCHAR', bigquery: 'STRING', required: false },
  ],
  city: [
    { name: 'bucket', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'start_key', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'end_key', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'country_code', duckdb: 'VARCHAR', bigquery: 'STRING', required: true },
    { name: 'region', duckdb: 'VARCHAR', bigquery: 'STRING', required: false },
    { name: 'city', duckdb: 'VARCHAR', bigquery: 'STRING', required: false },
  ],
};

/**
 * BigQuery column types of the reference tables keyed by `dataset.table`, in the form of
 * check/sources.ts SOURCE_COLUMNS (which `logflow check` needs for the declarations).
 */
export const GEO_SOURCE_COLUMNS: Record<string, Array<{ name: string; type: string }>> = Object.fromEntries(
  RANGE_KINDS.map((kind) => [`${REF_DATASET}.${TABLES[kind]}`, COLUMNS[kind].map((c) => ({ name: c.name, type: c.bigquery }))]),
);

/** The demo data shipped as npm packages: GeoLite2 country (MaxMind) and RouteViews/DB-IP ASN. */
export function defaultFiles(kind: RangeKind): string[] {
  if (kind === 'city')
    throw new LogflowError(
      'logflow ships no city data; give a city database of your own with --city-csv FILE or --city-mmdb FILE (see: logflow geo --help)',
      2,
      ['cityCsv'],
    );
  const require = createRequire(import.meta.url);
  const pkg = kind === 'country' ? '@ip-location-db/geolite2-country' : '@ip-location-db/asn';
  const prefix = kind === 'country' ? 'geolite2-country' : 'asn';
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new LogflowError(`the demo data package ${pkg} is not installed; run npm install, or give ${kind} CSV files of your own`, 1, [
      `${kind}Csv`,
    ]);
  }
  return [join(dir, `${prefix}-ipv4.csv`), join(dir, `${prefix}-ipv6.csv`)];
}

export type ParsedRange<K extends RangeKind> = K extends 'country' ? CountryRange : K extends 'asn' ? AsnRange : CityRange;

const PARSERS: Record<RangeKind, (fields: string[]) => CountryRange | AsnRange | CityRange> = {
  country: parseCountryFields,
  asn: parseAsnFields,
  city: parseCityFields,
};

/** Reads the ranges of a CSV file, line by line; a bad line stops with its file and line number. */
export async function* readRanges<K extends RangeKind>(kind: K, file: string): AsyncGenerator<ParsedRange<K>> {
  if (!existsSync(file)) throw new LogflowError(`${kind} CSV ${file} does not exist`);
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  const parse = PARSERS[kind];
  for await (const raw of lines) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    const fields = splitCsvLine(line);
    try {
      if (fields === null) throw new RangeLineError('unbalanced double quotes');
      if (lineNo === 1 && isHeader(fields)) continue;
      yield parse(fields) as ParsedRange<K>;
    } catch (error) {
      if (error instanceof RangeLineError) {
        lines.close();
        throw new LogflowError(`${file}:${lineNo}: ${error.message}; a ${kind} CSV has the columns ${CSV_COLUMNS[kind]}`, 1, [
          `${kind}Csv`,
        ]);
      }
      throw error;
    }
  }
}

/**
 * A file of ranges: a CSV file (its path), or a MaxMind DB city database (`{ mmdb: path }`,
 * city only: GeoLite2-City, DB-IP Lite city; see geo/mmdb.ts).
 */
export type RangeFile = string | { mmdb: string };

/** The path of a range file. */
export function pathOf(file: RangeFile): string {
  return typeof file === 'string' ? file : file.mmdb;
}

/** A range file as the user named it, for messages: `city CSV FILE` or `city MMDB FILE`. */
export function describeFile(kind: RangeKind, file: RangeFile): string {
  return typeof file === 'string' ? `${kind} CSV ${file}` : `${kind} MMDB ${file.mmdb}`;
}

/** Reads the ranges of a CSV file or, for city, of a MaxMind DB file; a bad file stops with one line naming it. */
export async function* readRangeFile<K extends RangeKind>(kind: K, file: RangeFile): AsyncGenerator<ParsedRange<K>> {
  if (typeof file === 'string') {
    yield* readRanges(kind, file);
    return;
  }
  if (kind !== 'city') throw new LogflowError(`a MaxMind DB file holds city ranges only, not ${kind} ranges`, 2);
  if (!existsSync(file.mmdb)) throw new LogflowError(`${describeFile(kind, file)} does not exist`, 1, ['cityMmdb']);
  const { readMmdbCityRanges } = await import('./mmdb.ts');
  yield* readMmdbCityRanges(file.mmdb) as Iterable<ParsedRange<K>>;
}

export interface LoadResult {
  kind: RangeKind;
  table: string;
  ranges: number;
  rows: number;
}

/** Creates the (empty) reference tables when missing, so models can run before any load. */
export async function ensureGeoTables(connection: DuckDBConnection, dataset = REF_DATASET): Promise<void> {
  await connection.run(`create schema if not exists ${ident(dataset)}`);
  for (const kind of RANGE_KINDS) {
    await connection.run(`create table if not exists ${ident(dataset)}.${ident(TABLES[kind])} (${ddl(kind)})`);
  }
}

function ddl(kind: RangeKind): string {
  return COLUMNS[kind].map((c) => `${c.name} ${c.duckdb}${c.required ? ' not null' : ''}`).join(', ');
}

/** The key columns: hex text, nearly every value distinct, which DuckDB stores with FSST whatever it tries first. */
const FSST_COLUMNS = new Set(['bucket', 'start_key', 'end_key']);

/**
 * The DDL of a table being loaded: as ddl(), with the key columns stored with FSST outright. DuckDB
 * otherwise analyses every string compression on each row group before choosing FSST for them; on
 * the bundled 1.1M ranges that analysis is about half the CPU of writing the tables (1.1 of 2.7 s,
 * measured), and the file is the same size. The payload columns keep DuckDB's choice (dictionary).
 */
function loadingDdl(kind: RangeKind): string {
  return COLUMNS[kind]
    .map((c) => `${c.name} ${c.duckdb}${FSST_COLUMNS.has(c.name) ? ' using compression fsst' : ''}${c.required ? ' not null' : ''}`)
    .join(', ');
}

/**
 * Loads the ranges of `files` into dataset.table of the DuckDB warehouse with the appender,
 * into a fresh table that replaces the old one only once every file was read (a bad file
 * leaves the previous table in place).
 */
export async function loadIntoDuckDB(
  connection: DuckDBConnection,
  kind: RangeKind,
  files: RangeFile[],
  dataset = REF_DATASET,
  options: { bulk?: boolean; cacheDir?: string } = {},
): Promise<LoadResult> {
  const table = TABLES[kind];
  const loading = `${table}__loading`;
  await ensureGeoTables(connection, dataset);
  await connection.run(`create or replace table ${ident(dataset)}.${ident(loading)} (${loadingDdl(kind)})`);
  // The bundled files (well formed, 1.1M ranges) are read by DuckDB itself: geo/bulk.ts.
  const csvFiles = files.filter((f): f is string => typeof f === 'string');
  const bundled = BULK_KINDS.includes(kind) && csvFiles.length === files.length && isBundled(kind, csvFiles);
  const bulk = options.bulk ?? bundled;
  if (bulk && BULK_KINDS.includes(kind) && csvFiles.length === files.length) {
    for (const file of csvFiles) if (!existsSync(file)) throw new LogflowError(`${kind} CSV ${file} does not exist`);
    // The bundled tables as built are cached per user (geo/cache.ts): the next fresh warehouse copies them.
    const cacheDir = options.cacheDir ?? (bundled ? geoCacheDir() : undefined);
    const loaded = await bulkLoadCsv(connection, kind, csvFiles, dataset, loading, cacheDir);
    if (loaded) {
      await replaceTable(connection, dataset, loading, table);
      return { kind, table: `${dataset}.${table}`, ...loaded };
    }
    // a row the bulk reader does not read as the line-by-line loader would: load line by line instead
    await connection.run(`create or replace table ${ident(dataset)}.${ident(loading)} (${loadingDdl(kind)})`);
  }
  const appender = await connection.createAppender(loading, dataset);
  let ranges = 0;
  let rows = 0;
  try {
    for (const file of files) {
      for await (const range of readRangeFile(kind, file)) {
        ranges++;
        for (const bucket of bucketsOf(range.startKey, range.endKey)) {
          appender.appendVarchar(bucket);
          appender.appendVarchar(range.startKey);
          appender.appendVarchar(range.endKey);
          if (kind === 'country') {
            appender.appendVarchar((range as CountryRange).countryCode);
          } else if (kind === 'city') {
            const city = range as CityRange;
            appender.appendVarchar(city.countryCode);
            for (const value of [city.region, city.city]) {
              if (value === null) appender.appendNull();
              else appender.appendVarchar(value);
            }
          } else {
            const asn = range as AsnRange;
            appender.appendBigInt(BigInt(asn.asn));
            if (asn.org === null) appender.appendNull();
            else appender.appendVarchar(asn.org);
          }
          appender.endRow();
          rows++;
        }
      }
    }
    appender.closeSync();
  } catch (error) {
    try {
      appender.closeSync();
    } catch {
      // the appender may already be unusable; the loading table is dropped below
    }
    await connection.run(`drop table if exists ${ident(dataset)}.${ident(loading)}`);
    throw error;
  }
  await replaceTable(connection, dataset, loading, table);
  return { kind, table: `${dataset}.${table}`, ranges, rows };
}

/** Replaces dataset.table with the loaded dataset.loading, in one transaction. */
async function replaceTable(connection: DuckDBConnection, dataset: string, loading: string, table: string): Promise<void> {
  await connection.run('begin transaction');
  await connection.run(`drop table if exists ${ident(dataset)}.${ident(table)}`);
  await connection.run(`alter table ${ident(dataset)}.${ident(loading)} rename to ${ident(table)}`);
  await connection.run('commit');
}

/** Whether `files` are exactly the bundled demo files of `kind` (defaultFiles). */
function isBundled(kind: RangeKind, files: readonly string[]): boolean {
  let bundled: string[];
  try {
    bundled = defaultFiles(kind);
  } catch {
    return false;
  }
  return files.length === bundled.length && files.every((f, i) => resolve(f) === resolve(bundled[i]!));
}
