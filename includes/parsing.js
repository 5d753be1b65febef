/**
 * How int_lines_parsed reads a landed line of any format, selected per line by its log_format.
 * Every format is compiled when the Dataform project compiles (includes/log_formats.js): one RE2
 * pattern per text format, a list of JSON paths per JSON format. The model evaluates only the
 * branch of the line's own format (a CASE per log_format), so a format costs nothing for lines
 * of other formats. Nothing is interpreted per row.
 *
 * The steps, each a CTE of int_lines_parsed:
 * 1. extractions(): per regex format one STRUCT column `x_<format>` (one regexp_extract of its
 *    compiled pattern, NULL for lines of other formats) and the parsed JSON `j` of JSON lines;
 * 2. field(): one text column per common field, read from the line's own format;
 * 3. requestedAt(), requestMicros(), requestParts(): typed values, by format groups (formats
 *    sharing a time spec or a latency unit share one branch);
 * 4. structureError(): why a line does not have its format's shape.
 *
 * Formats (log_format, lower case): GoAccess's predefined ones (REGEX_FORMATS, JSON_PATH_FORMATS),
 * logflow's nginx-style `json` (includes/formats.js JSON_FIELDS), Google Cloud Logging's LogEntry
 * JSON (`cloud_logging`), and `custom`: the project var `customLogFormat`, an Apache `LogFormat`
 * string, an nginx `log_format` string or a W3C `#Fields:` line (optionally prefixed `apache:`,
 * `nginx:` or `w3c:`), compiled once; an unknown directive fails the compilation naming it.
 */

const lf = require('./log_formats');
const formats = require('./formats');
const fast = require('./fast_paths');
const w3c = require('./w3c');

const vars = (typeof dataform !== 'undefined' && dataform.projectConfig && dataform.projectConfig.vars) || {};

/** Text formats read with one compiled RE2 pattern (GoAccess's predefined formats). */
const REGEX_FORMATS = [
  'combined',
  'vcombined',
  'common',
  'vcommon',
  'w3c',
  'squid',
  'cloudfront',
  'cloudstorage',
  'awselb',
  'awsalb',
  'awss3',
  'traefikclf',
];

/** JSON formats read by JSON paths (log_formats.js). */
const JSON_PATH_FORMATS = ['caddy', 'cloud_logging'];

/** logflow's nginx-style JSON format (formats.js JSON_FIELDS). */
const NGINX_JSON = 'json';

/** The format name of the lines parsed with the var customLogFormat. */
const CUSTOM = 'custom';

/** Formats whose request target is an absolute URL: path, query and host come from the URL. */
const ABSOLUTE_URL_FORMATS = ['awselb', 'awsalb', 'squid', 'cloud_logging'];

/**
 * Formats whose `vhost` field is the requested host name, so it also fills `host` (for the
 * others it is GoAccess's %v of that format: the ELB name, the S3 bucket, the Traefik router).
 */
const VHOST_IS_HOST = ['vcombined', 'vcommon', 'w3c', 'cloudfront', 'cloudstorage', 'caddy', NGINX_JSON, CUSTOM];

/** Apache-family formats whose mismatch is diagnosed step by step (formats.apacheMismatchReason). */
const DIAGNOSED = formats.APACHE_FORMATS;

/** nginx-style `json` lines: model field -> formats.JSON_FIELDS entry. */
const NGINX_JSON_FIELDS = {
  vhost: 'vhost',
  client_ip: 'client_ip',
  auth_user: 'auth_user',
  time_local: 'time_local',
  status: 'status',
  bytes: 'bytes',
  referrer: 'referrer',
  user_agent: 'user_agent',
  cache_status: 'cache_status',
  tls_protocol: 'tls_protocol',
  tls_cipher: 'tls_cipher',
  content_type: 'content_type',
};

