const lf = require('./log_formats');

/**
 * How each log format is read: the regexes, the JSON field mapping and the rules that turn a
 * landed line into typed request fields, and the derived request fields (static asset, page view,
 * status class, referrer host). int_lines_parsed and requests call these functions; every regex
 * is RE2 (BigQuery and DuckDB) and every warehouse spelling goes through the dialect helpers.
 *
 * Formats (the ingester's `format` attribute, else the project var `defaultFormat`): every
 * GoAccess predefined format, Cloud Logging and a custom format are compiled by
 * includes/log_formats.js and read by includes/parsing.js; this file holds what they share with
 * logflow's own nginx-style `json` format (JSON_FIELDS, one JSON object per line, nginx
 * `escape=json`), the Apache-family mismatch diagnosis, and the derived request fields.
 *
 * Rules shared by the Apache family:
 * - A quoted field is `"` then any characters except `"` and `\`, or a backslash escape, then
 *   `"`. Apache writes `"` as `\"` and `\` as `\\` (ap_escape_logitem); those two escapes are
 *   undone in the request, referrer and user agent. `\xhh` escapes (bytes outside printable
 *   ASCII) are kept as logged, since they can encode invalid UTF-8.
 * - The user agent, the last field of combined/vcombined, may lack its closing quote when the
 *   line ends right after it: such a line is parsed (GoAccess accepts it too: the one real
 *   case, a Googlebot line in the elastic sample, lost only its last two characters) and the
 *   request is flagged has_unclosed_user_agent_quote. Any other missing quote is quarantined.
 * - `-` means "none": ident, user, referrer and user agent become NULL, a `-` byte count is
 *   0 (CLF's "no body sent"). Trailing spaces or a CR are ignored; other text after the format's last
 *   field (request time, upstream time, a trailing "-") is kept in trailing_text.
 * - The timestamp is `dd/Mon/yyyy:HH:MM:SS ±hhmm` exactly (two-digit fields, seconds 00-59,
 *   offsets -1400 to +1400), converted to UTC, within 0001-01-01 and 9999-12-31 UTC (BigQuery's
 *   TIMESTAMP range); anything else is 'invalid timestamp' on both warehouses.
 * - Status and byte count are whole numbers written as digits (a JSON number or string: 200 and
 *   "200", not 200.5, 2e2 or "1e3"); a byte count over MAX_RESPONSE_BYTES is quarantined.
 * - The client address is kept as logged, whatever it is (an IP address, a host name when
 *   Apache's HostnameLookups is on, `unknown` from a proxy): such a line is a request. Only its
 *   IP key (ip_locations) is NULL when it is not an address BigQuery's NET.SAFE_IP_FROM_STRING
 *   reads, so it has no country or ASN.
 */

/** The Apache-family formats whose mismatch is diagnosed step by step (apacheMismatchReason). */
const APACHE_FORMATS = ['combined', 'common', 'vcombined', 'vcommon'];

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';

/**
 * Why an Apache-family line did not match, found by testing ever longer prefixes of the
 * pattern (first failing step wins). Only evaluated for lines that did not match.
 */
const APACHE_DIAGNOSES = [
  ['^(?:[^\\s:]+(?::\\d+)? )?\\S+ \\S+ \\S+ \\[', 'no client address, ident, user and [timestamp] at the start of the line'],
  ['^(?:[^\\s:]+(?::\\d+)? )?\\S+ \\S+ \\S+ \\[[^\\]]+\\] "', 'no quoted request after the [timestamp]'],
  ['^(?:[^\\s:]+(?::\\d+)? )?\\S+ \\S+ \\S+ \\[[^\\]]+\\] ' + QUOTED + ' \\d{3} ', 'no 3-digit status after the quoted request'],
  [
    '^(?:[^\\s:]+(?::\\d+)? )?\\S+ \\S+ \\S+ \\[[^\\]]+\\] ' + QUOTED + ' \\d{3} (?:\\d+|-)(?:\\s|$)',
    'no byte count (digits or -) after the status',
  ],
];

/** Reason for an Apache-family line that passed every diagnosis step, per format. */
const APACHE_TAIL_REASONS = {
  common: 'unexpected text after the byte count',
  combined: 'no quoted referrer and user agent after the byte count',
  vcombined: 'no vhost prefix, or no quoted referrer and user agent after the byte count',
  vcommon: 'no vhost prefix',
};

/**
 * The largest byte count a request may report: 1 TiB (2^40). A line claiming more is quarantined
 * with BYTES_TOO_LARGE. Without a bound, one line near INT64's maximum (a forged line, or a
 * broken logger) makes every SUM(response_bytes) over its day fail on BigQuery with an INT64
 * overflow (DuckDB widens to HUGEINT and carries on); with it, a sum overflows only past
 * 8,388,607 such lines in one group.
 */
