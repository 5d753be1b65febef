/**
 * The log-format compiler: turns a format description (an Apache `LogFormat` string, an nginx
 * `log_format` string, a W3C `#Fields:` line, or one of GoAccess's predefined formats) into ONE
 * RE2 pattern with one capturing group per field, when the Dataform project compiles. Nothing
 * here runs per row: the warehouse evaluates the pattern (dialect.regexExtractFields) once per
 * line. JSON formats (Caddy, Google Cloud Logging) compile into a map of JSON paths instead.
 *
 * A compiled format (see compileApache, compileNginx, compileW3c, predefinedFormat):
 *   {
 *     label,      // e.g. 'combined', 'apache', 'nginx', 'w3c', 'awsalb', 'caddy'
 *     kind,       // 'regex' or 'json'
 *     pattern,    // (regex) the RE2 pattern, anchored ^...$; one group per entry of `fields`
 *     fields,     // (regex) capture names in group order, from FIELDS (or header_in_*, cookie_*, ...)
    witness,    // (regex) a field that is never empty when the line matches (NULL/'' means no match), or null
 *     paths,      // (json) field -> list of JSON paths (arrays of keys/indexes), first non-empty wins
 *     time,       // { field, kind: 'strftime', format } | { field, kind: 'iso8601' }
 *                 // | { field, kind: 'epoch', unit: 'seconds'|'milliseconds'|'microseconds' }
 *                 // | { fields: ['date', 'time'], kind: 'strftime', format }   (W3C: UTC date + time)
 *     units,      // field -> 'microseconds'|'milliseconds'|'seconds'|'duration' for time-valued fields
 *   }
 *
 * Conventions of the captured text: '-' means none (as in formats.js); a field absent from a line
 * captures ''. Every format except the JSON ones and W3C accepts trailing text after its last
 * field (servers append request time, upstream time, a trailing "-"): it is captured in `extra`.
 */

/** The common field set: every capture name the compiler emits maps to one of these (or a *_ family). */
const FIELDS = {
  // the fields of formats.js's APACHE_FIELDS
  vhost: 'virtual host (Apache %v, nginx $host, ALB domain_name, S3 bucket)',
  client_ip: 'client address',
  ident: 'RFC 1413 identity (Apache %l)',
  auth_user: 'authenticated user',
  time_local: 'the request time as logged',
  request: 'the request line (method, target, protocol)',
  status: 'HTTP status',
  bytes: 'response body bytes',
  referrer: 'Referer header',
  user_agent: 'User-Agent header',
  // beyond
  date: 'date part of the time (W3C)',
  time: 'time-of-day part of the time (W3C)',
  method: 'request method, when logged on its own',
  path: 'request path without the query, when logged on its own',
  query: 'query string (Apache %q keeps the leading ?)',
  request_uri: 'path and query, or an absolute URL (Squid, Cloud Storage, Cloud Logging)',
  protocol: 'protocol, when logged on its own',
  port: 'server port',
  server_ip: 'server address',
  host: 'Host header',
  latency: 'time to serve the request (unit in `units`)',
  upstream_time: 'upstream (backend) response time(s), nginx style "0.010, 0.002"',
  request_processing_time: 'ELB/ALB request processing time (seconds)',
  response_processing_time: 'ELB/ALB response processing time (seconds)',
  upstream_status: 'backend status (ELB/ALB target, nginx $upstream_status)',
  upstream_addr: 'backend address',
  cache_status: 'cache result (nginx $upstream_cache_status, CloudFront x-edge-result-type, Squid TCP_HIT...)',
  tls_protocol: 'TLS version',
  tls_cipher: 'TLS cipher',
  content_type: 'response MIME type',
  bytes_sent: 'bytes sent including headers (Apache %O, nginx $bytes_sent)',
  bytes_received: 'bytes received including headers (Apache %I, nginx $request_length)',
  forwarded_for: 'X-Forwarded-For header',
  request_id: 'request id (ELB/ALB trace id, S3 request id, Cloud Logging insertId)',
  scheme: 'URL scheme or ALB request type',
  extra: 'trailing text after the last field of the format',
  last_quote: "the closing quote of a format's last quoted field ('' when the line ends without it, as formats.js's ua_close)",
};

/** Text inside double quotes, Apache (`\"`) or nginx (`\x22`) escaped. */
const QUOTED_TEXT = '(?:[^"\\\\]|\\\\.)*';
const TOKEN = '\\S+';
const NUMBER_OR_DASH = '\\d+|-';
const SECONDS = '-?\\d+(?:\\.\\d+)?|-';
/** Text after the last field (after spaces or tabs, or `trailer`'s separator): kept in `extra`. */
const TRAILER = '(?:[ \\t]+(.*?))?[ \\t\\r]*$';

/** Apache's %t and nginx's $time_local. */
const CLF_TIME = { kind: 'strftime', format: '%d/%b/%Y:%H:%M:%S %z' };

// ---- Patterns from parts -------------------------------------------------------------------

/** Escapes a literal for RE2. */
function escapeLiteral(text) {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&').replace(/\t/g, '\\t');
}

/**
 * Builds a compiled regex format from parts: strings are RE2 text, `[name, re]` a field. A field
 * whose name was captured already, or whose name is null, becomes a non-capturing group.
 * @param {string} label
 * @param {Array<string | [string | null, string]>} parts
 * @param {{ time?: object, units?: object, trailer?: boolean }} meta
 */
function fromParts(label, parts, meta = {}) {
  const fields = [];
  let witness = null;
  let pattern = '^';
  let depth = 0;
  for (const part of parts) {
    if (typeof part === 'string') {
      pattern += part;
      const bare = part.replace(/\\./g, '');
      depth += (bare.match(/\(/g) ?? []).length - (bare.match(/\)/g) ?? []).length;
      continue;
    }
    const [name, re] = part;
    if (name === null || fields.includes(name)) {
      pattern += `(?:${re})`;
    } else {
      fields.push(name);
      pattern += `(${re})`;
      if (witness === null && depth === 0 && !new RegExp(`^(?:${re})$`).test('')) witness = name;
    }
  }
  if (meta.trailer === false) pattern += '[ \\t\\r]*$';
  else {
    pattern += meta.trailer ? `(?:${meta.trailer}(.*?))?[ \\t\\r]*$` : TRAILER;
    fields.push('extra');
  }
  const units = {};
  for (const [field, unit] of Object.entries(meta.units ?? {})) if (fields.includes(field)) units[field] = unit;
  return { label, kind: 'regex', pattern, fields, witness, time: meta.time ?? null, units };
}