/** TLS versions as Caddy logs them (the TLS record version number) -> the usual name. */
const TLS_VERSIONS = { 769: 'TLSv1', 770: 'TLSv1.1', 771: 'TLSv1.2', 772: 'TLSv1.3' };
/** Common TLS cipher suites by IANA number (Caddy logs the number) -> IANA name; others stay numbers. */
const TLS_CIPHERS = {
  4865: 'TLS_AES_128_GCM_SHA256',
  4866: 'TLS_AES_256_GCM_SHA384',
  4867: 'TLS_CHACHA20_POLY1305_SHA256',
  49195: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  49196: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  49199: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  49200: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  52392: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  52393: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
};

/** `case expr when 'k' then 'v' ... else expr end` for a constant mapping. */
function mapped(d, expr, table) {
  const branches = Object.entries(table).map(([k, v]) => `when ${d.str(k)} then ${d.str(v)}`);
  return `(case ${expr} ${branches.join(' ')} else ${expr} end)`;
}

/** Per-format rewrites of a field's text (applied inside that format's branch only). */
const REWRITES = {
  caddy: {
    tls_protocol: (d, x) => mapped(d, x, TLS_VERSIONS),
    tls_cipher: (d, x) => mapped(d, x, TLS_CIPHERS),
  },
  cloud_logging: {
    // httpRequest.cacheHit is a boolean; absent when no cache was looked up.
    cache_status: (_d, x) => `(case ${x} when 'true' then 'HIT' when 'false' then 'MISS' end)`,
  },
  // fmt: IIS writes the spaces of a user agent as '+' (Mozilla/5.0+(Windows+NT+10.0)); GoAccess turns them back into spaces.
  w3c: {
    user_agent: (_d, x) => `replace(${x}, '+', ' ')`,
  },
};

/** JSON-path formats' fields read as JSON numbers (FLOAT64), not text. */
const NUMERIC_JSON_FIELDS = { caddy: ['time_local', 'latency'] };

/**
 * Compiles the var customLogFormat (log_formats.js compileCustomFormat), labelled `custom`.
 * @param {string} description
 * @returns {object} a compiled format (log_formats.js)
 * @throws {Error} one line naming the var and the unknown directive
 */
function compileCustom(description) {
  const text = String(description).trim();
  try {
    return { ...lf.compileCustomFormat(text), label: CUSTOM };
  } catch (e) {
    throw new Error(`var customLogFormat: ${e?.message ?? String(e)}`);
  }
}

/**
 * The formats the model parses besides `json`: [{ name, compiled }], GoAccess's predefined ones,
 * Cloud Logging, and `custom` when a custom format is given.
 * @param {string} [custom] the var customLogFormat ('' or undefined: none)
 */
function lineFormats(custom = vars.customLogFormat) {
  const key = String(custom ?? '').trim();
  if (!compiledLists.has(key)) {
    const list = [...REGEX_FORMATS, ...JSON_PATH_FORMATS].map((name) => ({
      name,
      compiled: w3c.withHeaderFields(name, lf.predefinedFormat(name)),
    }));
    if (key !== '') list.push({ name: CUSTOM, compiled: compileCustom(key) });
    compiledLists.set(key, list);
  }
  return compiledLists.get(key);
}

/** lineFormats() by custom format: Dataform evaluates a model's js block once per statement. */
const compiledLists = new Map();

/** Every log_format the model parses. */
function formatNames(list) {
  return [...list.map((f) => f.name), NGINX_JSON];
}

const inList = (d, format, names) => d.inList(format, names);
const isRegex = (f) => f.compiled.kind === 'regex';
const has = (f, field) => (isRegex(f) ? f.compiled.fields.includes(field) : field in f.compiled.paths);
/** Formats (by name) whose lines are JSON. */
const jsonNames = (list) => [...list.filter((f) => !isRegex(f)).map((f) => f.name), NGINX_JSON];
/** Regex formats (by name). */
const regexNames = (list) => list.filter(isRegex).map((f) => f.name);

