/**
 * Where the report reads from: the local DuckDB warehouse or the BigQuery output tables. Both
 * take the same fixed query texts (report/queries.ts) with named parameters (`@from`, `@to`);
 * values are always bound, never spliced into SQL.
 */
export type Engine = 'duckdb' | 'bigquery';

export type Row = Record<string, unknown>;

export interface ReportSource {
  engine: Engine;
  /** Human description for the page header ("local warehouse .logflow/warehouse.duckdb"). */
  label: string;
  /** Runs one read-only query with bound parameters; rows as plain JS values. */
  query(sql: string, params: Record<string, string | number>): Promise<Row[]>;
  close(): Promise<void> | void;
}

/** Engine-specific spellings used by the report's queries (the models keep theirs in includes/dialect.js). */
export interface Spelling {
  /** Output table reference. */
  table(name: string): string;
  /** Epoch milliseconds of a timestamp expression. */
  epochMs(expr: string): string;
  /** Truncation of a timestamp to the minute / hour. */
  trunc(expr: string, unit: 'minute' | 'hour'): string;
  /** A string expression of a value (dates, numbers). */
  str(expr: string): string;
  /** A bound parameter. */
  param(name: string): string;
  /** The GoAccess visitor key of a request row (client IP + user agent, NULLs marked). */
  visitor: string;
}

export function spelling(engine: Engine, dataset: string, project?: string): Spelling {
  const bq = engine === 'bigquery';
  return {
    table: (name) => (bq ? `\`${project}.${dataset}.${name}\`` : `${quote(dataset)}.${quote(name)}`),
    epochMs: (expr) => (bq ? `unix_millis(${expr})` : `epoch_ms(${expr})`),
    trunc: (expr, unit) => (bq ? `timestamp_trunc(${expr}, ${unit})` : `date_trunc('${unit}', ${expr})`),
    str: (expr) => `cast(${expr} as string)`,
    param: (name) => (bq ? `@${name}` : `$${name}`),
    visitor: bq
      ? `concat(coalesce(client_ip, '\\\\N'), '\\x1f', coalesce(user_agent, '\\\\N'))`
      : `coalesce(client_ip, '\\N') || chr(31) || coalesce(user_agent, '\\N')`,
  };
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
