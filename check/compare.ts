import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBStructValue,
  DuckDBTimeValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
} from '@duckdb/node-api';
import type { TypedColumn } from './catalog.ts';
import type { TypeProto } from './types.ts';
import { formatTimestamp } from './values.ts';

/**
 * Comparing query results across engines (ZetaSQL's evaluator, DuckDB) and with expected rows:
 * values in a canonical form per BigQuery type, rows as multisets. Pure functions.
 */

/** A comparable, printable form of a value of the given BigQuery type, from either engine. */
export function canonical(value: unknown, type: TypeProto): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeKind) {
    case 'TYPE_INT64':
      return String(value instanceof DuckDBDecimalValue ? value.value : value);
    case 'TYPE_DOUBLE':
      return Number(value);
    case 'TYPE_BOOL':
      return Boolean(value);
    case 'TYPE_STRING':
      return String(value);
    case 'TYPE_BYTES':
      return Buffer.from(value instanceof DuckDBBlobValue ? value.bytes : (value as Uint8Array)).toString('hex');
    case 'TYPE_TIMESTAMP':
      return value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue
        ? formatTimestamp(value.micros)
        : String(value);
    case 'TYPE_DATETIME':
      return value instanceof DuckDBTimestampValue ? formatTimestamp(value.micros).slice(0, -1) : String(value);
    case 'TYPE_DATE':
      return value instanceof DuckDBDateValue ? new Date(value.days * 86_400_000).toISOString().slice(0, 10) : String(value);
    case 'TYPE_TIME':
      return value instanceof DuckDBTimeValue ? formatTimestamp(value.micros).slice(11, -1) : String(value);
    case 'TYPE_NUMERIC':
    case 'TYPE_BIGNUMERIC': {
      const text = String(value);
      return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
    }
    case 'TYPE_JSON':
      return JSON.stringify(sortKeys(JSON.parse(String(value))));
    case 'TYPE_ARRAY': {
      const items = value instanceof DuckDBListValue ? value.items : (value as unknown[]);
      return items.map((item) => canonical(item, type.arrayType!.elementType));
    }
    case 'TYPE_STRUCT': {
      const entries = value instanceof DuckDBStructValue ? value.entries : (value as Record<string, unknown>);
      return Object.fromEntries(type.structType!.field.map((f) => [f.fieldName, canonical(entries[f.fieldName], f.fieldType)]));
    }
    default:
      return String(value);
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}

/** One row as a stable string: the canonical values in column order. */
export function canonicalRow(row: Record<string, unknown>, columns: TypedColumn[]): string {
  return JSON.stringify(columns.map((c) => canonical(row[c.name], c.type)));
}

/** Compares two sorted lists of canonical rows as multisets; returns the differences (at most `limit` rows per side). */
export function compareCanonical(bigquery: string[], duckdb: string[], limit = 5): string[] {
  const counts = new Map<string, number>();
  for (const row of bigquery) counts.set(row, (counts.get(row) ?? 0) + 1);
  for (const row of duckdb) counts.set(row, (counts.get(row) ?? 0) - 1);
  const onlyBigquery = [...counts].filter(([, n]) => n > 0);
  const onlyDuckdb = [...counts].filter(([, n]) => n < 0);
  const out: string[] = [];
  if (bigquery.length !== duckdb.length) out.push(`row count: BigQuery ${bigquery.length}, DuckDB ${duckdb.length}`);
  for (const [row, n] of onlyBigquery.slice(0, limit)) out.push(`only in BigQuery${n > 1 ? ` (x${n})` : ''}: ${row}`);
  for (const [row, n] of onlyDuckdb.slice(0, limit)) out.push(`only in DuckDB${n < -1 ? ` (x${-n})` : ''}: ${row}`);
  const hidden = Math.max(0, onlyBigquery.length - limit) + Math.max(0, onlyDuckdb.length - limit);
  if (hidden > 0) out.push(`... and ${hidden} more differing row(s)`);
  return out;
}