/**
 * Step 1: select items extracting each regex format's fields (one regex per line, only for its
 * own lines) and parsing JSON lines once.
 * @param {object} d dialect helpers
 * @param {string} line SQL expression of the line text
 * @param {string} format SQL expression of the line's format name
 * @param {Array} list lineFormats()
 * @returns {string[]} select items
 */
function extractions(d, line, format, list) {
  const fields = (f) =>
    f.name === w3c.FORMAT
      ? w3c.extractFields(d, f.compiled, line)
      : fastPaths()
        ? fast.extractFields(d, f, line, FAST_QUOTED, FAST_WORDS)
        : lf.extractFields(d, line, f.compiled);
  const items = list.filter(isRegex).map((f) => `case when ${format} = ${d.str(f.name)} then ${fields(f)} end as x_${f.name}`);
  items.push(`case when ${inList(d, format, jsonNames(list))} then ${d.parseJson(line)} end as j`);
  return items;
}

/**
 * Whether well-formed lines take the fast paths (includes/fast_paths.js); the project var
 * parseFastPath=false sends every line through the full patterns (tests compare both).
 */
function fastPaths() {
  return (
    String(vars.parseFastPath ?? '')
      .trim()
      .toLowerCase() !== 'false'
  );
}

/** Columns of the fast paths' pieces: the line split at its quotes, their first piece split at its spaces. */
const FAST_QUOTED = 'fast_quoted';
const FAST_WORDS = 'fast_words';
const FAST_PIECES = 'fast_pieces';

/**
 * Step 0 (before extractions): the select items splitting the lines that have their format's
 * common shape for the fast paths, each in its own step (a select item cannot read another of
 * the same select): `fast_pieces` (the line split at its quotes), `fast_quoted` (those pieces when
 * the line has the shape, tested on the pieces), `fast_words`; NULL for the other lines.
 * @returns {{ pieces: string, quoted: string, words: string }} one select item each
 */
function fastSplits(d, line, format, list) {
  const none = `${d.splitText(`cast(null as ${d.type('string')})`, ' ')}`;
  if (!fastPaths()) return { pieces: `${none} as ${FAST_PIECES}`, quoted: `${none} as ${FAST_QUOTED}`, words: `${none} as ${FAST_WORDS}` };
  return {
    pieces: fast.piecesItem(d, line, format, list, FAST_PIECES),
    quoted: fast.quotedItem(d, line, format, list, FAST_QUOTED, FAST_PIECES),
    words: fast.wordsItem(d, FAST_QUOTED, FAST_WORDS),
  };
}

/** NULL for '' and '-'. */
function dash(expr) {
  return `nullif(nullif(${expr}, ''), '-')`;
}

/** A JSON-path format's field as text: the first path with a value other than NULL, '' and '-'. */
function jsonText(d, f, field) {
  const numeric = (NUMERIC_JSON_FIELDS[f.name] ?? []).includes(field);
  if (numeric) return null;
  const values = f.compiled.paths[field].map((p) => dash(d.jsonValueAt('j', lf.jsonPath(p))));
  return values.length === 1 ? values[0] : `coalesce(${values.join(', ')})`;
}

/**
 * Step 2: the text of a common field (a log_formats FIELDS name) from the line's own format;
 * NULL for '' and '-' (a NULL byte count means 0, CLF's "no body"), except `extra`, kept as logged.
 * @param {object} d dialect helpers
 * @param {Array} list lineFormats()
 * @param {string} field
 * @param {string} format SQL expression of the format name
 * @param {{ json?: string | null }} [options] the nginx `json` format's SQL for this field
 */
