/**
 * Sessionisation rules, as SQL fragments shared by int_requests_sessionized and sessions.
 *
 * - A visitor is the client IP (its canonical key when valid) plus the user agent; the var
 *   `visitorKey` switches to `ip` (the IP alone). NULL parts hash as the text '\N'.
 * - Hits of a visitor are ordered by (requested_at, request_id): equal timestamps are broken
 *   by the request id, the same in BigQuery and DuckDB.
 * - A gap of `sessionTimeoutMinutes` or more between consecutive hits starts a new block of
 *   activity (a gap of exactly the timeout starts a new session). A block longer than
 *   `sessionMaxMinutes` is cut into consecutive sessions of that length measured from the
 *   block's first hit (Snowplow-style cap on bot sessions that never pause).
 * - The session id is the MD5 of (visitor id, block start in microseconds, cut number): it
 *   depends only on the visitor's hits, so any sequence of incremental runs gives the ids a
 *   full refresh gives, and sessions that no new hit touches keep theirs.
 *
 * Incremental runs (the pattern of Snowplow's sessions lifecycle manifest, with the block
 * start stored on each hit as the manifest): new hits are those staged after the newest
 * staged_at in the table (includes/watermarks.js), within its arrival window. For a visitor with new hits, the earliest new hit can only join
 * the block of the visitor's last older hit (the anchor) if that hit lies within the timeout
 * before it; everything from the anchor on is replayed, seeded with the anchor's stored block
 * start. Downstream, sessions rebuilds each touched visitor's sessions from the start of the cut
 * (sessionMaxMinutes-long piece of a block) that holds its earliest new hit, after deleting the
 * old rows from there (a late hit can merge two sessions into one, so some old ids must
 * disappear). Earlier sessions cannot change: their hits, block start and cut are the same, and
 * the rebuild reaches back at most sessionMaxMinutes before the new hits, so a visitor that never
 * pauses (an uptime monitor) does not make a run re-read its whole history.
 */

// Every function takes the dialect helpers `d` (includes/dialect.js) first.

const VISITOR_KEYS = {
  ip_user_agent: ['coalesce(ip_key, client_ip)', 'user_agent'],
  ip: ['coalesce(ip_key, client_ip)'],
};

/**
 * SQL for the visitor id of a request row (columns ip_key, client_ip, user_agent).
 * @param {object} d the dialect helpers (includes/dialect.js)
 * @param {string} key a VISITOR_KEYS name
 * @returns {string}
 */
function visitorId(d, key) {
  const parts = VISITOR_KEYS[key];
  if (!parts) throw new Error(`var visitorKey must be one of ${Object.keys(VISITOR_KEYS).join(', ')}, got '${key}'`);
  return d.hashId(...parts);
}

/**
 * SQL for the parts of the visitor key of a request row, each as the text the visitor id hashes
 * (dialect.hashIdPart: never NULL, so they join with `=`): rows with equal parts have equal
 * visitor ids, and hashing these parts (dialect.hashId) gives that id.
 * @param {object} d the dialect helpers (includes/dialect.js)
 * @param {string} key a VISITOR_KEYS name
 * @returns {string[]}
 */
function visitorKeyParts(d, key) {
  const parts = VISITOR_KEYS[key];
  if (!parts) throw new Error(`var visitorKey must be one of ${Object.keys(VISITOR_KEYS).join(', ')}, got '${key}'`);
  return parts.map((p) => d.hashIdPart(p));
}

/**
 * TRUE when a hit at `at` after the previous hit at `previousAt` starts a new block.
 * @param {string} at
 * @param {string} previousAt
 * @param {number} timeoutMinutes
 */
function startsBlock(d, at, previousAt, timeoutMinutes) {
  return `(${d.timestampDiff(at, previousAt, 'microsecond')} >= ${timeoutMinutes * 60000000})`;
}

/**
 * The 0-based number of the `maxMinutes`-long cut of its block that a hit falls in.
 * @param {string} at
 * @param {string} blockStartedAt
 * @param {number} maxMinutes
 */
function cutNumber(d, at, blockStartedAt, maxMinutes) {
  return d.intDiv(d.timestampDiff(at, blockStartedAt, 'microsecond'), String(maxMinutes * 60000000));
}

/**
 * The deterministic session id.
 * @param {string} visitor visitor id expression
 * @param {string} blockStartedAt
 * @param {string} cut cut number expression
 */
function sessionId(d, visitor, blockStartedAt, cut) {
  return d.hashId(visitor, d.unixMicros(blockStartedAt), cut);
}

/**
 * The start of the cut of its block that a hit falls in (every hit of its session is at or after it).
 * @param {string} at
 * @param {string} blockStartedAt
 * @param {number} maxMinutes
 */
function cutStartedAt(d, at, blockStartedAt, maxMinutes) {
  return d.timestampAdd(blockStartedAt, `${cutNumber(d, at, blockStartedAt, maxMinutes)} * ${maxMinutes}`, 'minute');
}

/**
 * A query of (visitor_id, rebuild_from): for each visitor with hits in `hits` received after
 * `since`, the start of the cut holding the earliest of them (a visitor's cut starts grow with its
 * hits' times). Every session of the visitor starting at or after it is rebuilt; the ones before
 * are unchanged.
 * @param {object} d
 * @param {string} hits int_requests_sessionized
 * @param {string} since SQL timestamp expression (the watermark)
 * @param {string} newFrom SQL timestamp expression at or before every new hit's requested_at (the
 *   first request time among the new lines): BigQuery prunes `hits` (partitioned by requested_at) with it
 * @param {number} maxMinutes sessionMaxMinutes
 * @param {string} [stagedSince] SQL timestamp expression (the staged watermark): only hits staged
 *   after it are new
 */
function rebuiltRegions(d, hits, since, newFrom, maxMinutes, stagedSince) {
  const staged = stagedSince ? ` and staged_at > ${stagedSince}` : '';
  return `select visitor_id, min(${cutStartedAt(d, 'requested_at', 'block_started_at', maxMinutes)}) as rebuild_from
    from ${hits}
    where received_at > ${since} and requested_at >= ${newFrom}${staged}
    group by visitor_id`;
}

/**
 * The overlapping pairs of a visitor's consecutive sessions (the later starts before the earlier
 * ended), from `relation` (a table or CTE with visitor_id, session_id, started_at, ended_at):
 * one row per later session, with the previous session's id and end.
 * @param {string} relation
 */
function overlappingSessions(relation) {
  const previous = 'over (partition by visitor_id order by started_at, session_id)';
  return `select * from (
    select
      visitor_id,
      session_id,
      started_at,
      lag(session_id) ${previous} as previous_session_id,
      lag(ended_at) ${previous} as previous_ended_at,
    from ${relation}
  ) as ordered
  where previous_ended_at >= started_at`;
}

module.exports = {
  overlappingSessions,
  VISITOR_KEYS,
  visitorId,
  visitorKeyParts,
  startsBlock,
  cutNumber,
  cutStartedAt,
  sessionId,
  rebuiltRegions,
};
