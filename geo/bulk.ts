import { existsSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ident } from '../warehouse/duckdb.ts';
import { geoCacheFile, readCached, writeCached } from './cache.ts';
import { GEO, type RangeKind } from './ranges.ts';

/**
 * The bundled reference data (country, ASN) loaded by DuckDB itself. The @ip-location-db packages
 * ship each range file twice: with address text (`*-ipv4.csv`, what `logflow geo load` reads from
 * users) and with the addresses as decimal integers (`*-ipv4-num.csv`). DuckDB reads the numeric
 * twin with read_csv (UBIGINT / UHUGEINT columns), and the IP key is the integer in hex, padded
 * to 8 or 32 digits; buckets are computed in SQL as bucketsOf() computes them. The table is the
 * one the line-by-line loader builds from the text files (tests/geo/bulk.test.ts compares them
 * row for row on the bundled data), in a fraction of the CPU time. Only for the bundled files:
 * users' CSV files keep the line-by-line loader and its line-numbered errors; when a numeric
 * twin is missing or a row comes out malformed, the caller falls back to that loader.
 */

/** The columns of the numeric files, per kind (payload as text, trimmed in SQL as the JavaScript parser trims it). */
const CSV_COLUMNS: Partial<Record<RangeKind, string[]>> = {
  country: ['start_number', 'end_number', 'code_text'],
  asn: ['start_number', 'end_number', 'asn_text', 'org_text'],
};

/** Kinds the bulk loader reads. */
export const BULK_KINDS: readonly RangeKind[] = ['country', 'asn'];

/** The numeric twin of a bundled text file (`x-ipv4.csv` -> `x-ipv4-num.csv`) and its address width in hex digits, or null. */
export function numericTwin(file: string): { file: string; digits: 8 | 32 } | null {
  const m = /-ipv([46])\.csv$/.exec(file);
  if (!m) return null;
  const twin = file.replace(/\.csv$/, '-num.csv');
  return existsSync(twin) ? { file: twin, digits: m[1] === '4' ? 8 : 32 } : null;
}

/**
 * A range's buckets are computed as geo/ranges.ts bucketsOf computes them: the narrowest level
 * whose prefix the start and end keys share (narrowBucketSql), else every coarsest-level prefix
 * from the start's to the end's (spreadBucketsSql).
 */

/** SQL of the one bucket of a range of `digit`'s family that fits in a bucket (its narrowest), NULL for a wider range. */
export function narrowBucketSql(digit: '4' | '6', start: string, end: string): string {
  const whens = GEO.BUCKET_LEVELS[digit].map(
    (n) => `when left(${start}, ${n}) = left(${end}, ${n}) then '${digit}' || left(${start}, ${n})`,
  );
  return `(case ${whens.join(' ')} end)`;
}

/** SQL of the coarsest-level buckets from a range's start to its end, as a list (a range wider than the coarsest level). */
export function spreadBucketsSql(digit: '4' | '6', start: string, end: string): string {
  const levels = GEO.BUCKET_LEVELS[digit];
  const coarsest = levels[levels.length - 1]!;
  const first = `cast(('0x' || left(${start}, ${coarsest})) as integer)`;
  const last = `cast(('0x' || left(${end}, ${coarsest})) as integer)`;
  return `list_transform(range(${first}, ${last} + 1), lambda p: '${digit}' || printf('%0${coarsest}x', p))`;
}

/** The payload columns of a kind's table from the CSV's text columns (as parseCountryFields / parseAsnFields). */
function payloadSql(kind: RangeKind): string[] {
  if (kind === 'country') return [`upper(trim(code_text)) as country_code`];
  return [`try_cast(regexp_replace(trim(asn_text), '(?i)^AS', '') as bigint) as asn`, `nullif(trim(coalesce(org_text, '')), '') as as_org`];
}

/**
 * Whether a row is one the JavaScript loader accepts, from the numbers and the payload: the keys are
 * lower-case hex of the right width by construction (key() below), so what remains is start <= end
 * (on the numbers: the same order as on equal-width keys) and the payload's own rule.
 */
function acceptedSql(kind: RangeKind): string {
  const payload = kind === 'country' ? `regexp_full_match(country_code, '[A-Z]{2}')` : `asn between 0 and 4294967295`;
  return `coalesce(start_number <= end_number and ${payload}, false)`;
}

/**
 * Fills dataset.table (created empty by the caller with the kind's columns) with the ranges of
 * the bundled text `files`, read from their numeric twins by DuckDB: one INSERT ... SELECT
 * straight from read_csv into the table (no staging copy, no second pass to check it). Returns the number of ranges and
 * rows, or null when a twin is missing, unreadable or holds a row the line-by-line loader would
 * reject (the caller then recreates the table and loads the text files line by line). With
 * `cacheDir`, the rows built are cached there and a later load of the same files copies them.
 */