function field(d, list, name, format, options = {}) {
  const branches = [];
  for (const f of list) {
    if (!has(f, name)) continue;
    let text = isRegex(f) ? `x_${f.name}.${name}` : jsonText(d, f, name);
    if (text === null) continue;
    if (isRegex(f)) text = name === 'extra' ? d.nullIfEmpty(text) : dash(text);
    const rewrite = REWRITES[f.name]?.[name];
    branches.push(`when ${d.str(f.name)} then ${rewrite ? rewrite(d, text) : text}`);
  }
  const nginx =
    options.json !== undefined ? options.json : NGINX_JSON_FIELDS[name] ? formats.jsonField(d, 'j', NGINX_JSON_FIELDS[name]) : null;
  if (nginx) branches.push(`when ${d.str(NGINX_JSON)} then ${nginx}`);
  if (branches.length === 0) return `cast(null as ${d.type('string')})`;
  return `(case ${format} ${branches.join(' ')} end)`;
}

/** A JSON-path format's numeric field (NUMERIC_JSON_FIELDS) as FLOAT64, by format; `options.json`: the nginx json's JSON path for it. */
function numberField(d, list, name, format, options = {}) {
  const branches = list
    .filter((f) => !isRegex(f) && (NUMERIC_JSON_FIELDS[f.name] ?? []).includes(name) && name in f.compiled.paths)
    .map((f) => `when ${d.str(f.name)} then ${d.jsonNumberAt('j', lf.jsonPath(f.compiled.paths[name][0]))}`);
  if (options.json) branches.push(`when ${d.str(NGINX_JSON)} then ${d.jsonNumberAt('j', options.json)}`);
  if (branches.length === 0) return `cast(null as ${d.type('float64')})`;
  return `(case ${format} ${branches.join(' ')} end)`;
}

/** The time text of a format: its time field, or W3C's `date time`. */
function timeText(d, list, format) {
  const branches = [];
  for (const f of list) {
    const time = f.compiled.time;
    if (!time || (NUMERIC_JSON_FIELDS[f.name] ?? []).includes(time.field)) continue;
    const text = time.fields
      ? `x_${f.name}.${time.fields[0]} || ' ' || x_${f.name}.${time.fields[1]}`
      : isRegex(f)
        ? `x_${f.name}.${time.field}`
        : jsonText(d, f, time.field);
    branches.push(`when ${d.str(f.name)} then ${isRegex(f) ? dash(text) : text}`);
  }
  branches.push(`when ${d.str(NGINX_JSON)} then ${formats.jsonField(d, 'j', 'time_local')}`);
  return `(case ${format} ${branches.join(' ')} end)`;
}

/** Whether the line matched its regex format (its witness field is not empty), by format. */
function regexMatched(d, list, line, format) {
  const branches = list
    .filter(isRegex)
    .map(
      (f) =>
        `when ${d.str(f.name)} then ${f.compiled.witness ? `${d.nullIfEmpty(`x_${f.name}.${f.compiled.witness}`)} is not null` : d.regexContains(line, f.compiled.pattern)}`,
    );
  return `coalesce(case ${format} ${branches.join(' ')} end, false)`;
}

/** Formats whose request line is one field (`request`), parsed with the request-line pattern. */
function requestLineNames(list) {
  return [...list.filter((f) => has(f, 'request')).map((f) => f.name), NGINX_JSON];
}

/** W3C extended formats (IIS, CloudFront, a custom #Fields line): the ones without trailing text. */
function w3cNames(list) {
  return list.filter((f) => isRegex(f) && !f.compiled.fields.includes('extra')).map((f) => f.name);
}

/** Formats whose last field is the quoted user agent, which may lack its closing quote. */
function openQuoteNames(list) {
  return list
    .filter((f) => isRegex(f) && f.compiled.fields.includes('last_quote'))
    .filter((f) => f.compiled.fields[f.compiled.fields.indexOf('last_quote') - 1] === 'user_agent')
    .map((f) => f.name);
}

/** Undoes Apache's `\"` and `\\` escapes in text fields of regex formats (JSON values are unescaped already). */
function unescaped(d, list, expr, format) {
  return `(case when ${inList(d, format, regexNames(list))} and strpos(${expr}, ${d.str('\\')}) > 0 then ${formats.unescapeApache(d, expr)} else ${expr} end)`;
}

