/**
 * SQL fragments shared by the output tables that BI tools read (definitions/outputs).
 * Every function takes the dialect helpers `d` (includes/dialect.js) first.
 *
 * Visitors in the panels follow GoAccess: a visitor is the same client IP (as logged) + the
 * same UTC date + the same user agent, crawlers included. Panels are per day, so a visitor
 * count summed over days equals GoAccess's count for the whole log.
 */

/**
 * The GoAccess visitor of a request row within its day: the (client IP, user agent) tuple, a
 * NULL user agent being one value of its own (dialect.tupleKey: no hash, never NULL).
 * @param {object} d
 */
function dayVisitor(d) {
  return d.tupleKey('client_ip', 'user_agent');
}

/**
 * hits, visitors and bytes of the grouped requests, as GoAccess's panels count them
 * (visitors here include requests answered with a 4xx status).
 * @param {object} d
 */
function panelMeasures(d) {
  return `count(*) as hits,
    count(distinct ${dayVisitor(d)}) as visitors,
    coalesce(sum(response_bytes), 0) as bytes,
    max(received_at) as last_received_at,
    max(staged_at) as last_staged_at`;
}

/**
 * panelMeasures over rows of logflow.visitor_days (one per date, visitor and attributes) instead
 * of requests: the same values and types. A visitor may have several rows in a group (e.g. with
 * and without is_bot), so visitors are still counted distinct.
 * @param {object} d
 */
function visitorDayMeasures(d) {
  return `${d.cast('sum(hits)', 'int64')} as hits,
    count(distinct ${dayVisitor(d)}) as visitors,
    coalesce(sum(bytes), 0) as bytes,
    max(last_received_at) as last_received_at,
    max(last_staged_at) as last_staged_at`;
}

/**
 * Traffic measures of the grouped requests: hits, page views, unique visitors (IP + user
 * agent), bytes, hits per status class and the error rates.
 * @param {object} d
 */
function trafficMeasures(d) {
  const cls = (c) => `${d.countIf(`status between ${c}00 and ${c}99`)} as status_${c}xx`;
  return `count(*) as hits,
    ${d.countIf('is_page_view')} as page_views,
    count(distinct ${dayVisitor(d)}) as unique_visitors,
    coalesce(sum(response_bytes), 0) as bytes,
    ${cls(2)},
    ${cls(3)},
    ${cls(4)},
    ${cls(5)},
    ${d.safeDivide(d.countIf('status >= 400'), 'count(*)')} as error_rate,
    ${d.safeDivide(d.countIf('status >= 500'), 'count(*)')} as server_error_rate,
    max(received_at) as last_received_at,
    max(staged_at) as last_staged_at`;
}

/** Column descriptions shared by the panel outputs. */
const PANEL_COLUMNS = {
  request_date: 'UTC date of the requests.',
  hits: 'Requests.',
  visitors: 'Unique visitors (same client IP + user agent that day, crawlers and 4xx included).',
  bytes: 'Sum of response bytes.',
  last_received_at: 'Latest arrival of one of its requests (bounds the arrival window of a run).',
  last_staged_at: 'When the latest of its requests was staged (the watermark, exact).',
};

/** Column descriptions shared by the traffic outputs. */
const TRAFFIC_COLUMNS = {
  hits: 'Requests.',
  page_views: 'Requests that are page views.',
  unique_visitors: 'Distinct client IP + user agent pairs in the bucket.',
  bytes: 'Sum of response bytes.',
  status_2xx: 'Requests answered 2xx.',
  status_3xx: 'Requests answered 3xx.',
  status_4xx: 'Requests answered 4xx.',
  status_5xx: 'Requests answered 5xx.',
  error_rate: 'Share of requests answered 4xx or 5xx.',
  server_error_rate: 'Share of requests answered 5xx.',
  last_received_at: 'Latest arrival of one of its requests (bounds the arrival window of a run).',
  last_staged_at: 'When the latest of its requests was staged (the watermark, exact).',
};

/**
 * What makes a client suspicious (logflow.suspicious_clients), per UTC day. Patterns are RE2,
 * matched case-insensitively against the path plus '?' + query (percent-encoding kept).
 */
const SUSPICIOUS = {
  /** Distinct paths answered 404: probing for files that are not there. */
  minDistinctNotFoundPaths: 10,
  /** Share of requests answered 4xx, for clients with at least minHitsForRatio requests. */
  min4xxRatio: 0.5,
  minHitsForRatio: 20,
  /** Requests within one minute. */
  minBurstPerMinute: 120,
  /** Requests for well-known admin or secret paths that scanners try. */
  minProbeHits: 3,
  probePattern:
    '(?i)(wp-login\\.php|xmlrpc\\.php|wp-admin|/\\.env|/\\.git/|phpmyadmin|/cgi-bin/|/admin(/|$)|/manager/html|/\\.aws/|/server-status|/actuator|/boaform|/HNAP1|\\.(bak|sql|old)$)',
  injectionPattern:
    '(?i)(union(\\s|\\+|%20)+(all(\\s|\\+|%20)+)?select|(%27|\\x27)(\\s|\\+|%20)*(or|and)(\\s|\\+|%20)|\\.\\./|%2e%2e(%2f|/)|<script|%3cscript|etc/passwd|\\$\\{jndi:|%24%7bjndi|;(\\s|\\+|%20)*(wget|curl|cat)(\\s|\\+|%20)|sleep\\(\\d+\\)|benchmark\\(|information_schema)',
};

/**
 * What a row of logflow.visitor_days is per date: the visitor (client IP + user agent) and the
 * request attributes the per-visitor panels group by.
 */
const VISITOR_DAY_KEYS = [
  'client_ip',
  'user_agent',
  'is_bot',
  'browser_name',
  'browser_major',
  'os_name',
  'os_version',
  'device_type',
  'country_code',
  'asn',
  'as_org',
];

/**
 * The pre-operations of a daily output (watermarks.dailyRebuild `rebuild`): all of them on an
 * incremental run; on a full refresh, which reads every date, so it has no first date to find
 * (that query scans int_lines_parsed) and nothing to delete, only those of its run mark. Use with
 * rebuiltDatesFilter.
 * @param {object} ctx the Dataform context (incremental())
 * @param {{ preOps: string[], markPreOps: string[] }} rebuild
 */
function rebuildPreOps(ctx, rebuild) {
  return ctx.incremental() ? rebuild.preOps : rebuild.markPreOps;
}

/**
 * The conditions (a list, to AND) keeping the requests of the dates a daily output rebuilds:
 * from the rebuild's first date on an incremental run; none on a full refresh (rebuildPreOps).
 * @param {object} d
 * @param {object} ctx
 * @param {{ from: string }} rebuild
 * @param {string} [dateExpr] the request's UTC date (default: of requested_at)
 */
function rebuiltDatesFilter(d, ctx, rebuild, dateExpr) {
  if (!ctx.incremental()) return [];
  // On the column itself (dialect.onOrAfterDate): DuckDB skips the row groups of older dates.
  return [dateExpr ? `${dateExpr} >= ${rebuild.from}` : d.onOrAfterDate('requested_at', rebuild.from)];
}

module.exports = {
  rebuildPreOps,
  rebuiltDatesFilter,
  VISITOR_DAY_KEYS,
  dayVisitor,
  panelMeasures,
  visitorDayMeasures,
  trafficMeasures,
  PANEL_COLUMNS,
  TRAFFIC_COLUMNS,
  SUSPICIOUS,
};
