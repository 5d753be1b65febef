import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { fullName } from './graph.ts';
import type { Action } from './plan.ts';
import { literal } from './sql.ts';

/**
 * An assertion's view is created again only when its SQL changed. Each view logflow creates for
 * an assertion carries, as its DuckDB comment, a mark made of the SHA-256 of the statement that
 * created it; a run whose statement hashes to the same mark queries the view as it is. Re-creating
 * 64 unchanged views cost every incremental run 64 catalog writes, each committed with its own
 * WAL fsync, for nothing. A view without the mark (made by an older logflow, or by hand) is
 * created again, once.
 */
const MARK_PREFIX = 'logflow: view of this assertion, sha256 of its SQL ';

/** The comment that marks a view created by `createSql`. */
export function viewMark(createSql: string): string {
  return MARK_PREFIX + createHash('sha256').update(createSql).digest('hex');
}

/** `comment on view` statement that marks the view `target` as created by `createSql`. */
export function markViewSql(target: string, createSql: string): string {
  return `comment on view ${target} is ${literal(viewMark(createSql))}`;
}

/**
 * The marks on the views of the catalogs the plan writes, by action key (fullName), read once
 * at the start of a run; empty when the plan runs no assertion. Only an assertion's own action
 * replaces its view, so a mark read here still describes the view when that action starts.
 */
export async function viewMarks(connection: DuckDBConnection, order: Action[]): Promise<Map<string, string>> {
  const marks = new Map<string, string>();
  const catalogs = [...new Set(order.filter((a) => a.kind === 'assertion' && !a.disabled).map((a) => a.target.database ?? ''))];
  if (catalogs.length === 0) return marks;
  const reader = await connection.runAndReadAll(
    `select database_name, schema_name, view_name, comment from duckdb_views()
     where not internal and comment like ${literal(`${MARK_PREFIX}%`)}
     and database_name in (${catalogs.map((_, i) => `$${i + 1}`).join(', ')})`,
    catalogs,
  );
  for (const [database, schema, name, comment] of reader.getRows()) {
    marks.set(fullName({ database: String(database), schema: String(schema), name: String(name) }), String(comment));
  }
  return marks;
}
