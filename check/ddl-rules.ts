import type { TypedColumn } from './catalog.ts';
import { formatType } from './types.ts';

/**
 * BigQuery's rules for PARTITION BY and CLUSTER BY that ZetaSQL's analyzer accepts without
 * checking (it takes any expression): BigQuery rejects the CREATE TABLE at run time. From the
 * CREATE TABLE reference: a partition expression is `_PARTITIONDATE`, `DATE(_PARTITIONTIME)`, a
 * DATE column, `DATE(timestamp or datetime column)`, `TIMESTAMP_TRUNC`/`DATETIME_TRUNC(column,
 * DAY|HOUR|MONTH|YEAR)`, `DATE_TRUNC(date column, MONTH|YEAR)` or `RANGE_BUCKET(int64 column,
 * GENERATE_ARRAY(...))`; at most four clustering columns, top-level and of an orderable scalar
 * type. Pure functions; each returns messages (empty when the config is valid).
 */

const CLUSTERABLE = new Set([
  'TYPE_STRING',
  'TYPE_INT64',
  'TYPE_NUMERIC',
  'TYPE_BIGNUMERIC',
  'TYPE_DATE',
  'TYPE_DATETIME',
  'TYPE_TIMESTAMP',
  'TYPE_BOOL',
  'TYPE_GEOGRAPHY',
]);
const NAME = '`?([A-Za-z_][A-Za-z0-9_]*)`?';

function typeOf(columns: TypedColumn[], name: string): string | undefined {
  return columns.find((c) => c.name.toLowerCase() === name.toLowerCase())?.type.typeKind;
}

/** Problems with a `partitionBy` expression given the table's columns. */
export function partitionProblems(expression: string, columns: TypedColumn[]): string[] {
  const e = expression.trim();
  const bad = (why: string) => [`partitionBy "${e}" is not a partitioning BigQuery accepts: ${why}`];
  if (/^_PARTITIONDATE$/i.test(e) || /^DATE\s*\(\s*_PARTITIONTIME\s*\)$/i.test(e)) return [];
  if (/^TIMESTAMP_TRUNC\s*\(\s*_PARTITIONTIME\s*,\s*(HOUR|DAY|MONTH|YEAR)\s*\)$/i.test(e)) return []; // ingestion time, e.g. the landing table
  const unit = (units: string[]) => new RegExp(`^(${units.join('|')})$`, 'i');
  let m: RegExpExecArray | null;
  const need = (name: string, kinds: string[], what: string): string[] => {
    const kind = typeOf(columns, name);
    if (!kind) return []; // an unknown column is reported by the analyzer
    return kinds.includes(kind) ? [] : bad(`${name} is ${formatType({ typeKind: kind })}, ${what}`);
  };
  if ((m = new RegExp(`^${NAME}$`).exec(e)))
    return need(m[1]!, ['TYPE_DATE'], 'a column partitions the table only when it is a DATE (use DATE(column) for a TIMESTAMP)');
  if ((m = new RegExp(`^DATE\\s*\\(\\s*${NAME}\\s*\\)$`, 'i').exec(e)))
    return need(m[1]!, ['TYPE_TIMESTAMP', 'TYPE_DATETIME'], 'DATE() takes a TIMESTAMP or DATETIME column');
  if ((m = new RegExp(`^(TIMESTAMP|DATETIME|DATE)_TRUNC\\s*\\(\\s*${NAME}\\s*,\\s*(\\w+)\\s*\\)$`, 'i').exec(e))) {
    const fn = m[1]!.toUpperCase();
    const units = fn === 'DATE' ? ['MONTH', 'YEAR'] : ['DAY', 'HOUR', 'MONTH', 'YEAR'];
    if (!unit(units).test(m[3]!)) return bad(`${fn}_TRUNC partitions by ${units.join(', ')} only`);
    return need(m[2]!, [`TYPE_${fn}`], `${fn}_TRUNC needs a ${fn} column`);
  }
  if ((m = new RegExp(`^RANGE_BUCKET\\s*\\(\\s*${NAME}\\s*,\\s*GENERATE_ARRAY\\s*\\(.*\\)\\s*\\)$`, 'i').exec(e)))
    return need(m[1]!, ['TYPE_INT64'], 'RANGE_BUCKET needs an INT64 column');
  return bad(
    'use a DATE column, DATE(ts), TIMESTAMP_TRUNC/DATETIME_TRUNC(col, DAY|HOUR|MONTH|YEAR), DATE_TRUNC(date, MONTH|YEAR) or RANGE_BUCKET(int64, GENERATE_ARRAY(...))',
  );
}

/** Problems with a `clusterBy` list given the table's columns. */
export function clusterProblems(clusterBy: string[], columns: TypedColumn[]): string[] {
  const problems: string[] = [];
  if (clusterBy.length > 4) problems.push(`clusterBy has ${clusterBy.length} columns; BigQuery clusters by at most 4`);
  for (const raw of clusterBy) {
    const name = raw.trim().replace(/^`|`$/g, '');
    const kind = typeOf(columns, name);
    if (!kind) {
      problems.push(`clusterBy column ${name} is not a column of the table`);
    } else if (!CLUSTERABLE.has(kind)) {
      problems.push(
        `clusterBy column ${name} is ${formatType({ typeKind: kind })}; BigQuery clusters only by top-level STRING, INT64, NUMERIC, BIGNUMERIC, DATE, DATETIME, TIMESTAMP, BOOL or GEOGRAPHY columns`,
      );
    }
  }
  return problems;
}
