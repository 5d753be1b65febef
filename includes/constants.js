/**
 * Project-wide constants and vars, read once. Vars come from dataform.json and can be
 * overridden per run (`dataform run --vars=...`, `logflow transform --vars ...`).
 */
const vars = (typeof dataform !== 'undefined' && dataform.projectConfig && dataform.projectConfig.vars) || {};

function intVar(name, fallback) {
  const raw = vars[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`var ${name} must be a whole number of minutes, got '${raw}'`);
  return n;
}

/**
 * Rows that arrived up to this many minutes before the newest processed one are read again
 * (late arrivals, and rows BigQuery makes visible after their arrival hour's end). Arrival is
 * known per hour (the landing table's ingestion-time partition): keep it at least 60 on BigQuery.
 */
const LOOKBACK_MINUTES = intVar('lookbackMinutes', 120);

/**
 * Days within which a line can land again (Pub/Sub redelivers for up to 7 days; ingester
 * re-sends come sooner): deliveries of one line this close are deduplicated, and a run's bounded
 * reads reach this far back. A run after a pause longer than this re-reads all history once.
 */
const LATE_ARRIVAL_DAYS = intVar('lateArrivalDays', 7);
if (LATE_ARRIVAL_DAYS < 1) throw new Error('var lateArrivalDays must be at least 1');
// The run marks (definitions/meta/model_watermarks.sqlx) expire after a year on BigQuery: a watermark reads this far back in them.
if (LATE_ARRIVAL_DAYS > 365) throw new Error('var lateArrivalDays must be at most 365');

/** Log format assumed for lines whose message carries no `format` attribute. */
const DEFAULT_FORMAT = vars.defaultFormat || 'combined';

/** Inactivity (minutes) that ends a session: a gap of exactly this long starts a new one. */
const SESSION_TIMEOUT_MINUTES = intVar('sessionTimeoutMinutes', 30);

/** Longest session (minutes): a longer run of activity is cut into consecutive sessions of this length. */
const SESSION_MAX_MINUTES = intVar('sessionMaxMinutes', 1440);

if (SESSION_TIMEOUT_MINUTES < 1) throw new Error('var sessionTimeoutMinutes must be at least 1');
if (SESSION_MAX_MINUTES < SESSION_TIMEOUT_MINUTES) throw new Error('var sessionMaxMinutes must be at least sessionTimeoutMinutes');

/**
 * What identifies a visitor for sessions (var visitorKey): `ip_user_agent` (default: client IP
 * + user agent) or `ip` (client IP only). includes/sessions.js turns it into SQL.
 */
const VISITOR_KEY = vars.visitorKey || 'ip_user_agent';

module.exports = { LOOKBACK_MINUTES, LATE_ARRIVAL_DAYS, DEFAULT_FORMAT, SESSION_TIMEOUT_MINUTES, SESSION_MAX_MINUTES, VISITOR_KEY, intVar };