/**
 * The request line as logged (`logged`: SQL of the raw request field, Apache escapes undone
 * here), or built from its parts for formats that log them apart (W3C, Squid, Cloud Logging...):
 * METHOD TARGET[?QUERY] [PROTOCOL].
 */
function requestLine(d, list, format, logged, parts) {
  const built = `${parts.method} || ' ' || ${parts.target} || coalesce('?' || ${parts.query}, '') || coalesce(' ' || ${parts.protocol}, '')`;
  return `(case when ${inList(d, format, requestLineNames(list))} then ${unescaped(d, list, logged, format)} else ${built} end)`;
}

/** The query text of formats that log it apart, without Apache %q's leading '?'. */
function queryText(d, list, format) {
  return `nullif(${d.regexReplace(field(d, list, 'query', format), '^\\?', '')}, '')`;
}

/** Seconds/milliseconds/microseconds text (or a protobuf Duration `0.012s`) as whole microseconds; NULL when not a plain non-negative number. */
function microsOf(d, text, unit) {
  if (unit === 'microseconds') return `(case when ${d.regexContains(text, '^[0-9]{1,18}$')} then ${d.safeCast(text, 'int64')} end)`;
  const number = unit === 'duration' ? d.regexExtract(text, '^([0-9]{1,12}(?:\\.[0-9]+)?)s$') : text;
  const factor = { duration: 1000000, seconds: 1000000, milliseconds: 1000 }[unit];
  if (!factor) throw new Error(`parsing.microsOf: unknown unit '${unit}'`);
  const value = `(case when ${d.regexContains(number, '^[0-9]{1,12}(?:\\.[0-9]+)?$')} then ${d.safeCast(number, 'float64')} end)`;
  return d.cast(`round(${value} * ${factor})`, 'int64');
}

/**
 * Step 3: the request duration in whole microseconds (rounded), by each format's unit: %D, %T,
 * %{ms}T, $request_time, $upstream..., ALB target_processing_time, Squid's elapsed ms, Cloud
 * Logging's latency, Caddy's duration; NULL when the format has none, '-' or a negative value
 * (ELB's -1 for a failed backend).
 * @param {string} latency SQL of the latency text (field 'latency')
 * @param {string} latencyNumber SQL of a JSON number latency (numberField 'latency')
 */
function requestMicros(d, list, format, latency, latencyNumber) {
  const byUnit = {};
  for (const f of list) {
    if (!has(f, 'latency') || (NUMERIC_JSON_FIELDS[f.name] ?? []).includes('latency')) continue;
    const unit = f.compiled.units.latency ?? 'seconds';
    (byUnit[unit] = byUnit[unit] ?? []).push(f.name);
  }
  const branches = Object.entries(byUnit).map(([unit, names]) => `when ${inList(d, format, names)} then ${microsOf(d, latency, unit)}`);
  const numeric = list.filter((f) => (NUMERIC_JSON_FIELDS[f.name] ?? []).includes('latency')).map((f) => f.name);
  const number = `(case when ${latencyNumber} >= 0 and ${latencyNumber} < 1e12 then ${latencyNumber} end)`;
  const fromNumber = d.cast(`round(${number} * 1000000)`, 'int64');
  branches.push(`when ${inList(d, format, numeric)} then ${fromNumber}`);
  // nginx json: $request_time as a string ("0.012") or a JSON number (0.012).
  branches.push(`when ${format} = ${d.str(NGINX_JSON)} then coalesce(${microsOf(d, latency, 'seconds')}, ${fromNumber})`);
  return `(case ${branches.join(' ')} end)`;
}