/** A header/cookie/env name as a capture-name suffix: `User-Agent` -> `user_agent`. */
function suffix(name) {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/** Whether position i of a format string sits between double quotes (an odd number of unescaped " before it). */
function insideQuotes(format, i) {
  let open = false;
  for (let k = 0; k < i; k++) {
    if (format[k] === '\\') k++;
    else if (format[k] === '"') open = !open;
  }
  return open;
}

/**
 * Appends a format's final literal. When the format ends with a quoted field (the user agent of
 * combined), the closing quote is captured as `last_quote` and may be missing: a line cut right
 * after the user agent still parses (GoAccess accepts it too; formats.js does the same).
 */
function closeLastQuote(parts, literal) {
  const last = parts[parts.length - 1];
  if (literal === '"' && Array.isArray(last) && last[1] === QUOTED_TEXT) parts.push(['last_quote', '"?']);
  else if (literal) parts.push(escapeLiteral(literal));
}

/** The field regex for a text field: a token outside quotes, quoted text inside. */
function textRe(quoted) {
  return quoted ? QUOTED_TEXT : TOKEN;
}

// ---- strftime (Apache %{...}t) -------------------------------------------------------------

const STRFTIME_RE = {
  Y: '\\d{4}',
  m: '\\d{2}',
  d: '\\d{2}',
  e: ' ?\\d{1,2}',
  H: '\\d{2}',
  M: '\\d{2}',
  S: '\\d{2}',
  y: '\\d{2}',
  b: '[A-Za-z]{3}',
  h: '[A-Za-z]{3}',
  B: '[A-Za-z]+',
  a: '[A-Za-z]{3}',
  A: '[A-Za-z]+',
  z: '[+-]\\d{4}',
  Z: '[A-Za-z]+',
  j: '\\d{3}',
  p: '[AP]M',
  I: '\\d{2}',
  T: '\\d{2}:\\d{2}:\\d{2}',
  F: '\\d{4}-\\d{2}-\\d{2}',
  D: '\\d{2}/\\d{2}/\\d{2}',
  '%': '%',
};

/** An strftime format as RE2 (no groups); throws on a conversion it cannot match. */
function strftimeRe(format, where) {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') {
      out += escapeLiteral(format[i]);
      continue;
    }
    const c = format[++i];
    const re = STRFTIME_RE[c];
    if (re === undefined) throw new Error(`log format: unsupported strftime conversion '%${c ?? ''}' in time format '${format}' ${where}`);
    out += re;
  }
  return out;
}

// ---- Apache LogFormat -----------------------------------------------------------------------

/**
 * Apache directives with a fixed meaning: letter -> [field, regex (unquoted), unit?].
 * `null` field: matched but not captured.
 */
const APACHE_SIMPLE = {
  a: ['client_ip', TOKEN],
  A: ['server_ip', TOKEN],
  B: ['bytes', '\\d+'],
  b: ['bytes', NUMBER_OR_DASH],
  D: ['latency', NUMBER_OR_DASH, 'microseconds'],
  f: [null, TOKEN],
  h: ['client_ip', TOKEN],
  H: ['protocol', TOKEN],
  k: [null, '\\d+'],
  l: ['ident', TOKEN],
  L: [null, TOKEN],
  m: ['method', TOKEN],
  p: ['port', '\\d+|-'],
  P: [null, '\\d+'],
  q: ['query', '\\S*'],
  R: [null, TOKEN],
  s: ['status', '\\d{3}|-'],
  T: ['latency', NUMBER_OR_DASH, 'seconds'],
  u: ['auth_user', TOKEN],
  U: ['path', '[^\\s?"]+'],
  v: ['vhost', '[^\\s:]+'],
  V: ['vhost', '[^\\s:]+'],
  X: [null, '[X+-]'],
  I: ['bytes_received', '\\d+|-'],
  O: ['bytes_sent', '\\d+|-'],
  S: [null, '\\d+|-'],
  r: ['request', TOKEN],
};

/** Request headers (%{...}i) with a common field. */
const HEADER_FIELDS = { referer: 'referrer', 'user-agent': 'user_agent', host: 'host', 'x-forwarded-for': 'forwarded_for' };
/** Apache env / mod_ssl variables with a common field. */
const ENV_FIELDS = { ssl_protocol: 'tls_protocol', ssl_cipher: 'tls_cipher' };

/**
 * Compiles an Apache `LogFormat` string (mod_log_config) into one RE2 pattern.
 * Supports every directive of mod_log_config (status modifiers such as `%400,501{...}i` and
 * `%>s`/`%<s` are accepted and ignored), `%{format}t` strftime times and `%{sec|msec|usec}t`.
 * @param {string} format e.g. `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D`
 * @param {string} [label]
 * @returns {object} a compiled format (see the file comment)
 * @throws {Error} naming an unknown directive and its position
 */
