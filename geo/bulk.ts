import { existsSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ident } from '../warehouse/duckdb.ts';
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
 * SQL of a range's buckets as a list (geo/ranges.ts bucketsOf): the narrowest level whose prefix
 * the start and end keys share, else every coarsest-level prefix from the start's to the end's.
 */
export function bucketsSql(start: string, end: string): string {
  const family = (digit: '4' | '6') => {
    const levels = GEO.BUCKET_LEVELS[digit];
    const coarsest = levels[levels.length - 1]!;
    const whens = levels.map((n) => `when left(${start}, ${n}) = left(${end}, ${n}) then ['${digit}' || left(${start}, ${n})]`);
    const first = `cast(('0x' || left(${start}, ${coarsest})) as integer)`;
    const last = `cast(('0x' || left(${end}, ${coarsest})) as integer)`;
    const spread = `list_transform(range(${first}, ${last} + 1), lambda p: '${digit}' || printf('%0${coarsest}x', p))`;
    return `(case ${whens.join(' ')} else ${spread} end)`;
  };
  return `(case when length(${start}) = 8 then ${family('4')} else ${family('6')} end)`;
}

/** The payload columns of a kind's table from the CSV's text columns (as parseCountryFields / parseAsnFields). */
function payloadSql(kind: RangeKind): string[] {
  if (kind === 'country') return [`upper(trim(code_text)) as country_code`];
  return [`try_cast(regexp_replace(trim(asn_text), '(?i)^AS', '') as bigint) as asn`, `nullif(trim(coalesce(org_text, '')), '') as as_org`];
}

/** A check of the loaded rows: how many are not what the JavaScript loader would accept. */
function malformedSql(kind: RangeKind, table: string): string {
  const keyOk = (k: string) => `(length(${k}) in (8, 32) and regexp_full_match(${k}, '[0-9a-f]+'))`;
  const payload = kind === 'country' ? `regexp_full_match(country_code, '[A-Z]{2}')` : `asn between 0 and 4294967295`;
  return `select count(*) from ${table}
where not coalesce(${keyOk('start_key')} and ${keyOk('end_key')} and length(start_key) = length(end_key) and start_key <= end_key and ${payload}, false)`;
}

/**
 * Fills dataset.table (created empty by the caller with the kind's columns) with the ranges of
 * the bundled text `files`, read from their numeric twins by DuckDB. Returns the number of
 * ranges and rows, or null when a twin is missing, unreadable or gives a malformed row (the
 * caller then recreates the table and loads the text files line by line).
 */
export async function bulkLoadCsv(
  connection: DuckDBConnection,
  kind: RangeKind,
  files: readonly string[],
  dataset: string,
  table: string,
): Promise<{ ranges: number; rows: number } | null> {
  const columns = CSV_COLUMNS[kind];
  if (!columns) throw new Error(`geo bulk load: no bulk reader for ${kind} ranges`);
  const twins = files.map(numericTwin);
  if (twins.some((t) => t === null)) return null;
  const target = `${ident(dataset)}.${ident(table)}`;
  const staged = 'temp.main.logflow_geo_bulk';
  const payload = kind === 'country' ? 'country_code' : 'asn, as_org';
  try {
    await connection.run(
      `create or replace temp table logflow_geo_bulk (start_key varchar, end_key varchar, ${kind === 'country' ? 'country_code varchar' : 'asn bigint, as_org varchar'})`,
    );
    for (const twin of twins) {
      const { file, digits } = twin!;
      const number = digits === 8 ? 'UBIGINT' : 'UHUGEINT';
      const types = `{${columns.map((c) => `'${c}': '${c.endsWith('_number') ? number : 'VARCHAR'}'`).join(', ')}}`;
      // lpad would cut a longer number's hex: an IPv4 number beyond 32 bits gives NULL (a malformed row) instead
      const key = (column: string) =>
        digits === 8
          ? `(case when ${column} <= 4294967295 then lpad(lower(to_hex(${column})), 8, '0') end)`
          : `lpad(lower(to_hex(${column})), 32, '0')`;
      // The file path is a bound parameter, never SQL text.
      await connection.run(
        `insert into ${staged}
select ${key('start_number')}, ${key('end_number')}, ${payloadSql(kind).join(', ')}
from read_csv($file, header = false, columns = ${types}, delim = ',', quote = '"', escape = '"', auto_detect = false, null_padding = true)
where start_number is not null`,
        { file },
      );
    }
    const bad = await connection.runAndReadAll(malformedSql(kind, staged));
    if (Number(bad.getRows()[0]?.[0] ?? 0) > 0) return null;
    await connection.run(`insert into ${target}
select unnest(${bucketsSql('start_key', 'end_key')}) as bucket, start_key, end_key, ${payload}
from ${staged}`);
    const counts = await connection.runAndReadAll(`select (select count(*) from ${staged}), (select count(*) from ${target})`);
    const [ranges, rows] = counts.getRows()[0] ?? [0, 0];
    return { ranges: Number(ranges), rows: Number(rows) };
  } catch {
    // a numeric file DuckDB cannot read as expected: the line-by-line loader reads the text files instead
    return null;
  } finally {
    await connection.run(`drop table if exists ${staged}`);
  }
}
