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

/**
 * INSERT for an incremental table without a unique key; `columns` are the existing table's.
 * Byte for byte the CLI's ExecutionSql.insertInto (its template ends three lines with a tab).
 */
export function insertInto(table: Table, columns: string[]): Statement {
  const names = columns.map((c) => `\`${c}\``).join(',');
  return wrap(
    'incremental insert',
    `\t\ninsert into ${resolveTarget(table.target)}\t\n(${names})\t\nselect ${names}\t\nfrom (`,
    incrementalSource(table),
    `) as insertions`,
  );
}

/** The CLI's buildIncrementalPredicatesString: `and (p1) and (p2)` for the non-blank predicates, or ''. */
export function incrementalPredicatesClause(predicates: string[] | undefined): string {
  const valid = (predicates ?? []).filter((p) => p.trim() !== '');
  return valid.length === 0 ? '' : `and ${valid.map((p) => `(${p})`).join(' and ')}`;
}

/**
 * MERGE on the unique key for an incremental table; `columns` are the existing table's. Byte for
 * byte the CLI's ExecutionSql.mergeInto (@dataform/cli 3.0.69): targets aliased DATAFORM_DEST and
 * DATAFORM_SOURCE, `updatePartitionFilter` appended to ON as `and DATAFORM_DEST.<filter>`, then the
 * `incrementalPredicates` clause on its own line.
 */
export function mergeInto(table: Table, columns: string[]): Statement {
  const bq = (table.bigquery ?? {}) as { updatePartitionFilter?: string; incrementalPredicates?: string[] };
  const backticked = columns.map((c) => `\`${c}\``);
  const on = (table.uniqueKey ?? []).map((k) => `DATAFORM_DEST.${k} = DATAFORM_SOURCE.${k}`).join(' and ');
  const predicates = incrementalPredicatesClause(bq.incrementalPredicates);
  const after =
    `\n) DATAFORM_SOURCE\non ${on} ${bq.updatePartitionFilter ? `and DATAFORM_DEST.${bq.updatePartitionFilter}` : ''}\n` +
    `${predicates ? ` ${predicates}` : ''}\n` +
    `when matched then\n  update set ${columns.map((c) => `\`${c}\` = DATAFORM_SOURCE.${c}`).join(',')}\n` +
    `when not matched then\n  insert (${backticked.join(',')}) values (${backticked.join(',')})`;
  return wrap('incremental merge', `\nmerge ${resolveTarget(table.target)} DATAFORM_DEST\nusing (`, incrementalSource(table), after);
}

/**
 * The one script `dataform run` sends for an action (the CLI's Tasks.concatenate): each statement
 * trimmed, blank ones dropped, every one but the last given a `;` unless it ends with one (a
 * trailing `--` comment on the last line stays after the `;`), joined with newlines.
 */
export function concatenateScript(statements: string[]): string {
  const kept = statements
    .filter((s) => !!s)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return kept
    .map((statement, index) => {
      const isLast = index === kept.length - 1;
      const lastLineStart = statement.lastIndexOf('\n') + 1;
      const commentIndex = statement.indexOf('--', lastLineStart);
      let code = statement;
      let comment = '';
      if (commentIndex === 0) [code, comment] = ['', statement];
      else if (commentIndex > 0) [code, comment] = [statement.substring(0, commentIndex).trimEnd(), statement.substring(commentIndex)];
      if (!isLast && code.length > 0 && !code.endsWith(';')) code += ';';
      return code.length > 0 && comment.length > 0 ? `${code} ${comment}` : code || comment;
    })
    .join('\n');
}

/** The view Dataform creates for an assertion. */
export function assertionView(target: Target, query: string): Statement {
  return wrap('assertion view', `\n      create or replace view ${resolveTarget(target)} as `, query);
}

/** The row count Dataform runs on an assertion's view (the assertion fails when it is above 0). */
export function assertionCount(target: Target): Statement {
  return { label: 'assertion row count', sql: `select sum(1) as row_count from ${resolveTarget(target)}`, embedded: '', offset: -1 };
}
