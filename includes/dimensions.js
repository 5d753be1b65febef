/**
 * The incremental pattern of the dimensions (user_agents, ip_locations): one row per key seen
 * in a request, looked up once, with the span it was seen in (first_seen_at, last_seen_at).
 *
 * A run reads the lines of its arrival window staged after the newest last_staged_at in the
 * table (includes/watermarks.js: exact, so a run after a backfill reads only the new lines; a
 * batch none of whose lines has a key is read again next time, which changes nothing) and names two
 * CTEs that these fragments refer to:
 * - `seen`: one row per key in those lines, with its span (`seenSpan`);
 * - `known` (incremental runs only): the table's rows for those keys (`knownRows`).
 * Keys not known yet are looked up (`unknownOnly` filters `seen`); known keys keep their
 * looked-up values and only widen their span (`unionKnown`), so the lookup of a key never
 * runs twice and the result equals a full refresh (as long as the lookup's inputs are
 * unchanged: reloaded reference data needs a full refresh).
 *
 * Plain SQL, the same on every warehouse: no dialect helpers needed.
 */

/**
 * The span columns of `seen`: the first and last `at` of the grouped lines, and the newest
 * staged_at among them (last_staged_at, the dimension's staged watermark).
 * @param {string} [at] the arrival column of the lines
 * @returns {string} three select-list items
 */
function seenSpan(at = 'received_at') {
  return `min(${at}) as first_seen_at,
    max(${at}) as last_seen_at,
    max(staged_at) as last_staged_at`;
}

/**
 * The body of the `known` CTE: the rows of `table` whose key is in `seen`.
 * @param {string} table the dimension table (self())
 * @param {string} key its key column
 * @returns {string} a query
 */
function knownRows(table, key) {
  return `select * from ${table}
  where ${key} in (select ${key} from seen)`;
}

/**
 * A WHERE clause keeping the rows of `seen` whose key is not `known`: the keys to look up.
 * @param {string} key
 * @returns {string}
 */
function unknownOnly(key) {
  return `where ${key} not in (select ${key} from known)`;
}

/**
 * `union all` the known rows, each with its looked-up `columns` as stored and its span widened
 * by the new lines: append it to the query of the newly looked-up rows, whose columns are
 * `columns`, first_seen_at, last_seen_at, last_staged_at in that order.
 * @param {string} key
 * @param {string[]} columns the stored columns, in table order, without the span
 * @returns {string}
 */
function unionKnown(key, columns) {
  return `union all
  select
    ${columns.map((column) => `k.${column}`).join(',\n    ')},
    case when s.first_seen_at < k.first_seen_at then s.first_seen_at else k.first_seen_at end as first_seen_at,
    case when s.last_seen_at > k.last_seen_at then s.last_seen_at else k.last_seen_at end as last_seen_at,
    case when s.last_staged_at > k.last_staged_at then s.last_staged_at else k.last_staged_at end as last_staged_at,
  from known as k
  inner join seen as s on s.${key} = k.${key}`;
}

module.exports = { seenSpan, knownRows, unknownOnly, unionKnown };
