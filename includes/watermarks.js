/**
 * What an incremental run reprocesses, as SQL fragments: every incremental model reads the rows
 * received after its watermark, and the daily outputs rebuild whole UTC dates from it. One
 * place, so that changing how a run finds its new data (e.g. partition filters on BigQuery)
 * changes every model at once.
 *
 * - The watermark is the newest value of the model's watermark column in its own table, minus
 *   the lookback (late arrivals are read again), or the epoch when the table is empty or the
 *   run is a full refresh. It is declared once per run as a script variable in
 *   pre_operations (dialect.declareVariable: a constant for BigQuery's partition pruning), so
 *   the query and the operations of one run agree on it. That arrival window bounds what a
 *   run reads (BigQuery prunes with it); within it, the staged watermark (the newest
 *   `staged_at` / `last_staged_at` in the model's own table, exact) picks the rows staged since
 *   the model's last run, so a run right after a backfill still reads only the new lines.
 * - Daily outputs (the GoAccess-style panels, daily_visitors, suspicious_clients) delete every
 *   UTC date from the earliest one holding a request staged since their last run, and
 *   rebuild those dates whole: the result equals a full refresh.
 *
 * Every function takes the dialect helpers `d` (includes/dialect.js) first. The name of this
 * file is not `incremental.js` because SQLX binds `incremental` to the context's
 * `incremental()`, which would hide an include of that name.
 */

/** The watermark of an empty table or of a full refresh: the beginning of time, in UTC. */
const EPOCH = '1970-01-01 00:00:00+00';

/**
 * A query for the watermark of an incremental model: the newest `column` in `table` minus the
 * lookback, or the epoch when `table` is empty or `incremental` is false (a full refresh reads
 * everything).
 * @param {object} d the dialect helpers (includes/dialect.js)
 * @param {boolean} incremental whether this is an incremental run (incremental())
 * @param {string} table the incremental table (self())
 * @param {string} column its watermark column (e.g. received_at, last_received_at)
 * @param {number} lookbackMinutes how far before the newest value to read again
 * @param {number} [recentDays] when `column` is the table's partition column (arrival): look for
 *   the newest value only in the partitions of the last `recentDays` days, so that BigQuery prunes
 *   the rest (a constant filter). A table with nothing that recent (no run for that long, or only
 *   old logs backfilled) gets the epoch: that run re-reads all of its window. BigQuery only
 *   (d.prunesPartitions()): DuckDB reads the newest value of the whole column, so a local run after
 *   a backfill of old logs reads only what is new.
 * @param {string | { timestamp: string }} [recentDateColumn] a DATE partition column (or
 *   `{ timestamp: column }`, a TIMESTAMP one) to apply `recentDays` to instead of
 *   `column` (a daily output: its newest `last_received_at` is on a recent date unless old logs
 *   were backfilled, and then an older watermark only rebuilds more dates, never fewer)
 * @param {{ table: string, model: string, column: string }} [mark] the model's run marks
 *   (ref('model_watermarks'), its name, and received_through or staged_through): the watermark
 *   is the newer of the table's own newest value and the latest mark (markRun), so that a model
 *   whose table got no row from recent runs (an empty or filtered output, or one whose recent
 *   date partitions are empty after a backfill of old logs) still reads only what is new
 * @returns {string} a scalar query
 */
function watermarkQuery(d, incremental, table, column, lookbackMinutes, recentDays, recentDateColumn, mark) {
  const epoch = d.timestampLiteral(EPOCH);
  if (!incremental) return `select ${epoch}`;
  const recentFrom = recentDays ? d.timestampSub(d.currentTimestamp(), recentDays, 'day') : '';
  const recentColumn = typeof recentDateColumn === 'object' && recentDateColumn ? recentDateColumn.timestamp : undefined;
  const recent =
    !recentDays || !d.prunesPartitions()
      ? ''
      : recentColumn
        ? ` where ${recentColumn} >= ${recentFrom}`
        : recentDateColumn
          ? ` where ${recentDateColumn} >= ${d.dateOf(recentFrom)}`
          : ` where ${column} >= ${recentFrom}`;
  const lookback = (newest) => (lookbackMinutes ? d.timestampSub(newest, lookbackMinutes, 'minute') : newest);
  if (!mark) return `select coalesce(${lookback(`max(${column})`)}, ${epoch}) from ${table}${recent}`;
  // The newer of the table's own newest value and the model's latest mark (markedThroughQuery).
  return (
    `select coalesce(${lookback('max(newest)')}, ${epoch}) from (` +
    `select max(${column}) as newest from ${table}${recent} ` +
    `union all select (${markedThroughQuery(d, mark, recentDays)}) as newest) as newest_values`
  );
}