/**
 * Step 3: the request time in UTC, by format groups sharing a time spec (Apache's %t with
 * formats.clfTimestamp, the others with log_formats.timestampOf); NULL when invalid.
 * @param {string} time SQL of the time text (timeText)
 * @param {string} timeIso SQL of the nginx json's time_iso8601 text
 * @param {string} timeNumber SQL of a JSON-number time (numberField 'time_local', epoch seconds)
 */
function requestedAt(d, list, format, time, timeIso, timeNumber) {
  const groups = new Map();
  for (const f of list) {
    const spec = f.compiled.time;
    if (!spec || (NUMERIC_JSON_FIELDS[f.name] ?? []).includes(spec.field)) continue;
    const single = spec.fields ? { kind: spec.kind, format: spec.format } : { ...spec, field: undefined };
    const key = JSON.stringify(single);
    if (!groups.has(key)) groups.set(key, { spec: { ...single, field: 'time' }, names: [] });
    groups.get(key).names.push(f.name);
  }
  const branches = [];
  for (const { spec, names } of groups.values()) {
    const isClf = spec.kind === 'strftime' && spec.format === formats.CLF_TIME_FORMAT;
    const sql = isClf ? formats.clfTimestamp(d, time) : lf.timestampOf(d, { label: names.join(','), time: spec }, () => time);
    branches.push(`when ${inList(d, format, names)} then ${sql}`);
  }
  branches.push(
    `when ${format} = ${d.str(NGINX_JSON)} then (case when ${time} is not null then ${formats.clfTimestamp(d, time)} else ${formats.isoTimestamp(d, timeIso)} end)`,
  );
  const numeric = list
    .filter((f) => f.compiled.time && (NUMERIC_JSON_FIELDS[f.name] ?? []).includes(f.compiled.time.field))
    .map((f) => f.name);
  const micros = `(case when ${timeNumber} >= 0 and ${timeNumber} < 253402300800 then ${d.cast(`floor(${timeNumber} * 1000000)`, 'int64')} end)`;
  branches.push(`when ${inList(d, format, numeric)} then ${d.timestampFromMicros(micros)}`);
  return `(case ${branches.join(' ')} end)`;
}

/**
 * Step 3: the request line split at its spaces when it has the common shape (fast path of
 * requestParts), for formats that log a request line; NULL otherwise.
 * @param {string} request SQL of the request line (Apache escapes undone)
 */
function requestWords(d, list, format, request) {
  if (!fastPaths()) return d.splitText(`cast(null as ${d.type('string')})`, ' ');
  return `(case when ${inList(d, format, requestLineNames(list))} then ${fast.requestWords(d, request)} end)`;
}

/**
 * Step 3: the request line's parts (REQUEST_LINE_FIELDS) for formats that log a request line;
 * NULL for the others. By position when `words` (SQL of requestWords) is not NULL.
 */
function requestParts(d, list, format, request, words) {
  const parts =
    words && fastPaths()
      ? fast.requestParts(d, request, words)
      : d.regexExtractFields(request, lf.REQUEST_LINE_PATTERN, lf.REQUEST_LINE_FIELDS);
  return `case when ${inList(d, format, requestLineNames(list))} then ${parts} end`;
}

/**
 * Formats whose target is split as a URL (URL_PATTERN): those logging absolute URLs, and those
 * logging the target with its query string in one field (`request_uri`: Cloud Storage, Caddy,
 * nginx's $request_uri in a custom format).
 */
function urlNames(list) {
  return [...new Set([...ABSOLUTE_URL_FORMATS, ...list.filter((f) => has(f, 'request_uri')).map((f) => f.name)])];
}

/** Step 3: the target's URL parts (URL_FIELDS) for urlNames(); NULL for the others. */
function urlParts(d, list, format, target) {
  return `case when ${inList(d, format, urlNames(list))} then ${d.regexExtractFields(target, lf.URL_PATTERN, lf.URL_FIELDS)} end`;
}

/**
 * Step 4: why a line does not have its format's shape, or NULL when it does: an empty line, an
 * unknown format, invalid JSON, a Cloud Logging entry that is not a request, or (regex formats)
 * the first part of the Apache pattern that fails / the format it does not match.
 * @param {string} matched SQL of regexMatched()
 */
