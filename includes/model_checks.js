/**
 * The SQL of the models' data checks (definitions/assertions/model_checks.js publishes them):
 * a unique key and row conditions (with `nonNull` columns as `column is not null`, as
 * Dataform's inline `assertions:` wrote them), each in two variants:
 *
 * - windowed (every scheduled run): only the partitions a run just wrote, through a filter on
 *   the partition column that BigQuery prunes with. An assertion is a view on BigQuery (Dataform
 *   runs `create or replace view` then counts its rows), and a view cannot DECLARE script
 *   variables, so the window is a constant expression: the last WINDOW_HOURS arrival or event
 *   hours before the current hour, and the NULL partition. A unique key whose columns do not include the partition column
 *   (line_id, request_id, session_id) is looked up lateArrivalDays further back too, where an
 *   earlier copy of a new row can be (the span the models deduplicate over).
 * - full history (tag `full_history`, run now and then, enabled by the var fullHistory=true): every row.
 *
 * A table that is not partitioned (the dimensions) gets one variant, run every time: BigQuery
 * cannot prune it.
 *
 * On DuckDB (no partitions to prune, d.prunesPartitions() false), a table with a `staged` window
 * (the row-per-line tables, which carry stg_landing__lines' `staged_at`) is checked where the run
 * could have broken it instead of over the last WINDOW_HOURS of arrivals, which right after a
 * backfill are every row: the rows of the newest staging batch it holds (`staged_at` equal to its
 * newest; with `staged.touched`, also the rows a run rewrote with them: the hits of a visitor
 * from the block of its earliest new hit, which int_requests_sessionized replays), their keys looked up in the whole table on the
 * key columns alone. A batch a run did not write (nothing new) is checked again, cheaply; rows of
 * an older batch that a later run wrote first (after a run of only some actions) are left to the
 * full-history checks, as rows older than the window are on BigQuery.
 *
 * Every function takes the dialect helpers `d` (includes/dialect.js) first.
 */

/**
 * Hours before the current hour (UTC) a windowed check covers: a run writes the rows of the
 * arrivals since its previous run, so a schedule of at least one run a day has every row checked
 * (rows of a longer pause, or of old dates a backfill rebuilds, are left to the full-history checks).
 */
const WINDOW_HOURS = 24;

/** The tag of the checks that read all history. */
const FULL_HISTORY_TAG = 'full_history';

/**
 * Whether the actions tagged full_history are enabled: only when the var fullHistory is "true"
 * (`dataform run --tags full_history --vars=fullHistory=true`). Otherwise they compile disabled,
 * so that a scheduled run of the whole release (a Dataform workflow configuration cannot exclude a
 * tag) never scans history.
 */
const vars = (typeof dataform !== 'undefined' && dataform.projectConfig && dataform.projectConfig.vars) || {};
const FULL_HISTORY_ENABLED = vars.fullHistory === 'true';

/**
 * The start of the window: the current hour minus WINDOW_HOURS, a constant expression.
 * @param {object} d
 * @param {number} [extraDays] days further back
 * @returns {string} a TIMESTAMP expression
 */
function windowStart(d, extraDays) {
  const start = d.timestampSub(d.timestampTrunc(d.currentTimestamp(), 'hour'), WINDOW_HOURS, 'hour');
  return extraDays ? d.timestampSub(start, extraDays, 'day') : start;
}

/**
 * The window's lower bound on a partition column, of the column's type.
 * @param {object} d
 * @param {{ column: string, type: 'timestamp' | 'date' }} partition
 * @param {number} [extraDays]
 * @returns {string} a constant expression
 */
function windowBound(d, partition, extraDays) {
  const start = windowStart(d, extraDays);
  return partition.type === 'date' ? d.dateOf(start) : start;
}

/**
 * The filter that keeps the window's rows: the partition column from the window's start on, or
 * NULL (BigQuery's __NULL__ partition, one more partition: a row without its partition value is
 * checked on every run).
 * @param {object} d
 * @param {{ column: string, type: 'timestamp' | 'date' }} partition
 * @param {number} [extraDays]
 * @returns {string}
 */