function compileApache(format, label = 'apache') {
  const parts = [];
  const units = {};
  let time = null;
  let literal = '';
  const flush = () => {
    if (literal) parts.push(escapeLiteral(literal));
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      literal += c;
      continue;
    }
    const start = i;
    const m = /^%(?:!?\d+(?:,\d+)*)?[<>]?(?:\{([^}]*)\})?[<>]?([A-Za-z%^])/.exec(format.slice(i));
    const where = `at position ${start + 1} of the Apache format`;
    if (!m) throw new Error(`log format: incomplete Apache directive '${format.slice(i, i + 4)}' ${where}`);
    i += m[0].length - 1;
    const [, arg, letter] = m;
    if (letter === '%') {
      literal += '%';
      continue;
    }
    flush();
    const quoted = insideQuotes(format, start);
    if (letter === 't') {
      if (arg === undefined) {
        parts.push('\\[', ['time_local', '[^\\]]+'], '\\]');
        time = time ?? { field: 'time_local', ...CLF_TIME };
        continue;
      }
      const fmt = arg.replace(/^(?:begin|end):/, '');
      const epoch = { sec: 'seconds', msec: 'milliseconds', usec: 'microseconds' }[fmt];
      if (epoch) {
        parts.push(['time_local', '\\d+']);
        time = time ?? { field: 'time_local', kind: 'epoch', unit: epoch };
      } else if (fmt === 'msec_frac' || fmt === 'usec_frac') {
        parts.push([null, '\\d+']);
      } else {
        parts.push(['time_local', strftimeRe(fmt, where)]);
        time = time ?? { field: 'time_local', kind: 'strftime', format: fmt };
      }
      continue;
    }
    if (arg !== undefined && 'ioeCnx'.includes(letter)) {
      const key = arg.toLowerCase();
      let name;
      if (letter === 'i') name = HEADER_FIELDS[key] ?? `header_in_${suffix(arg)}`;
      else if (letter === 'o') name = key === 'content-type' ? 'content_type' : `header_out_${suffix(arg)}`;
      else if (letter === 'e' || letter === 'x') name = ENV_FIELDS[key] ?? `env_${suffix(arg)}`;
      else if (letter === 'C') name = `cookie_${suffix(arg)}`;
      else name = `note_${suffix(arg)}`;
      parts.push([name, textRe(quoted)]);
      continue;
    }
    if (letter === 'T' && arg !== undefined) {
      const unit = { ms: 'milliseconds', us: 'microseconds', s: 'seconds' }[arg];
      if (!unit) throw new Error(`log format: unknown unit '${arg}' in Apache directive '%{${arg}}T' ${where} (expected ms, us or s)`);
      parts.push(['latency', NUMBER_OR_DASH]);
      units.latency = units.latency ?? unit;
      continue;
    }
    const simple = APACHE_SIMPLE[letter];
    if (!simple) throw new Error(`log format: unknown Apache directive '${m[0]}' ${where}`);
    const [name, re, unit] = simple;
    const textual = ['request', 'auth_user', 'ident', 'query', null].includes(name);
    parts.push([name, textual && quoted ? QUOTED_TEXT : re]);
    if (unit && name) units[name] = units[name] ?? unit;
  }
  closeLastQuote(parts, literal);
  return fromParts(label, parts, { time, units });
}

// ---- nginx log_format -----------------------------------------------------------------------

/** nginx variables with a fixed meaning: name -> [field, regex (unquoted), unit?]. */
const NGINX_VARIABLES = {
  remote_addr: ['client_ip', TOKEN],
  realip_remote_addr: ['client_ip', TOKEN],
  binary_remote_addr: [null, TOKEN],
  remote_user: ['auth_user', TOKEN],
  remote_port: [null, '\\d+'],
  time_local: ['time_local', '[^\\]]+'],
  time_iso8601: ['time_local', '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:[Zz]|[+-]\\d{2}:?\\d{2})'],
  msec: ['time_local', '\\d+(?:\\.\\d+)?'],
  request: ['request', TOKEN],
  status: ['status', '\\d{3}'],
  body_bytes_sent: ['bytes', '\\d+'],
  bytes_sent: ['bytes_sent', '\\d+'],
  request_length: ['bytes_received', '\\d+'],
  request_time: ['latency', SECONDS, 'seconds'],
  upstream_response_time: ['upstream_time', '[^\\s"]*(?:(?:, | : )[^\\s",]*)*', 'seconds'],
  upstream_connect_time: [null, '[^\\s"]*(?:(?:, | : )[^\\s",]*)*'],
  upstream_header_time: [null, '[^\\s"]*(?:(?:, | : )[^\\s",]*)*'],
  upstream_addr: ['upstream_addr', '[^\\s"]*(?:(?:, | : )[^\\s",]*)*'],
  upstream_status: ['upstream_status', '[^\\s"]*(?:(?:, | : )[^\\s",]*)*'],
  upstream_cache_status: ['cache_status', TOKEN],
  host: ['vhost', TOKEN],
  server_name: ['vhost', TOKEN],
  hostname: [null, TOKEN],
  server_port: ['port', '\\d+'],
  server_addr: ['server_ip', TOKEN],
  scheme: ['scheme', TOKEN],
  server_protocol: ['protocol', TOKEN],
  request_method: ['method', TOKEN],
  request_uri: ['request_uri', TOKEN],
  uri: ['path', TOKEN],
  document_uri: ['path', TOKEN],
  args: ['query', '\\S*'],
  query_string: ['query', '\\S*'],
  ssl_protocol: ['tls_protocol', TOKEN],
  ssl_cipher: ['tls_cipher', TOKEN],
  request_id: ['request_id', TOKEN],
  connection: [null, '\\d+'],
  connection_requests: [null, '\\d+'],
  pipe: [null, '[p.]'],
  gzip_ratio: [null, TOKEN],
  content_type: [null, TOKEN],
  sent_http_content_type: ['content_type', TOKEN],
  pid: [null, '\\d+'],
  http_referer: ['referrer', TOKEN],
  http_user_agent: ['user_agent', TOKEN],
  http_host: ['host', TOKEN],
  http_x_forwarded_for: ['forwarded_for', TOKEN],
};

/** Fields whose text may contain spaces when quoted. */
const FREE_TEXT = new Set([
  'request',
  'referrer',
  'user_agent',
  'auth_user',
  'forwarded_for',
  'request_uri',
  'path',
  'query',
  'host',
  'content_type',
  'upstream_time',
  'upstream_addr',
  'upstream_status',
]);

/**
 * Compiles an nginx `log_format` string (the format text, without `log_format name` and with
 * nginx's string concatenation already done) into one RE2 pattern. Knows the core and
 * upstream/ssl variables plus the $http_*, $sent_http_*, $cookie_*, $arg_* families.
 * @param {string} format e.g. `$remote_addr - $remote_user [$time_local] "$request" $status ...`
 * @param {string} [label]
 * @returns {object} a compiled format
 * @throws {Error} naming an unknown variable and its position
 */