function structureError(d, list, line, format, matched) {
  const names = formatNames(list);
  const known = `unknown log format (expected one of ${names.join(', ')}${names.includes(CUSTOM) ? '' : '; custom needs the var customLogFormat'})`;
  const diagnosed = DIAGNOSED.filter((n) => regexNames(list).includes(n));
  const cloudRequest = `coalesce(${d.jsonValueAt('j', '$.httpRequest.requestMethod')}, ${d.jsonValueAt('j', '$.httpRequest.requestUrl')})`;
  // ltrim(x) = '' exactly when trim(x) = '' (same characters trimmed), and DuckDB's two-sided trim costs 15x more.
  return `case
      when ltrim(${line}) = '' then 'empty line'
      when not ${d.inList(format, names)} then ${d.str(known)}
      when ${inList(d, format, jsonNames(list))} and j is null then 'not valid JSON'
      when ${format} = 'cloud_logging' and ${cloudRequest} is null then 'Cloud Logging entry without an httpRequest'
      when ${inList(d, format, regexNames(list))} and not ${matched} then (case
        when ${inList(d, format, diagnosed)} then ${formats.apacheMismatchReason(d, line, format)}
        when ${inList(d, format, w3cNames(list))} and starts_with(${line}, '#') then 'W3C directive line (#Version, #Fields...), not a request'
        ${w3c.structureBranch(d, format)}
        else 'the line does not have the fields of its format (' || ${format} || ')' end)
    end`;
}

// ---- Cloud Logging messages in stg_landing__lines -------------------------------------------

/**
 * The log_format of a landed message that carries no logflow ingester attributes (no `format`,
 * no `idempotency_key`): 'cloud_logging' when its data is a Cloud Logging LogEntry with an
 * httpRequest (a Log Router sink publishing to the topic), else NULL.
 * @param {object} d dialect helpers
 * @param {string} text SQL of the message data as text
 * @param {string} format SQL of the format attribute
 * @param {string} key SQL of the idempotency_key attribute
 */
function sinkFormat(d, text, format, key) {
  return `(case when ${format} is null and ${key} is null then ${lf.formatFromShape(d, text)} end)`;
}

/**
 * The line id of a Cloud Logging LogEntry (sinkFormat): the MD5 of its logName and insertId,
 * the entry's own dedupe key (the same entry published twice collapses); NULL for other
 * messages. Both are read with a regex (they are plain strings in the LogEntry's top level;
 * a nested payload field of the same name before them would be taken instead), which keeps
 * the expression shallow enough for the staged line's id to be computed in a subquery.
 * @param {string} text SQL of the message data as text
 */
function sinkLineId(d, text, format, key) {
  const insertId = d.regexExtract(text, '"insertId"\\s*:\\s*"([^"\\\\]+)"');
  const logName = d.regexExtract(text, '"logName"\\s*:\\s*"([^"\\\\]*)"');
  return `(case when ${sinkFormat(d, text, format, key)} = 'cloud_logging' then ${d.md5Hex(`coalesce(${logName}, '') || ' ' || ${insertId}`)} end)`;
}

module.exports = {
  REGEX_FORMATS,
  JSON_PATH_FORMATS,
  NGINX_JSON,
  CUSTOM,
  ABSOLUTE_URL_FORMATS,
  VHOST_IS_HOST,
  compileCustom,
  lineFormats,
  formatNames,
  fastSplits,
  extractions,
  field,
  numberField,
  timeText,
  regexMatched,
  requestLineNames,
  openQuoteNames,
  unescaped,
  requestLine,
  queryText,
  microsOf,
  requestMicros,
  requestedAt,
  requestWords,
  requestParts,
  urlNames,
  urlParts,
  structureError,
  sinkFormat,
  sinkLineId,
};