function inWindow(d, partition, extraDays) {
  return `(${partition.column} >= ${windowBound(d, partition, extraDays)} or ${partition.column} is null)`;
}

/**
 * Whether a check uses its local staged window: a `staged` config, on a warehouse without
 * partition pruning (DuckDB).
 * @param {object} d
 * @param {{ column: string } | undefined} staged
 * @returns {boolean}
 */
function usesStagedWindow(d, staged) {
  return !!staged && !d.prunesPartitions();
}

/**
 * The rows of `table` in its staged window, as a query: its newest staging batch (DuckDB skips
 * the row groups written before it by their min/max), and with `staged.touched` also the older
 * rows a run rewrites with them: each entity's (`key`) rows at `at` or later than the earliest
 * `from` of its new rows (int_requests_sessionized replays a visitor's hits from the start of the
 * block holding its earliest new hit).
 * @param {string} table ref() of the model
 * @param {{ column: string, touched?: { key: string, from: string, at: string } }} staged
 * @param {string[]} [columns] the columns to return (default: all)
 * @returns {string} a query
 */
function stagedRows(table, staged, columns) {
  const column = staged.column;
  const newest = `(select max(${column}) from ${table})`;
  const list = (alias) => (columns ? columns.map((c) => (alias ? `${alias}.${c}` : c)).join(', ') : alias ? `${alias}.*` : '*');
  const batch = `select ${list()} from ${table} where ${column} >= ${newest}`;
  if (!staged.touched) return batch;
  const { key, from, at } = staged.touched;
  return `${batch}
    union all
    select ${list('replayed')} from ${table} as replayed
    inner join (
      select ${key}, min(${from}) as replayed_from, from ${table}
      where ${column} >= ${newest}
      group by ${key}
    ) as touched on touched.${key} = replayed.${key}
    where replayed.${at} >= touched.replayed_from
      and (replayed.${column} < ${newest} or replayed.${column} is null)`;
}