/**
 * The pre-operation declaring the watermark variable `name` (read it with d.variable(name)).
 * @param {object} d
 * @param {string} name the variable, unique per model (e.g. 'requests_since')
 * @param {boolean} incremental
 * @param {string} table
 * @param {string} column
 * @param {number} lookbackMinutes
 * @param {number} [recentDays] see watermarkQuery
 * @param {string | { timestamp: string }} [recentDateColumn] see watermarkQuery
 * @param {{ table: string, model: string }} [mark] the model's run marks (see watermarkQuery; markRun)
 * @returns {string} one statement
 */
function declareWatermark(d, name, incremental, table, column, lookbackMinutes, recentDays, recentDateColumn, mark) {
  const marked = mark ? { ...mark, column: 'received_through' } : undefined;
  return d.declareVariable(
    name,
    'timestamp',
    watermarkQuery(d, incremental, table, column, lookbackMinutes, recentDays, recentDateColumn, marked),
  );
}

/**
 * The processing-time high-water mark (exact, no lookback): stg_landing__lines stamps every row it
 * stages (or re-stages, when an earlier delivery replaces it) with `staged_at`, the time of that
 * run, and every model downstream carries it (`staged_at` on row-per-line tables, `last_staged_at`
 * = the newest over the rows an aggregate row was built from). A model's new input is then the
 * upstream rows of its arrival window (received_at, as today: BigQuery prunes partitions with it)
 * whose `staged_at` is later than the newest one in its own table: exactly the rows staged since
 * its last run, even right after a backfill, when everything arrived within the window. A model
 * whose table gets no row from some batch (an aggregate whose filter kept none of it) sees that
 * batch again next time, which only rebuilds what it already holds (never less).
 */

/** The variable of a staging run's time: one value per run, declared in stg_landing__lines' pre-operations. */
const STAGED_AT = 'stg_landing__lines_staged_at';

/**
 * The pre-operation declaring the staging run's time (STAGED_AT), every staged row's `staged_at`.
 * @param {object} d
 * @returns {string} one statement
 */
function declareStagedAt(d) {
  return d.declareVariable(STAGED_AT, 'timestamp', `select ${d.currentTimestamp()}`);
}

/**
 * A query for the newest `column` (staged_at, last_staged_at) of `table`: upstream rows staged
 * after it are new to the model; the epoch when the table is empty or on a full refresh.
 * Same arguments as watermarkQuery, without the lookback (the mark is exact).
 * @param {object} d
 * @param {boolean} incremental
 * @param {string} table
 * @param {string} column
 * @param {number} [recentDays]
 * @param {string | { timestamp: string }} [recentDateColumn]
 * @param {{ table: string, model: string }} [mark] the model's run marks (see watermarkQuery; markRun)
 * @returns {string} a scalar query
 */
function stagedWatermarkQuery(d, incremental, table, column, recentDays, recentDateColumn, mark) {
  const marked = mark ? { ...mark, column: 'staged_through' } : undefined;
  return watermarkQuery(d, incremental, table, column, 0, recentDays, recentDateColumn, marked);
}

/**
 * The pre-operation declaring the staged watermark variable `name` (stagedWatermarkQuery).
 * @param {object} d
 * @param {string} name the variable, unique per model (e.g. 'requests_staged_since')
 * @param {boolean} incremental
 * @param {string} table
 * @param {string} column
 * @param {number} [recentDays]
 * @param {string | { timestamp: string }} [recentDateColumn]
 * @param {{ table: string, model: string }} [mark] the model's run marks (see watermarkQuery; markRun)
 * @returns {string} one statement
 */
function declareStagedWatermark(d, name, incremental, table, column, recentDays, recentDateColumn, mark) {
  return d.declareVariable(name, 'timestamp', stagedWatermarkQuery(d, incremental, table, column, recentDays, recentDateColumn, mark));
}

/**
 * Run marks. A model's own table is a watermark only for what the model kept: an output whose
 * filter kept nothing of recent runs (tls_settings on a log without TLS fields, a latency panel on
 * a log without request times, int_w3c_fields without W3C headers) or whose recent date
 * partitions are empty (old logs backfilled) would find no newest value, take the epoch, and read
 * the whole history of its upstream on every run. So each such model also records, in the same
 * transaction as its write, what it has consumed: one row in logflow.model_watermarks (MARKS) per
 * run with the newest received_at and staged_at of the upstream rows it read as new. Its
 * watermarks are the newer of its table's and its latest mark's.
 *
 * The table is append-only, partitioned by the run's date (marked_at) on BigQuery: the panels of a
 * run write it concurrently, in their own transactions, and appends do not conflict where updates
 * would; a watermark reads its model's latest mark in the partitions of the last `recentDays` days
 * (older ones expire). The values are read in pre-operations, before the model's query, so a row
 * staged while the action runs is never marked as read without being read (at worst it is read
 * again next run, which rebuilds the same rows).
 */