function compileNginx(format, label = 'nginx') {
  const parts = [];
  const units = {};
  let time = null;
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '$') {
      literal += format[i];
      continue;
    }
    const m = /^\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/.exec(format.slice(i));
    const where = `at position ${i + 1} of the nginx format`;
    if (!m) throw new Error(`log format: '$' without a variable name ${where}`);
    const name = m[1] ?? m[2];
    const quoted = insideQuotes(format, i);
    i += m[0].length - 1;
    if (literal) parts.push(escapeLiteral(literal));
    literal = '';
    let spec = NGINX_VARIABLES[name];
    if (!spec) {
      const family = /^(http|sent_http|cookie|arg)_(.+)$/.exec(name);
      if (!family) throw new Error(`log format: unknown nginx variable '$${name}' ${where}`);
      const prefix = { http: 'header_in_', sent_http: 'header_out_', cookie: 'cookie_', arg: 'arg_' }[family[1]];
      spec = [`${prefix}${family[2]}`, TOKEN];
    }
    const [field, re, unit] = spec;
    parts.push([field, quoted && (field === null || FREE_TEXT.has(field) || /^(header|cookie|arg)_/.test(field)) ? QUOTED_TEXT : re]);
    if (unit && field) units[field] = units[field] ?? unit;
    if (field === 'time_local' && !time) {
      time =
        name === 'time_local'
          ? { field, ...CLF_TIME }
          : name === 'msec'
            ? { field, kind: 'epoch', unit: 'seconds' }
            : { field, kind: 'iso8601' };
    }
  }
  closeLastQuote(parts, literal);
  return fromParts(label, parts, { time, units });
}

// ---- W3C extended (IIS, CloudFront) ---------------------------------------------------------

/** W3C field identifiers with a common field (IIS names, CloudFront's x-* and cs(...) names). */
const W3C_FIELDS = {
  date: 'date',
  time: 'time',
  'c-ip': 'client_ip',
  'cs-username': 'auth_user',
  's-ip': 'server_ip',
  's-port': 'port',
  'cs-method': 'method',
  'cs-uri-stem': 'path',
  'cs-uri-query': 'query',
  'sc-status': 'status',
  'sc-bytes': 'bytes',
  'cs-bytes': 'bytes_received',
  'time-taken': 'latency',
  'cs-version': 'protocol',
  'cs-protocol-version': 'protocol',
  'cs(user-agent)': 'user_agent',
  'cs(referer)': 'referrer',
  'cs-host': 'vhost',
  'cs(host)': 'vhost',
  's-sitename': null,
  'x-edge-result-type': 'cache_status',
  'x-edge-request-id': 'request_id',
  'x-host-header': 'host',
  'cs-protocol': 'scheme',
  'ssl-protocol': 'tls_protocol',
  'ssl-cipher': 'tls_cipher',
  'sc-content-type': 'content_type',
  'x-forwarded-for': 'forwarded_for',
};

/**
 * Compiles a W3C extended log `#Fields:` directive (IIS, CloudFront) into a format: one column per
 * listed field, separated by a space or a tab; `-` means none; IIS writes `+` for spaces in the
 * user agent. Unknown fields are matched and not captured (the spec allows any field).
 * @param {string} fieldsLine e.g. `#Fields: date time s-ip cs-method cs-uri-stem ...`
 * @param {{ label?: string, timeTakenUnit?: 'milliseconds'|'seconds' }} [options] IIS logs
 *   time-taken in milliseconds (the default), CloudFront in seconds
 * @returns {object} a compiled format; its time is the UTC `date` + `time` fields
 */
function compileW3c(fieldsLine, options = {}) {
  const m = /^#Fields:\s*(.+?)\s*$/.exec(fieldsLine);
  if (!m) throw new Error(`log format: not a W3C '#Fields:' line: '${fieldsLine.slice(0, 60)}'`);
  const names = m[1].split(/\s+/);
  const parts = [];
  names.forEach((name, i) => {
    if (i > 0) parts.push('[ \\t]');
    const field = W3C_FIELDS[name.toLowerCase()];
    parts.push([
      field ?? null,
      field === 'date' ? '\\d{4}-\\d{2}-\\d{2}' : field === 'time' ? '\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?' : '[^ \\t]+',
    ]);
  });
  const hasDate = names.includes('date') && names.includes('time');
  return fromParts(options.label ?? 'w3c', parts, {
    trailer: false,
    time: hasDate ? { fields: ['date', 'time'], kind: 'strftime', format: '%Y-%m-%d %H:%M:%S' } : null,
    units: { latency: options.timeTakenUnit ?? 'milliseconds' },
  });
}

// ---- GoAccess's predefined formats ----------------------------------------------------------

/** CloudFront standard log (v1) fields, in order (AWS CloudFront developer guide, "Standard log file fields"). */
const CLOUDFRONT_FIELDS =
  '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';

/** IIS's default W3C field selection. */
const IIS_FIELDS =
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken';

const Q = (name) => ['"', [name, QUOTED_TEXT], '"'];
const CSV = (name, re = '[^"]*') => ['"', [name, re], '"'];
const ISO_UTC = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z';
const ELB_TIMES = { request_processing_time: 'seconds', latency: 'seconds', response_processing_time: 'seconds' };

/**
 * An Apache-family predefined format as GoAccess reads it (and logflow always has): the `:port`
 * after the virtual host is optional (GoAccess's `%v:%^`, Apache's vhost_combined with
 * `%v %h ...`), and the status is three digits (a `-` status is not an Apache-family line).
 */
function goaccessApache(format, label) {
  const compiled = compileApache(format, label);
  const pattern = compiled.pattern.replace('^([^\\s:]+):(\\d+|-) ', '^([^\\s:]+)(?::(\\d+|-))? ').replace(' (\\d{3}|-) ', ' (\\d{3}) ');
  return { ...compiled, pattern };
}