const MAX_RESPONSE_BYTES = 1099511627776;
const BYTES_TOO_LARGE = 'byte count too large (over 1 TiB)';

/** Apache's %t. */
const CLF_TIME_FORMAT = '%d/%b/%Y:%H:%M:%S %z';
/** ISO 8601 after isoTimestamp's normalisation (nginx $time_iso8601). */
const ISO_TIME_FORMAT = '%Y-%m-%dT%H:%M:%S%z';

/**
 * The json format: which keys of the line's object fill which field; the first key present
 * with a value other than '' or '-' wins. Keys are nginx variable names first (a `log_format
 * ... escape=json` with `"$remote_addr"` etc.), then common spellings of other servers.
 * Values may be JSON strings or numbers. The time is time_local (Apache %t form) or
 * time_iso8601 (`2026-11-01T10:00:00+05:30`; `Z` and fractions of a second allowed, the
 * fraction is dropped). When there is no `request` key, the request line is built from
 * request_method, request_uri and server_protocol.
 */
const JSON_FIELDS = {
  vhost: ['host', 'server_name', 'vhost'],
  client_ip: ['remote_addr', 'client_ip', 'ip'],
  auth_user: ['remote_user', 'user'],
  time_local: ['time_local'],
  time_iso8601: ['time_iso8601', 'timestamp', 'time'],
  request: ['request'],
  request_method: ['request_method', 'method'],
  request_uri: ['request_uri', 'uri'],
  server_protocol: ['server_protocol', 'protocol'],
  status: ['status'],
  bytes: ['body_bytes_sent', 'bytes_sent', 'bytes'],
  referrer: ['http_referer', 'referer', 'referrer'],
  user_agent: ['http_user_agent', 'user_agent'],
  request_time: ['request_time'],
  cache_status: ['upstream_cache_status', 'cache_status'],
  tls_protocol: ['ssl_protocol'],
  tls_cipher: ['ssl_cipher'],
  content_type: ['sent_http_content_type', 'content_type'],
};

/**
 * The reason an Apache-family line of `format` did not match its pattern (see APACHE_DIAGNOSES).
 * @param {object} d dialect helpers
 */
function apacheMismatchReason(d, line, format) {
  const steps = APACHE_DIAGNOSES.map(([pattern, reason]) => `when not ${d.regexContains(line, pattern)} then ${d.str(reason)}`);
  const tails = APACHE_FORMATS.map((f) => `when ${format} = ${d.str(f)} then ${d.str(APACHE_TAIL_REASONS[f])}`);
  return `(case ${steps.join(' ')} ${tails.join(' ')} end)`;
}

/** A field read out of a regex STRUCT: NULL for '' and for Apache's `-`. */
function dashIsNull(d, expr) {
  return `nullif(${d.nullIfEmpty(expr)}, '-')`;
}

/** Undoes Apache's `\"` and `\\` escapes. */
function unescapeApache(d, expr) {
  return d.regexReplace(expr, '\\\\(["\\\\])', '\\1');
}

/**
 * The json format's field `name` (a key of JSON_FIELDS) from a parsed JSON value: the first
 * listed key with a value other than NULL, '' and '-'.
 * @param {object} d dialect helpers
 * @param {string} json SQL expression of type JSON
 * @param {string} name
 */
function jsonField(d, json, name) {
  const keys = JSON_FIELDS[name];
  if (!keys) throw new Error(`formats.jsonField: unknown field '${name}' (known: ${Object.keys(JSON_FIELDS).join(', ')})`);
  const values = keys.map((k) => `nullif(nullif(${d.jsonValue(json, k)}, ''), '-')`);
  return values.length === 1 ? values[0] : `coalesce(${values.join(', ')})`;
}

/** nginx's request line, from `request` or from method, URI and protocol. */
function jsonRequest(d, json) {
  const parts = `${jsonField(d, json, 'request_method')} || ' ' || ${jsonField(d, json, 'request_uri')} || coalesce(' ' || ${jsonField(d, json, 'server_protocol')}, '')`;
  return `coalesce(${jsonField(d, json, 'request')}, ${parts})`;
}

/**
 * An ISO 8601 timestamp text with an offset (`Z`, `+05:30`, `-0700`) as a UTC timestamp;
 * fractions of a second are dropped; NULL when invalid or without an offset.
 */