/** The run marks table (definitions/meta/model_watermarks.sqlx). */
const MARKS = 'model_watermarks';

/**
 * A scalar query for the latest mark of `mark.model` (its `mark.column`), NULL when it has none in
 * the last `recentDays` days (BigQuery prunes by marked_at; DuckDB reads the small table whole).
 * @param {object} d
 * @param {{ table: string, model: string, column: string }} mark
 * @param {number} [recentDays]
 * @returns {string} a scalar query
 */
function markedThroughQuery(d, mark, recentDays) {
  const recent = recentDays && d.prunesPartitions() ? ` and marked_at >= ${d.timestampSub(d.currentTimestamp(), recentDays, 'day')}` : '';
  return `select ${mark.column} from ${mark.table} where model = ${d.str(mark.model)}${recent} order by marked_at desc limit 1`;
}

/**
 * Recording a model's run mark (see MARKS): two pre-operations declaring the newest received_at and
 * staged_at of the upstream rows the run reads as new (on DuckDB the first reads both, the second is empty) (`newRows`: the model's own filter on
 * `upstream`, or none on a full refresh), to put after its watermark declarations and before its
 * query, and the post-operation appending them to the marks table (none when nothing was new), to
 * put before the commit of its transaction.
 * @param {object} d
 * @param {{ table: string, model: string }} mark the marks table (ref(MARKS)) and the model's name
 * @param {{ upstream: string, newRows?: string, received?: string, staged?: string }} read the table the
 *   model takes its new rows from (ref(): the one it reads, never one further up, which may hold
 *   rows its input has not taken in yet), the condition on it that selects them (e.g.
 *   `received_at > since and staged_at > staged_since`), and its arrival and staged columns
 *   (default received_at and staged_at)
 * @returns {{ preOps: string[], postOps: string[] }}
 */
function markRun(d, mark, read) {
  const received = `${mark.model}_received_through`;
  const staged = `${mark.model}_staged_through`;
  const where = read.newRows ? ` where ${read.newRows}` : '';
  // Both values from one read of the new rows on DuckDB (two statements on BigQuery; dialect.declareVariables).
  const { statements, refs } = d.declareVariables(
    `${mark.model}_marked_through`,
    'timestamp',
    { [received]: `max(${read.received || 'received_at'})`, [staged]: `max(${read.staged || 'staged_at'})` },
    `${read.upstream}${where}`,
  );
  return {
    preOps: statements,
    postOps: [
      `insert into ${mark.table} (model, received_through, staged_through, marked_at) ` +
        `select ${d.str(mark.model)}, ${refs[received]}, ${refs[staged]}, ${d.currentTimestamp()} ` +
        `from (select 1 as one) as one where ${refs[staged]} is not null`,
    ],
  };
}

/** How a daily output's description states its incremental behaviour (dailyRebuild). */
const DAILY_REBUILD_NOTE =
  'Incremental: every UTC date from the earliest one holding a request staged since the last run (staged_at after the newest last_staged_at) is deleted and rebuilt, ' +
  'so the result equals a full refresh.';

/**
 * A query for the first UTC date that holds a request received after `since` (and, with
 * `stagedSince`, staged after it: the exact new ones): daily outputs delete their rows from that
 * date on and rebuild them (NULL when nothing is new).
 * @param {object} d
 * @param {string} requests the requests table (ref('requests'))
 * @param {string} since SQL timestamp expression (the watermark)
 * @param {string} [parsed] int_lines_parsed (ref()): read the same new requests there, by partition
 * @param {string} [stagedSince] SQL timestamp expression (the staged watermark)
 * @returns {string} a scalar query
 */
function touchedFromQuery(d, requests, since, parsed, stagedSince) {
  const staged = stagedSince ? ` and staged_at > ${stagedSince}` : '';
  // int_lines_parsed is partitioned by received_at: BigQuery prunes this read to the new
  // partitions (requests is partitioned by requested_at, so the same filter there scans it all).
  if (parsed) return `select min(${d.dateOf('requested_at')}) from ${parsed} where is_parsed and received_at > ${since}${staged}`;
  return `select min(${d.dateOf('requested_at')}) from ${requests} where requested_at is not null and received_at > ${since}${staged}`;
}