/** A condition as a SQL string literal: the text has no quote or backslash (both engines spell those differently). */
function literal(text) {
  if (/['\\]/.test(text)) throw new Error(`model check condition must not contain a quote or backslash: ${text}`);
  return `'${text}'`;
}

/**
 * The conditions a row must meet: the row conditions, then `column is not null` for each non-null column.
 * @param {{ nonNull?: string[], rowConditions?: string[] }} check
 * @returns {string[]}
 */
function rowConditions(check) {
  return [...(check.rowConditions || []), ...(check.nonNull || []).map((c) => `${c} is not null`)];
}

/**
 * The unique-key check: one row per key held by more than one row (with the count).
 * @param {object} d
 * @param {string} table ref() of the model
 * @param {string[]} uniqueKey
 * @param {{ column: string, type: 'timestamp' | 'date' } | undefined} partition undefined: every row (full history, or an unpartitioned table)
 * @param {number} lateArrivalDays how far before the window an earlier copy of a row can be, when the key lacks the partition column
 * @param {{ column: string, touched?: { key: string, from: string, at: string } }} [staged] the local staged window (usesStagedWindow), with `partition`
 * @returns {string} a query
 */
function uniqueKeyQuery(d, table, uniqueKey, partition, lateArrivalDays, staged) {
  const keys = uniqueKey.join(', ');
  if (partition && usesStagedWindow(d, staged)) {
    // The keys of the newest batch, counted over the whole table by the key column alone (an
    // earlier copy of a new row can be anywhere); the old rows were checked when they were new.
    // Rows a run replays with them (staged.touched) are left out: every one was in the merge's
    // source, whose keys the executor checks are distinct, and the merge deletes each key before
    // inserting it. IN, not a join: DuckDB builds its hash table on the few new keys.
    // When the newest batch is the whole table (a first build, a full refresh), every row is new:
    // its keys are counted as they are, without the lookup (half the cost). Each branch reads the
    // table through an equality join on a one-row side that is NULL for the other case, so DuckDB
    // skips that branch's scan, and pushes the batch's staged_at into the other's (row groups of
    // older batches are skipped by their min/max).
    // The whole table's keys are grouped by their 64-bit fingerprint first (a million integers group
    // several times faster than a million strings), and only the keys whose fingerprint is held more
    // than once are counted exactly: a repeated key has a repeated fingerprint, so nothing is missed,
    // and a fingerprint collision of two distinct keys is no failure (their exact counts are 1).
    if (uniqueKey.length !== 1) throw new Error(`a staged window needs a one-column unique key, got ${keys}`);
    const column = staged.column;
    const fingerprint = (expr) => d.fingerprint64(d.cast(expr, 'string'));
    return `with

newest as (
  select
    max(${column}) as ${column},
    min(${column}) = max(${column}) and count(${column}) = count(*) as is_whole_table,
  from ${table}
),

batch as (
  select
    case when is_whole_table then ${column} end as whole_table_at,
    case when not is_whole_table then ${column} end as newest_at,
  from newest
),

new_keys as (
  select t.${keys} from ${table} as t
  inner join batch on t.${column} = batch.newest_at
),

repeated_fingerprints as (
  select ${fingerprint(`t.${keys}`)} as key_fingerprint,
  from ${table} as t
  inner join batch on t.${column} = batch.whole_table_at
  group by 1
  having count(*) > 1
),

rows_ as (
  select ${keys} from ${table}
  where ${fingerprint(keys)} in (select key_fingerprint from repeated_fingerprints)
  union all
  select ${keys} from ${table}
  where ${keys} in (select ${keys} from new_keys)
),

final as (
  select ${keys}, count(*) as index_row_count,
  from rows_
  group by ${keys}
  having count(*) > 1
)

select * from final`;
  }
  if (!partition) {
    return `with

rows_ as (
  select ${keys} from ${table}
),

final as (
  select ${keys}, count(*) as index_row_count,
  from rows_
  group by ${keys}
  having count(*) > 1
)

select * from final`;
  }
  const column = partition.column;
  const keyHasPartition = uniqueKey.includes(column);
  const columns = keyHasPartition ? keys : `${keys}, ${column}`;
  return `with

rows_ as (
  select ${columns} from ${table}
  where ${inWindow(d, partition, keyHasPartition ? 0 : lateArrivalDays)}
),

final as (
  select ${keys}, count(*) as index_row_count,
  from rows_
  group by ${keys}
  having count(*) > 1 and (max(${column}) >= ${windowBound(d, partition)} or count(${column}) < count(*))
)

select * from final`;
}

/**
 * The row-conditions check: one row per row that fails a condition, naming the first one it fails,
 * with its key and partition column (the table is read once, and only the columns the conditions use).
 * @param {object} d
 * @param {string} table ref() of the model
 * @param {{ uniqueKey: string[], nonNull?: string[], rowConditions?: string[] }} check
 * @param {{ column: string, type: 'timestamp' | 'date' } | undefined} partition undefined: every row
 * @returns {string} a query
 */
function rowConditionsQuery(d, table, check, partition) {
  const conditions = rowConditions(check);
  const columns = [...new Set([...check.uniqueKey, ...(partition ? [partition.column] : [])])];
  // NULL (unknown) is not a failure, as in Dataform's `where not (condition)`.
  const failing = conditions.map((c) => `      when not (${c}) then ${literal(c)}`).join('\n');
  const local = !!partition && usesStagedWindow(d, check.staged);
  const from = local ? `(\n    ${stagedRows(table, check.staged)}\n  ) as window_rows` : table;
  const where = !local && partition ? `\n  where ${inWindow(d, partition)}` : '';
  return `with

checked as (
  select
    case
${failing}
    end as failing_row_condition,
    ${columns.join(', ')},
  from ${from}${where}
),

final as (
  select * from checked
  where failing_row_condition is not null
)

select * from final`;
}

module.exports = {
  WINDOW_HOURS,
  FULL_HISTORY_TAG,
  FULL_HISTORY_ENABLED,
  windowStart,
  windowBound,
  inWindow,
  usesStagedWindow,
  stagedRows,
  rowConditions,
  uniqueKeyQuery,
  rowConditionsQuery,
};
