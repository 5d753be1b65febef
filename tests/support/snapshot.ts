import type { Warehouse } from '../../warehouse/duckdb.ts';
import { queryRows } from './pipeline.ts';

/**
 * Columns that hold the time of the run that wrote a row (the staged watermark): a full refresh
 * stages everything at once, so they differ from a series of incremental runs by design.
 */
export const RUN_TIME_COLUMNS = ['staged_at', 'last_staged_at'];

/**
 * Tables of run state, not data: the run marks (definitions/meta/model_watermarks.sqlx) record each
 * run, so a series of runs and a full refresh differ there by design.
 */
export const RUN_STATE_TABLES = ['model_watermarks'];

/** A query of every row of `table` without the run-time columns, in a fixed order. */
export function comparableRows(table: string, orderBy = 'all'): string {
  const skip = RUN_TIME_COLUMNS.map((c) => `'${c}'`).join(', ');
  return `select columns(c -> c not in (${skip})) from ${table} order by ${orderBy}`;
}

/** Every table of schema logflow but the run state, row for row without the run-time columns, as JSON text per table. */
export async function tableSnapshots(wh: Warehouse): Promise<Record<string, string>> {
  const tables = await queryRows(
    wh,
    `select table_name from information_schema.tables where table_schema = 'logflow' and table_type = 'BASE TABLE'
       and table_name not in (${RUN_STATE_TABLES.map((t) => `'${t}'`).join(', ')}) order by all`,
  );
  const out: Record<string, string> = {};
  for (const t of tables) {
    const name = `logflow.${String(t.table_name)}`;
    out[name] = JSON.stringify(await queryRows(wh, comparableRows(name)));
  }
  return out;
}
