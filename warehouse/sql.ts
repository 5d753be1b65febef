import type { Target } from './graph.ts';

/** Quotes a DuckDB identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a SQL string literal (for DuckDB; used for paths and names we control, never for data). */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `"database"."schema"."name"` for DuckDB. */
export function quoteTarget(target: Target): string {
  return [target.database, target.schema, target.name]
    .filter((p): p is string => !!p)
    .map(ident)
    .join('.');
}

/**
 * Rewrites the names Dataform renders for BigQuery (`` `project.dataset.table` ``: one
 * backticked, dotted identifier) as DuckDB's quoted three-part names. Models never use
 * backticks otherwise (the dialect layer owns all spelling differences), and data never
 * reaches SQL text, so every backticked run is a compiled reference.
 */
export function toDuckdbNames(sql: string): string {
  return sql.replace(/`([^`\n]+)`/g, (_, name: string) => name.split('.').map(ident).join('.'));
}