export async function bulkLoadCsv(
  connection: DuckDBConnection,
  kind: RangeKind,
  files: readonly string[],
  dataset: string,
  table: string,
  cacheDir?: string,
): Promise<{ ranges: number; rows: number } | null> {
  const columns = CSV_COLUMNS[kind];
  if (!columns) throw new Error(`geo bulk load: no bulk reader for ${kind} ranges`);
  const twins = files.map(numericTwin);
  if (twins.some((t) => t === null)) return null;
  const target = `${ident(dataset)}.${ident(table)}`;
  const payload = kind === 'country' ? 'country_code' : 'asn, as_org';
  // One INSERT for every file: ranges that fit in one bucket (nearly all) take it directly, the few
  // wider ones and the rejected rows take the list of buckets.
  const params: Record<string, string> = {};
  const ctes: string[] = [];
  const selects = twins.flatMap((twin, i) => {
    const { file, digits } = twin!;
    const param = `file${i}`;
    params[param] = file; // a bound parameter, never SQL text
    const family = digits === 8 ? '4' : '6';
    const number = digits === 8 ? 'UBIGINT' : 'UHUGEINT';
    const types = `{${columns.map((c) => `'${c}': '${c.endsWith('_number') ? number : 'VARCHAR'}'`).join(', ')}}`;
    // A row the JavaScript loader would reject gets NULL keys (an IPv4 number beyond 32 bits too:
    // lpad would cut its hex), and its NULL bucket then fails the table's NOT NULL constraint: the
    // INSERT fails and the caller falls back to the line-by-line loader, which names the line.
    const accepted = acceptedSql(kind) + (digits === 8 ? ' and end_number <= 4294967295' : '');
    const key = (column: string) => `(case when accepted then lpad(lower(to_hex(${column})), ${digits}, '0') end)`;
    const levels = GEO.BUCKET_LEVELS[family];
    // Two keys share their first n hex digits when their numbers do once shifted right by 4 * (digits - n) bits.
    const same = (n: number) => `start_number >> ${4 * (digits - n)} = end_number >> ${4 * (digits - n)}`;
    const ranges = `ranges_${i}`;
    // Not materialized: each branch below reads the file again, which costs less than keeping 0.5M rows
    // in memory (and leaves less memory to the allocator for the build that follows).
    ctes.push(`${ranges} as not materialized (
  select
    ${key('start_number')} as start_key,
    ${key('end_number')} as end_key,
    ${payload},
    start_number, end_number,
    accepted and ${same(levels[levels.length - 1]!)} as fits_one_bucket,
  from (
    select *, ${accepted} as accepted
    from (
      select start_number, end_number, ${payloadSql(kind).join(', ')}
      from read_csv($${param}, header = false, columns = ${types}, delim = ',', quote = '"', escape = '"', auto_detect = false, null_padding = true)
      where start_number is not null
    )
  )
)`);
    // the narrowest level whose prefix the start and end share (levels run from narrowest to coarsest)
    const level = `(case ${levels
      .slice(0, -1)
      .map((n) => `when ${same(n)} then ${n}`)
      .join(' ')} else ${levels[levels.length - 1]} end)`;
    return [
      `select '${family}' || left(start_key, ${level}) as bucket, start_key, end_key, ${payload}
from ${ranges} where fits_one_bucket`,
      `select unnest(coalesce(${spreadBucketsSql(family, 'start_key', 'end_key')}, [null])) as bucket, start_key, end_key, ${payload}
from ${ranges} where not fits_one_bucket`,
    ];
  });
  const query = `with ${ctes.join(',\n')}\n${selects.join('\nunion all\n')}`;
  // The rows as built before from the same query and the same files (geo/cache.ts), else from the CSV files.
  // DuckDB's version is part of the key: the rows are what this DuckDB computes from the query.
  const version = cacheDir === undefined ? '' : String((await connection.runAndReadAll('select version()')).getRows()[0]?.[0]);
  const cached =
    cacheDir === undefined
      ? null
      : geoCacheFile(
          cacheDir,
          kind,
          `${version}\n${query}`,
          twins.map((t) => t!.file),
        );
  try {
    let rows = cached === null ? null : await readCached(connection, cached, target);
    if (rows === null) {
      rows = Number((await connection.run(`insert into ${target}\n${query}`, params)).rowsChanged);
      if (cached !== null) await writeCached(connection, cacheDir!, cached, target);
    }
    // A range's first row is the one whose bucket is a prefix of its start key (bucketsOf).
    const counts = await connection.runAndReadAll(
      `select count(*) from ${target} where substr(bucket, 2) = left(start_key, length(bucket) - 1)`,
    );
    return { ranges: Number(counts.getRows()[0]?.[0] ?? 0), rows };
  } catch {
    // a numeric file DuckDB cannot read as expected, or a rejected row: the line-by-line loader reads the text files instead
    return null;
  }
}