/**
 * The incremental pattern of a daily output keyed by `request_date`: its pre-operations (declare
 * the watermark `<name>_since` over `last_received_at` and the staged watermark
 * `<name>_staged_since` over `last_staged_at`, each the newer of the table's and of the model's
 * latest run mark; declare `<name>_from`, the first UTC date to rebuild; declare what the run
 * marks as read; on incremental runs delete the table's rows from that date) and the date the
 * query must read requests from.
 *
 * In a SQLX model put `declareWatermark`, `declareStagedSince`, `declareFrom`, the two `declareMarks`,
 * `beginTransaction` and `deleteRebuilt` in pre_operations (separated by `---`), `recordMark` and
 * `commitTransaction` in post_operations, and filter requests on `from`; a JS definition passes
 * `preOps` to `.preOps()` (outputs.rebuildPreOps) and `postOps` to `.postOps()`. On BigQuery the
 * delete, Dataform's insert and the mark then run in one multi-statement transaction (Dataform sends
 * pre-ops, DML and post-ops as one script without one): a failure leaves the dates and the marks
 * in place, and of two overlapping runs the conflicting one fails instead of inserting twice. The
 * transaction statements are empty on DuckDB (the local executor runs each action in one
 * transaction) and the delete is empty on a full refresh (Dataform drops empty operations). A full
 * refresh needs no watermark and no first date (it reads every date), only its mark (`markPreOps`).
 * @param {object} d
 * @param {string} name the model's name, the prefix of its variables
 * @param {{ incremental: boolean, self: string, requests: string, parsed: string, marks: string, lookbackMinutes: number, recentDays?: number, input?: { table: string, date: string, received: string, staged: string } }} run
 *   incremental(), self(), ref('requests'), ref('int_lines_parsed') (where the new requests are
 *   found by partition), ref(MARKS) and the lookback; `recentDays`: read the watermark from the
 *   request_date partitions (and the marks) of that many days only; `input`: the table the model
 *   aggregates, the SQL date of its rows, and its arrival and staged columns (default: requests,
 *   by the date of requested_at, received_at and staged_at)
 * @returns {{ declareWatermark: string, declareStagedSince: string, declareFrom: string, declareMarks: string[], beginTransaction: string, deleteRebuilt: string, recordMark: string, commitTransaction: string, preOps: string[], markPreOps: string[], postOps: string[], since: string, from: string }}
 */
function dailyRebuild(d, name, run) {
  const sinceName = `${name}_since`;
  const stagedSinceName = `${name}_staged_since`;
  const fromName = `${name}_from`;
  const since = d.variable(sinceName);
  const stagedSince = d.variable(stagedSinceName);
  const from = d.variable(fromName);
  const mark = { table: run.marks, model: name };
  const declare = declareWatermark(
    d,
    sinceName,
    run.incremental,
    run.self,
    'last_received_at',
    run.lookbackMinutes,
    run.recentDays,
    'request_date',
    mark,
  );
  const declareStagedSince = declareStagedWatermark(
    d,
    stagedSinceName,
    run.incremental,
    run.self,
    'last_staged_at',
    run.recentDays,
    'request_date',
    mark,
  );
  // A full refresh has no staged watermark to compare with (suspicious_clients declares its first date then too).
  const declareFrom = d.declareVariable(
    fromName,
    'date',
    touchedFromQuery(d, run.requests, since, run.parsed, run.incremental ? stagedSince : undefined),
  );
  // What the run marks as read: the new rows of the table it aggregates, on the dates it rebuilds
  // (a read within the query's own; not int_lines_parsed, which may already hold lines that its
  // input has not taken in yet when two runs overlap).
  const input = run.input || { table: run.requests, date: d.dateOf('requested_at'), received: 'received_at', staged: 'staged_at' };
  const marked = markRun(d, mark, {
    upstream: input.table,
    received: input.received,
    staged: input.staged,
    newRows: run.incremental ? `${input.date} >= ${from} and ${input.received} > ${since} and ${input.staged} > ${stagedSince}` : undefined,
  });
  const deleteRebuilt = run.incremental ? `delete from ${run.self} where request_date >= ${from}` : '';
  // The delete, the insert (Dataform's INSERT between pre- and post-operations) and the mark commit together.
  const begin = run.incremental ? d.beginTransaction() : '';
  const commit = run.incremental ? d.commitTransaction() : '';
  const recordMark = marked.postOps[0] || '';
  return {
    declareWatermark: declare,
    declareStagedSince,
    declareFrom,
    declareMarks: marked.preOps,
    beginTransaction: begin,
    deleteRebuilt,
    recordMark,
    commitTransaction: commit,
    preOps: [declare, declareStagedSince, declareFrom, ...marked.preOps, begin, deleteRebuilt],
    markPreOps: marked.preOps,
    postOps: [recordMark, commit],
    since,
    from,
  };
}

module.exports = {
  EPOCH,
  DAILY_REBUILD_NOTE,
  STAGED_AT,
  watermarkQuery,
  declareWatermark,
  declareStagedAt,
  stagedWatermarkQuery,
  declareStagedWatermark,
  touchedFromQuery,
  dailyRebuild,
  MARKS,
  markedThroughQuery,
  markRun,
};
