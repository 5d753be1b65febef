/**
 * What a statement read, from DuckDB's own profile (`EXPLAIN (ANALYZE, FORMAT JSON)`, which runs
 * the statement for real): the rows each table scan produced (after the filters DuckDB pushed into
 * the scan, e.g. a model's arrival window and staged watermark), summed per table, and the rows
 * that reached each kind of operator. Pure functions over the profile's JSON.
 */

/** Rows a profiled statement read and processed. */
export interface RowsProfile {
  /** Rows out of the table scans, per table (`catalog.schema.table` as DuckDB names it). */
  read: Record<string, number>;
  /** The most rows that reached one operator, per operator type (e.g. WINDOW, HASH_GROUP_BY). */
  widest: Record<string, number>;
}

interface ProfileNode {
  operator_type?: string;
  operator_cardinality?: number;
  extra_info?: { Table?: string };
  children?: ProfileNode[];
}

/** The statement to run instead of `sql` to get its profile (it still runs `sql`). */
export function profiledStatement(sql: string): string {
  return `explain (analyze, format json) ${sql}`;
}

/** The profile of one statement: the JSON text DuckDB returns as the second column of its one row. */
export function rowsProfile(json: string): RowsProfile {
  const out: RowsProfile = { read: {}, widest: {} };
  const stack: ProfileNode[] = [JSON.parse(json) as ProfileNode];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const type = node.operator_type;
    const rows = node.operator_cardinality ?? 0;
    if (type === 'TABLE_SCAN' && node.extra_info?.Table) out.read[node.extra_info.Table] = (out.read[node.extra_info.Table] ?? 0) + rows;
    if (type) out.widest[type] = Math.max(out.widest[type] ?? 0, rows);
    stack.push(...(node.children ?? []));
  }
  return out;
}

/** Adds the profile `b` into `a` (the steps of one action). */
export function addProfile(a: RowsProfile, b: RowsProfile): RowsProfile {
  const read = { ...a.read };
  for (const [table, rows] of Object.entries(b.read)) read[table] = (read[table] ?? 0) + rows;
  const widest = { ...a.widest };
  for (const [type, rows] of Object.entries(b.widest)) widest[type] = Math.max(widest[type] ?? 0, rows);
  return { read, widest };
}