/** Builders of GoAccess's predefined formats, by GoAccess's name (lower case). */
const PREDEFINED = {
  combined: () => goaccessApache('%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"', 'combined'),
  vcombined: () => goaccessApache('%v:%p %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"', 'vcombined'),
  common: () => goaccessApache('%h %l %u %t "%r" %>s %b', 'common'),
  vcommon: () => goaccessApache('%v:%p %h %l %u %t "%r" %>s %b', 'vcommon'),
  w3c: () => compileW3c(IIS_FIELDS, { label: 'w3c' }),
  cloudfront: () => compileW3c(CLOUDFRONT_FIELDS, { label: 'cloudfront', timeTakenUnit: 'seconds' }),
  // Squid native: time elapsed remotehost code/status bytes method URL rfc931 peerstatus/peerhost type,
  // as access.log writes it or after a syslog prefix (`Oct  8 11:11:48 proxy1 squid[42]: `, the
  // shape GoAccess's SQUID format expects). The vhost is the requested URL's host (requestColumns).
  squid: () =>
    fromParts(
      'squid',
      [
        '(?:[A-Z][a-z]{2} +\\d{1,2} \\d{2}:\\d{2}:\\d{2} \\S+ \\S+: +)?',
        ['time_local', '\\d+(?:\\.\\d+)?'],
        ' +',
        ['latency', '\\d+'],
        ' ',
        ['client_ip', TOKEN],
        ' ',
        ['cache_status', '[A-Z_]+'],
        '/',
        ['status', '\\d{3}'],
        ' ',
        ['bytes', '\\d+'],
        ' ',
        ['method', TOKEN],
        ' ',
        ['request_uri', TOKEN],
        ' ',
        ['auth_user', TOKEN],
        ' ',
        [null, '[A-Z_]+'],
        '/',
        ['upstream_addr', TOKEN],
        ' ',
        ['content_type', TOKEN],
      ],
      { time: { field: 'time_local', kind: 'epoch', unit: 'seconds' }, units: { latency: 'milliseconds' } },
    ),
  // Google Cloud Storage usage logs (CSV, every value quoted), v2 columns.
  cloudstorage: () =>
    fromParts(
      'cloudstorage',
      [
        ...CSV('time_local', '\\d+'),
        ',',
        ...CSV('client_ip'),
        ',',
        ...CSV(null),
        ',',
        ...CSV(null),
        ',',
        ...CSV('method'),
        ',',
        ...CSV('request_uri'),
        ',',
        ...CSV('status', '\\d{3}'),
        ',',
        ...CSV('bytes_received'),
        ',',
        ...CSV('bytes'),
        ',',
        ...CSV('latency', '\\d*'),
        ',',
        ...CSV('vhost'),
        ',',
        ...CSV('referrer'),
        ',',
        ...CSV('user_agent'),
        ',',
        ...CSV('request_id'),
      ],
      { trailer: ',', time: { field: 'time_local', kind: 'epoch', unit: 'microseconds' }, units: { latency: 'microseconds' } },
    ),
  // Classic ELB: time elb client:port backend:port request_processing_time backend_processing_time
  // response_processing_time elb_status_code backend_status_code received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol
  awselb: () =>
    fromParts(
      'awselb',
      [
        ['time_local', ISO_UTC],
        ' ',
        ['vhost', TOKEN],
        ' ',
        ['client_ip', '[^\\s]+?'],
        ':\\d+ ',
        ['upstream_addr', TOKEN],
        ' ',
        ['request_processing_time', SECONDS],
        ' ',
        ['latency', SECONDS],
        ' ',
        ['response_processing_time', SECONDS],
        ' ',
        ['status', '\\d{3}|-'],
        ' ',
        ['upstream_status', '\\d+|-'],
        ' ',
        ['bytes_received', '\\d+'],
        ' ',
        ['bytes', '\\d+'],
        ' ',
        ...Q('request'),
        ' ',
        ...Q('user_agent'),
        ' ',
        ['tls_cipher', TOKEN],
        ' ',
        ['tls_protocol', TOKEN],
      ],
      { time: { field: 'time_local', kind: 'iso8601' }, units: ELB_TIMES },
    ),
  // ALB: type time elb client:port target:port request/target/response_processing_time elb_status_code
  // target_status_code received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol
  // target_group_arn "trace_id" "domain_name" ... (the remaining fields end up in extra)
  awsalb: () =>
    fromParts(
      'awsalb',
      [
        ['scheme', '[a-z0-9]+'],
        ' ',
        ['time_local', ISO_UTC],
        ' ',
        [null, TOKEN],
        ' ',
        ['client_ip', '[^\\s]+?'],
        ':\\d+ ',
        ['upstream_addr', TOKEN],
        ' ',
        ['request_processing_time', SECONDS],
        ' ',
        ['latency', SECONDS],
        ' ',
        ['response_processing_time', SECONDS],
        ' ',
        ['status', '\\d{3}|-'],
        ' ',
        ['upstream_status', '\\d+|-'],
        ' ',
        ['bytes_received', '\\d+|-'],
        ' ',
        ['bytes', '\\d+|-'],
        ' ',
        ...Q('request'),
        ' ',
        ...Q('user_agent'),
        ' ',
        ['tls_cipher', TOKEN],
        ' ',
        ['tls_protocol', TOKEN],
        ' ',
        [null, TOKEN],
        ' ',
        ...Q('request_id'),
        ' ',
        ...Q('vhost'),
      ],
      { time: { field: 'time_local', kind: 'iso8601' }, units: ELB_TIMES },
    ),
  // S3 server access log: owner bucket [time] remote_ip requester request_id operation key "request_uri"
  // status error_code bytes_sent object_size total_time turn_around_time "referer" "user_agent"
  // version_id host_id signature_version cipher_suite authentication_type host_header tls_version ...
  awss3: () =>
    fromParts(
      'awss3',
      [
        [null, TOKEN],
        ' ',
        ['vhost', TOKEN],
        ' \\[',
        ['time_local', '[^\\]]+'],
        '\\] ',
        ['client_ip', TOKEN],
        ' ',
        ['auth_user', TOKEN],
        ' ',
        ['request_id', TOKEN],
        ' ',
        [null, TOKEN],
        ' ',
        [null, TOKEN],
        ' ',
        ...Q('request'),
        ' ',
        ['status', '\\d{3}|-'],
        ' ',
        [null, TOKEN],
        ' ',
        ['bytes', '\\d+|-'],
        ' ',
        [null, '\\d+|-'],
        ' ',
        ['latency', '\\d+|-'],
        ' ',
        [null, '\\d+|-'],
        ' ',
        ...Q('referrer'),
        ' ',
        ...Q('user_agent'),
        '(?: ',
        [null, TOKEN],
        ' ',
        [null, TOKEN],
        ' ',
        [null, TOKEN],
        ' ',
        ['tls_cipher', TOKEN],
        ' ',
        [null, TOKEN],
        ' ',
        ['host', TOKEN],
        ' ',
        ['tls_protocol', TOKEN],
        ')?',
      ],
      { time: { field: 'time_local', ...CLF_TIME }, units: { latency: 'milliseconds' } },
    ),
  // Traefik's CLF: combined + "<requests since start> "<router>" "<server URL>" <duration>ms"
  traefikclf: () =>
    fromParts(
      'traefikclf',
      [
        ['client_ip', TOKEN],
        ' ',
        ['ident', TOKEN],
        ' ',
        ['auth_user', TOKEN],
        ' \\[',
        ['time_local', '[^\\]]+'],
        '\\] ',
        ...Q('request'),
        ' ',
        ['status', '\\d{3}|-'],
        ' ',
        ['bytes', '\\d+|-'],
        ' ',
        ...Q('referrer'),
        ' ',
        ...Q('user_agent'),
        ' ',
        [null, '\\d+'],
        ' ',
        ...Q('vhost'),
        ' ',
        ...Q('upstream_addr'),
        ' ',
        ['latency', '\\d+'],
        'ms',
      ],
      { time: { field: 'time_local', ...CLF_TIME }, units: { latency: 'milliseconds' } },
    ),
  // Caddy's JSON access log (encoder json): request.* nested, duration in seconds, ts epoch seconds.
  caddy: () => ({
    label: 'caddy',
    kind: 'json',
    paths: {
      client_ip: [
        ['request', 'client_ip'],
        ['request', 'remote_ip'],
      ],
      time_local: [['ts']],
      method: [['request', 'method']],
      request_uri: [['request', 'uri']],
      protocol: [['request', 'proto']],
      vhost: [['request', 'host']],
      status: [['status']],
      bytes: [['size']],
      latency: [['duration']],
      auth_user: [['user_id']],
      referrer: [['request', 'headers', 'Referer', 0]],
      user_agent: [['request', 'headers', 'User-Agent', 0]],
      tls_protocol: [['request', 'tls', 'version']],
      tls_cipher: [['request', 'tls', 'cipher_suite']],
      content_type: [['resp_headers', 'Content-Type', 0]],
    },
    time: { field: 'time_local', kind: 'epoch', unit: 'seconds' },
    units: { latency: 'seconds' },
  }),
  // Google Cloud Logging LogEntry with httpRequest (load balancer, Cloud Run, App Engine), as a
  // Log Router sink publishes it to Pub/Sub: requestUrl is absolute, responseSize a string,
  // latency a protobuf Duration ("0.012s"), timestamp RFC 3339 with nanoseconds, insertId the dedupe key.
  cloud_logging: () => ({
    label: 'cloud_logging',
    kind: 'json',
    paths: {
      request_id: [['insertId']],
      time_local: [['timestamp']],
      method: [['httpRequest', 'requestMethod']],
      request_uri: [['httpRequest', 'requestUrl']],
      status: [['httpRequest', 'status']],
      bytes: [['httpRequest', 'responseSize']],
      bytes_received: [['httpRequest', 'requestSize']],
      user_agent: [['httpRequest', 'userAgent']],
      client_ip: [['httpRequest', 'remoteIp']],
      server_ip: [['httpRequest', 'serverIp']],
      referrer: [['httpRequest', 'referer']],
      latency: [['httpRequest', 'latency']],
      protocol: [['httpRequest', 'protocol']],
      cache_status: [['httpRequest', 'cacheHit']],
    },
    time: { field: 'time_local', kind: 'iso8601' },
    units: { latency: 'duration' },
  }),
};

