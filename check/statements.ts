import type { Table, Target } from '../warehouse/graph.ts';

/**
 * The statements `dataform run` sends to BigQuery for each action, built as Dataform's BigQuery
 * execution SQL builds them (cli/api/dbadapters/execution_sql.ts in dataform-co/dataform, 3.x),
 * so that the check analyses the same shapes: CREATE OR REPLACE TABLE ... PARTITION BY ...
 * CLUSTER BY ... OPTIONS(...) AS <query>, CREATE OR REPLACE VIEW, INSERT ... SELECT and MERGE for
 * incremental runs, and an assertion's view plus its row count.
 */

/** A statement and where the action's own compiled SQL (`embedded`) starts inside it. */
export interface Statement {
  /** What this statement is, for messages: 'create table', 'incremental merge', 'pre_operations[1]', ... */
  label: string;
  sql: string;
  /** The compiled SQL text from the SQLX file that this statement embeds (whole for pre/post ops and operations). */
  embedded: string;
  /** Offset of `embedded` in `sql` (-1 when the statement contains no compiled text, e.g. an assertion's row count). */
  offset: number;
}

/** `` `project.dataset.table` ``, as Dataform resolves targets for BigQuery. */
export function resolveTarget(target: Target): string {
  return `\`${[target.database, target.schema, target.name].filter(Boolean).join('.')}\``;
}

function wrap(label: string, before: string, embedded: string, after = ''): Statement {
  return { label, sql: `${before}${embedded}${after}`, embedded, offset: before.length };
}

/** A statement that is the compiled text itself (pre/post operations, operations' queries). */
export function verbatim(label: string, sql: string): Statement {
  return { label, sql, embedded: sql, offset: 0 };
}

/** CREATE OR REPLACE TABLE/VIEW for a table, view or the full refresh of an incremental table. */
export function createOrReplace(table: Table): Statement {
  const bq = table.bigquery ?? {};
  const isView = table.type === 'view';
  const options: string[] = [];
  if (bq.partitionBy && bq.partitionExpirationDays) options.push(`partition_expiration_days=${bq.partitionExpirationDays}`);
  if (bq.partitionBy && bq.requirePartitionFilter) options.push(`require_partition_filter=${bq.requirePartitionFilter}`);
  const additional = (bq as { additionalOptions?: Record<string, string> }).additionalOptions ?? {};
  for (const [name, value] of Object.entries(additional)) options.push(`${name}=${value}`);
  const kind = `${table.materialized ? 'materialized ' : ''}${isView ? 'view' : 'table'}`;
  const before =
    `create or replace ${kind} ${resolveTarget(table.target)} ` +
    `${bq.partitionBy ? `partition by ${bq.partitionBy} ` : ''}` +
    `${bq.clusterBy && bq.clusterBy.length > 0 ? `cluster by ${bq.clusterBy.join(', ')} ` : ''}` +
    `\n    ${options.length > 0 ? `OPTIONS(${options.join(',')})` : ''}as `;
  return wrap(isView ? 'create view' : 'create table', before, table.query ?? '');
}

/** The incremental run's query: the incremental query, filtered by the deprecated `where` if set. */
function incrementalSource(table: Table): string {
  return table.incrementalQuery || table.query || '';
}

/** INSERT for an incremental table without a unique key; `columns` are the existing table's. */
export function insertInto(table: Table, columns: string[]): Statement {
  const names = columns.map((c) => `\`${c}\``).join(',');
  return wrap('incremental insert', `\ninsert into ${resolveTarget(table.target)}\n(${names})\nselect ${names}\nfrom (`, incrementalSource(table), `) as insertions`);
}

/** MERGE on the unique key for an incremental table; `columns` are the existing table's. */
export function mergeInto(table: Table, columns: string[]): Statement {
  const backticked = columns.map((c) => `\`${c}\``);
  const on = (table.uniqueKey ?? []).map((k) => `T.${k} = S.${k}`).join(' and ');
  const filter = table.bigquery?.updatePartitionFilter ? `and T.${table.bigquery.updatePartitionFilter}` : '';
  const after =
    `\n) S\non ${on}\n  ${filter}\nwhen matched then\n  update set ${columns.map((c) => `\`${c}\` = S.${c}`).join(',')}\n` +
    `when not matched then\n  insert (${backticked.join(',')}) values (${backticked.join(',')})`;
  return wrap('incremental merge', `\nmerge ${resolveTarget(table.target)} T\nusing (`, incrementalSource(table), after);
}

/** The view Dataform creates for an assertion. */
export function assertionView(target: Target, query: string): Statement {
  return wrap('assertion view', `\n      create or replace view ${resolveTarget(target)} as `, query);
}

/** The row count Dataform runs on an assertion's view (the assertion fails when it is above 0). */
export function assertionCount(target: Target): Statement {
  return { label: 'assertion row count', sql: `select sum(1) as row_count from ${resolveTarget(target)}`, embedded: '', offset: -1 };
}
