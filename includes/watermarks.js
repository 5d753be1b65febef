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
 * @returns {string} a scalar query
 */
function watermarkQuery(d, incremental, table, column, lookbackMinutes, recentDays, recentDateColumn) {
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
  const newest = lookbackMinutes ? d.timestampSub(`max(${column})`, lookbackMinutes, 'minute') : `max(${column})`;
  return `select coalesce(${newest}, ${epoch}) from ${table}${recent}`;
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
 * @returns {string} one statement
 */
function declareWatermark(d, name, incremental, table, column, lookbackMinutes, recentDays, recentDateColumn) {
  return d.declareVariable(name, 'timestamp', watermarkQuery(d, incremental, table, column, lookbackMinutes, recentDays, recentDateColumn));
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
 * @returns {string} a scalar query
 */
function stagedWatermarkQuery(d, incremental, table, column, recentDays, recentDateColumn) {
  return watermarkQuery(d, incremental, table, column, 0, recentDays, recentDateColumn);
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
 * @returns {string} one statement
 */
function declareStagedWatermark(d, name, incremental, table, column, recentDays, recentDateColumn) {
  return d.declareVariable(name, 'timestamp', stagedWatermarkQuery(d, incremental, table, column, recentDays, recentDateColumn));
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
 * The incremental pattern of a daily output keyed by `request_date`: its three pre-operations
 * (declare the watermark `<name>_since` over `last_received_at`, declare `<name>_from`, the
 * first UTC date to rebuild, and on incremental runs delete the table's rows from that date)
 * and the date the query must read requests from.
 *
 * In a SQLX model put `declareWatermark`, `declareFrom`, `beginTransaction` and `deleteRebuilt`
 * in pre_operations (separated by `---`), `commitTransaction` in post_operations, and filter
 * requests on `from`; a JS definition passes `preOps` to `.preOps()` and `postOps` to
 * `.postOps()`. On BigQuery the delete and Dataform's insert then run in one multi-statement
 * transaction (Dataform sends pre-ops, DML and post-ops as one script without one): a failure
 * leaves the dates in place, and of two overlapping runs the conflicting one fails instead of
 * inserting twice. The transaction statements are empty on DuckDB (the local executor runs each
 * action in one transaction) and the delete is empty on a full refresh (Dataform drops empty
 * operations).
 * @param {object} d
 * @param {string} name the model's name, the prefix of its variables
 * @param {{ incremental: boolean, self: string, requests: string, parsed?: string, lookbackMinutes: number, recentDays?: number }} run
 *   (`parsed`: ref('int_lines_parsed'), where the new requests are found by partition;
 *   `recentDays`: read the watermark from the request_date partitions of that many days only)
 *   incremental(), self(), ref('requests') and the lookback
 * @returns {{ declareWatermark: string, declareFrom: string, beginTransaction: string, deleteRebuilt: string, commitTransaction: string, preOps: string[], postOps: string[], since: string, from: string }}
 */
function dailyRebuild(d, name, run) {
  const sinceName = `${name}_since`;
  const fromName = `${name}_from`;
  const since = d.variable(sinceName);
  const from = d.variable(fromName);
  const declare = d.declareVariable(
    sinceName,
    'timestamp',
    watermarkQuery(d, run.incremental, run.self, 'last_received_at', run.lookbackMinutes, run.recentDays, 'request_date'),
  );
  // The newest last_staged_at of its recent dates, as a scalar subquery of the `from` query (the
  // read of int_lines_parsed is pruned by `since`; this one by the constant recent-date filter).
  const stagedSince = run.incremental
    ? `(${stagedWatermarkQuery(d, run.incremental, run.self, 'last_staged_at', run.recentDays, 'request_date')})`
    : undefined;
  const declareFrom = d.declareVariable(fromName, 'date', touchedFromQuery(d, run.requests, since, run.parsed, stagedSince));
  const deleteRebuilt = run.incremental ? `delete from ${run.self} where request_date >= ${from}` : '';
  // The delete and the insert (Dataform's INSERT between pre- and post-operations) commit together.
  const begin = run.incremental ? d.beginTransaction() : '';
  const commit = run.incremental ? d.commitTransaction() : '';
  return {
    declareWatermark: declare,
    declareFrom,
    beginTransaction: begin,
    deleteRebuilt,
    commitTransaction: commit,
    preOps: [declare, declareFrom, begin, deleteRebuilt],
    postOps: [commit],
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
};