/** GoAccess's predefined format names plus cloud_logging, lower case. */
const PREDEFINED_NAMES = Object.keys(PREDEFINED);

/**
 * One of GoAccess's predefined formats (COMBINED, VCOMBINED, COMMON, VCOMMON, W3C, CLOUDFRONT,
 * CLOUDSTORAGE, AWSELB, AWSALB, AWSS3, SQUID, CADDY, TRAEFIKCLF) or `cloud_logging`, compiled.
 * @param {string} name case-insensitive
 * @returns {object} a compiled format
 */
function predefinedFormat(name) {
  const build = PREDEFINED[String(name).toLowerCase()];
  if (!build) throw new Error(`log format: unknown predefined format '${name}' (known: ${PREDEFINED_NAMES.join(', ')})`);
  return build();
}

/**
 * Compiles a format description: a predefined name, `apache:<LogFormat>`, `nginx:<log_format>`
 * or `w3c:#Fields: ...` (how a project var would name it).
 * @param {string} description
 */
function compileFormat(description) {
  const m = /^(apache|nginx|w3c):(.*)$/s.exec(description);
  if (!m) return predefinedFormat(description);
  if (m[1] === 'apache') return compileApache(m[2]);
  if (m[1] === 'nginx') return compileNginx(m[2]);
  return compileW3c(m[2]);
}

/**
 * Compiles a custom format string as a user writes it (the var customLogFormat, the ingester's
 * --custom-format): an Apache `LogFormat` string (the default reading), an nginx `log_format`
 * string (`$variables` and no `%` directive), a W3C `#Fields:` line, or any of these with an
 * explicit `apache:`, `nginx:` or `w3c:` prefix.
 * @param {string} description
 * @throws {Error} one line naming the unknown directive
 */