function isoTimestamp(d, expr) {
  const noFraction = d.regexReplace(expr, '\\.\\d+', '');
  const zulu = d.regexReplace(noFraction, '[Zz]$', '+0000');
  const offset = d.regexReplace(zulu, '([+-]\\d\\d):(\\d\\d)$', '\\1\\2');
  return d.parseTimestamp(ISO_TIME_FORMAT, offset);
}

/** Apache's %t text as a UTC timestamp; NULL when invalid. */
function clfTimestamp(d, expr) {
  return d.parseTimestampFast(CLF_TIME_FORMAT, expr);
}

/** The request line's parts as a STRUCT (log_formats.REQUEST_LINE_FIELDS); fields are '' or NULL when it does not match. */
function requestParts(d, request) {
  return d.regexExtractFields(request, lf.REQUEST_LINE_PATTERN, lf.REQUEST_LINE_FIELDS);
}

// ---- Derived request fields ----------------------------------------------------------------

/**
 * Static assets, by the path's extension (case-insensitive; the query string is not part of
 * the path). The reference is GoAccess 1.7: every extension its default configuration enables
 * (`static-file` lines of /etc/goaccess/goaccess.conf, first two rows below), plus the web asset
 * formats it does not list that modern sites serve in bulk (last row: images, fonts, source
 * maps, ES modules, video, WebAssembly); without them a site's .webp thumbnails would rank as
 * its top pages.
 */
const STATIC_EXTENSIONS = [
  'css',
  'js',
  'jpg',
  'png',
  'gif',
  'ico',
  'jpeg',
  'pdf',
  'csv',
  'mpeg',
  'mpg',
  'swf',
  'woff',
  'woff2',
  'xls',
  'xlsx',
  'doc',
  'docx',
  'ppt',
  'pptx',
  'txt',
  'zip',
  'ogg',
  'mp3',
  'mp4',
  'exe',
  'iso',
  'gz',
  'rar',
  'svg',
  'bmp',
  'tar',
  'tgz',
  'tiff',
  'tif',
  'ttf',
  'flv',
  'dmg',
  'xz',
  'zst',
  'webp',
  'avif',
  'otf',
  'eot',
  'map',
  'mjs',
  'webm',
  'wasm',
];

/** TRUE when the path ends in a static extension (STATIC_EXTENSIONS); FALSE for NULL. */
function isStatic(d, path) {
  return `coalesce(${d.regexContains(path, `\\.(?i:${STATIC_EXTENSIONS.join('|')})$`)}, false)`;
}

/**
 * A page view: a GET answered 2xx or 304, of a path that is not a static asset (`isStaticExpr`,
 * the isStatic test). It does not
 * look at is_bot (bots' page views are page views too): filter on is_bot for human traffic.
 */
function isPageView(d, method, status, isStaticExpr) {
  return `coalesce(${method} = 'GET' and (${status} between 200 and 299 or ${status} = 304) and not ${isStaticExpr}, false)`;
}

/** '2xx' for 200-299 and so on. */
function statusClass(d, status) {
  return `(${d.cast(d.intDiv(status, '100'), 'string')} || 'xx')`;
}

/** Lower-case host of an absolute referrer URL (scheme://[user@]host[:port]/...); NULL otherwise. */
function referrerHost(d, referrer) {
  return `lower(${d.nullIfEmpty(d.regexExtract(referrer, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]+)'))})`;
}

/**
 * TRUE when the referrer host is one of the site's own hosts: a host listed in `siteHosts`
 * (comma-separated, e.g. the var siteHosts) or a subdomain of one, or the request's own
 * virtual host when the format logs it. FALSE when there is no referrer host.
 * @param {string} siteHosts comma-separated host names (a var; not SQL)
 */
function isInternalReferrer(d, host, vhost, siteHosts) {
  const hosts = String(siteHosts || '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const escapeRegex = (h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tests = hosts.map((h) => `${host} = ${d.str(h)} or ${d.regexContains(host, '\\.' + escapeRegex(h) + '$')}`);
  tests.push(`${host} = lower(${vhost})`);
  return `coalesce(${tests.map((t) => `(${t})`).join(' or ')}, false)`;
}

module.exports = {
  STATIC_EXTENSIONS,
  isStatic,
  isPageView,
  statusClass,
  referrerHost,
  isInternalReferrer,
  APACHE_FORMATS,
  APACHE_DIAGNOSES,
  CLF_TIME_FORMAT,
  MAX_RESPONSE_BYTES,
  BYTES_TOO_LARGE,
  JSON_FIELDS,
  apacheMismatchReason,
  dashIsNull,
  unescapeApache,
  jsonField,
  jsonRequest,
  isoTimestamp,
  clfTimestamp,
  requestParts,
};