function compileCustomFormat(description) {
  const text = String(description).trim();
  if (/^(?:apache|nginx|w3c):/.test(text)) return compileFormat(text);
  if (/^#Fields:/.test(text)) return compileW3c(text);
  if (/\$\{?[A-Za-z_]/.test(text) && !/%[<>]?(?:\{[^}]*\})?[A-Za-z]/.test(text)) return compileNginx(text);
  return compileApache(text);
}

// ---- Request lines and URLs -----------------------------------------------------------------

/**
 * A request line as real servers log it: the method (an RFC 9110 token), one or more spaces, the
 * target's path (never whitespace), an optional `?` and query string (which may hold spaces, as
 * logged), then optionally whitespace and ONE protocol token of the form NAME/VERSION (`HTTP/1.1`,
 * `RTSP/1.0`, `SIP/2.0`, `HTTP/V1.0`; Apache's escaped stray newline `\n` after it is dropped),
 * then trailing whitespace. HTTP/0.9 (`GET /`) has no protocol. Anything else (`-`, a path with
 * a space, a random token where the protocol belongs, TLS bytes) does not match: NULL method and
 * path. The protocol never ends up in the path.
 */
const REQUEST_LINE_PATTERN =
  '^([A-Za-z0-9!#$%&*+.^_|~-]+) +([^?\\s]*)(?:\\?(.*?))?(?:\\s+([A-Za-z][A-Za-z0-9+.-]*/[^\\s\\\\]*)(?:\\\\[nrt])*)?\\s*$';
const REQUEST_LINE_FIELDS = ['method', 'path', 'query', 'protocol'];
/** A protocol token that is HTTP proper (the rest are kept but flagged by is_http_protocol). */
const HTTP_PROTOCOL_PATTERN = '^HTTP/[0-9]+(?:\\.[0-9]+)?$';

/** An absolute URL (Squid, Cloud Logging requestUrl) or an origin-form target, split. */
const URL_PATTERN = '^(?:([A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]*)(?::(\\d+))?)?([^?#]*)(?:\\?([^#]*))?';
const URL_FIELDS = ['scheme', 'host', 'port', 'path', 'query'];

/** A protobuf Duration text (`"0.012s"`, Cloud Logging latency) as seconds. */
const DURATION_PATTERN = '^(-?\\d+(?:\\.\\d+)?)s$';

// ---- SQL helpers ----------------------------------------------------------------------------

/**
 * The line's fields as a STRUCT (compiled.fields): one regex evaluation per line.
 * @param {object} d dialect helpers
 * @param {string} line SQL expression of the line text
 * @param {object} compiled a compiled regex format
 */
function extractFields(d, line, compiled) {
  if (compiled.kind !== 'regex') throw new Error(`log_formats.extractFields: format '${compiled.label}' is ${compiled.kind}, not regex`);
  return d.regexExtractFields(line, compiled.pattern, compiled.fields);
}

/**
 * A JSON path as both warehouses read it: `$.request.headers."User-Agent"[0]`.
 * @param {Array<string|number>} path keys and array indexes
 */
function jsonPath(path) {
  return (
    '$' +
    path
      .map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `."${k.replace(/["\\]/g, '')}"`))
      .join('')
  );
}

/**
 * SQL turning a captured time-valued text into seconds (FLOAT64/DOUBLE); '-', '' and negative
 * values (ELB's -1 for failed requests) give NULL.
 * @param {object} d dialect helpers
 * @param {string} expr SQL expression of the text
 * @param {'microseconds'|'milliseconds'|'seconds'|'duration'} unit
 */
function secondsOf(d, expr, unit) {
  const divisor = { microseconds: '1000000', milliseconds: '1000', seconds: '1' }[unit];
  const text = unit === 'duration' ? d.regexExtract(expr, DURATION_PATTERN) : expr;
  const value = d.safeCast(text, 'float64');
  if (unit === 'duration') return `(case when ${value} >= 0 then ${value} end)`;
  if (!divisor) throw new Error(`log_formats.secondsOf: unknown unit '${unit}'`);
  return `(case when ${value} >= 0 then ${value} / ${divisor} end)`;
}

/** `10^digits` times the decimal fraction text (digits beyond `digits` dropped), as INT64 SQL. */
function scaledFraction(d, fraction, digits) {
  return d.cast(`substr(rpad(coalesce(${fraction}, ''), ${digits}, '0'), 1, ${digits})`, 'int64');
}

/**
 * SQL for the request time as a UTC TIMESTAMP, from the compiled format's `time` spec; NULL when
 * the text is not a valid time. Fractions of a second are kept to the microsecond (ELB/ALB,
 * Squid, Caddy, Cloud Logging's nanoseconds are truncated); an strftime format without %z is
 * read as UTC (W3C logs are UTC by definition).
 * @param {object} d dialect helpers
 * @param {object} compiled a compiled format with a `time` spec
 * @param {(field: string) => string} field SQL expression of a captured field's text by name
 *   (for a regex format `s.fields.<name>`, for a JSON format the JSON path value)
 */
function timestampOf(d, compiled, field) {
  const time = compiled.time;
  if (!time) throw new Error(`log_formats.timestampOf: format '${compiled.label}' has no time field`);
  const fractionOf = (text) => d.regexExtract(text, '\\.(\\d+)');
  const plusFraction = (ts, text) => d.timestampAdd(ts, scaledFraction(d, fractionOf(text), 6), 'microsecond');
  if (time.kind === 'epoch') {
    const text = field(time.field);
    const digits = { seconds: 6, milliseconds: 3, microseconds: 0 }[time.unit];
    const whole = d.safeCast(d.regexExtract(text, '^(\\d+)(?:\\.\\d+)?$'), 'int64');
    const whole12 = d.safeCast(d.regexExtract(text, '^(\\d{1,12})(?:\\.\\d+)?$'), 'int64');
    const micros = digits === 0 ? whole : `(${whole12} * ${10 ** digits} + ${scaledFraction(d, fractionOf(text), digits)})`;
    return d.timestampFromMicros(micros);
  }
  if (time.kind === 'iso8601') {
    const text = field(time.field);
    const noFraction = d.regexReplace(text, '\\.\\d+', '');
    const zulu = d.regexReplace(noFraction, '[Zz]$', '+0000');
    const offset = d.regexReplace(zulu, '([+-]\\d\\d):(\\d\\d)$', '\\1\\2');
    return plusFraction(d.parseTimestamp('%Y-%m-%dT%H:%M:%S%z', offset), text);
  }
  const text = time.fields ? `${field(time.fields[0])} || ' ' || ${field(time.fields[1])}` : field(time.field);
  const utc = /%z/.test(time.format) ? time.format : `${time.format} %z`;
  const parsed = d.parseTimestamp(
    utc,
    /%z/.test(time.format) ? d.regexReplace(text, '\\.\\d+', '') : `${d.regexReplace(text, '\\.\\d+', '')} || ' +0000'`,
  );
  return plusFraction(parsed, text);
}

/**
 * The format of a landed line that came without a `format` attribute, from its shape alone, in
 * SQL: Cloud Logging LogEntry JSON (a Log Router sink publishes to Pub/Sub and the BigQuery
 * subscription lands it with no logflow ingester, so no attribute says what it is), Caddy's
 * JSON, else NULL (the project's default format applies). Cheap: two partial RE2 matches, only
 * for lines without the attribute.
 * @param {object} d dialect helpers
 * @param {string} line SQL expression of the line text
 */
function formatFromShape(d, line) {
  return `(case
      when ${d.regexContains(line, '^\\s*\\{.*"httpRequest"\\s*:\\s*\\{')} then 'cloud_logging'
      when ${d.regexContains(line, '^\\s*\\{.*"request"\\s*:\\s*\\{.*"(?:remote_ip|client_ip)"\\s*:')} then 'caddy'
    end)`;
}

/** Text fields of the common set whose '-' (or '') means none. */
const TEXT_COLUMNS = [
  'vhost',
  'client_ip',
  'ident',
  'auth_user',
  'referrer',
  'user_agent',
  'cache_status',
  'tls_protocol',
  'tls_cipher',
  'content_type',
  'forwarded_for',
  'server_ip',
  'request_id',
  'upstream_addr',
  'extra',
];
/** Fields Apache-style servers escape `"` and `\\` in (undone, as formats.js does). */
const ESCAPED = ['request', 'referrer', 'user_agent'];

/**
 * The typed request columns of a compiled format, as SQL expressions keyed by column name, ready
 * for a select list (the next step after extraction; int_lines_parsed would call it once per
 * format branch). Columns a format does not log are absent, so the caller fills NULLs.
 * - text (TEXT_COLUMNS): NULL for '' and '-'; request, referrer, user agent unescaped;
 * - status, port: INT64; response_bytes: INT64, '-' is 0 (CLF's "no body");
 * - request_at: UTC TIMESTAMP (timestampOf); latency_seconds, upstream_seconds (the first
 *   upstream of nginx's list): FLOAT64 seconds (secondsOf, by the format's unit);
 * - method, path, query, protocol: from the request line (REQUEST_LINE_PATTERN) when the format
 *   logs one, else from its own fields; an absolute URL (Squid, Cloud Storage, Cloud Logging,
 *   ELB/ALB request lines) is reduced to its path and query, and its host fills vhost when the
 *   format has no vhost.
 * @param {object} d dialect helpers
 * @param {object} compiled a compiled format
 * @param {(field: string) => string} field SQL expression of a captured field's text by name
 * @returns {Record<string, string>}
 */
function requestColumns(d, compiled, field) {
  const has = (name) => (compiled.kind === 'json' ? name in compiled.paths : compiled.fields.includes(name));
  const text = (name) => `nullif(${d.nullIfEmpty(field(name))}, '-')`;
  const unescaped = (expr) => d.regexReplace(expr, '\\\\(["\\\\])', '\\1');
  const cols = {};
  for (const name of TEXT_COLUMNS) if (has(name)) cols[name] = ESCAPED.includes(name) ? unescaped(text(name)) : text(name);
  if (has('status')) cols.status = d.safeCast(text('status'), 'int64');
  if (has('port')) cols.port = d.safeCast(text('port'), 'int64');
  if (has('bytes'))
    cols.response_bytes = `(case when ${field('bytes')} = '-' then 0 else ${d.safeCast(d.nullIfEmpty(field('bytes')), 'int64')} end)`;
  if (compiled.time) cols.request_at = timestampOf(d, compiled, field);
  if (has('latency')) cols.latency_seconds = secondsOf(d, text('latency'), compiled.units.latency ?? 'seconds');
  if (has('upstream_time'))
    cols.upstream_seconds = secondsOf(d, d.regexExtract(field('upstream_time'), '^([0-9.]+)'), compiled.units.upstream_time ?? 'seconds');
  let target = null;
  if (has('request')) {
    const request = unescaped(text('request'));
    cols.request = request;
    const parts = d.regexExtractFields(request, REQUEST_LINE_PATTERN, REQUEST_LINE_FIELDS);
    const part = (name) => d.nullIfEmpty(`(${parts}).${name}`);
    cols.method = part('method');
    target = part('path');
    cols.query = part('query');
    cols.protocol = part('protocol');
  } else {
    if (has('method')) cols.method = text('method');
    if (has('protocol')) cols.protocol = text('protocol');
    if (has('request_uri')) target = text('request_uri');
    else if (has('path')) target = text('path');
    if (has('query')) cols.query = d.regexReplace(text('query'), '^\\?', '');
  }
  if (target) {
    const url = d.regexExtractFields(target, URL_PATTERN, URL_FIELDS);
    cols.path = d.nullIfEmpty(`(${url}).path`);
    if (!cols.query) cols.query = d.nullIfEmpty(`(${url}).query`);
    if (!cols.vhost) cols.vhost = `lower(${d.nullIfEmpty(`(${url}).host`)})`;
  }
  return cols;
}

module.exports = {
  FIELDS,
  PREDEFINED_NAMES,
  CLOUDFRONT_FIELDS,
  IIS_FIELDS,
  W3C_FIELDS,
  REQUEST_LINE_PATTERN,
  REQUEST_LINE_FIELDS,
  HTTP_PROTOCOL_PATTERN,
  URL_PATTERN,
  URL_FIELDS,
  DURATION_PATTERN,
  compileApache,
  compileNginx,
  compileW3c,
  predefinedFormat,
  compileFormat,
  compileCustomFormat,
  extractFields,
  jsonPath,
  secondsOf,
  timestampOf,
  requestColumns,
  formatFromShape,
};
