/**
 * Column descriptions of logflow.requests, written once and attached with `columns:` by the
 * models that expose these columns (requests, and downstream models that pass them through).
 * The grain of requests: one row per distinct landed line that parsed (request_id = line_id).
 */

const REQUEST_COLUMNS = {
  request_id: 'Id of the request: the idempotency key of the landed line it was parsed from (stable across redeliveries and re-sends).',
  source: 'Where the ingester read the line (file path, stdin, generator).',
  source_id: 'Identity of the source (device/inode and a head fingerprint for files).',
  line_number: '1-based line number within the source.',
  byte_offset: 'Byte offset of the line within the source.',
  log_format:
    'Format the line was parsed with: combined, vcombined, common, vcommon, w3c, squid, cloudfront, cloudstorage, awselb, awsalb, awss3, caddy, traefikclf, json, cloud_logging, or custom (the var customLogFormat).',
  vhost:
    "Virtual host as the format logs it (GoAccess's %v: vcombined/vcommon's server name, json's host, CloudFront's distribution domain, ELB/ALB's load balancer or domain name, S3's bucket, Traefik's router); else NULL.",
  host: 'Host the request was for, lower case: the Host header when logged, else the host of an absolute request URL (ELB/ALB, Squid, Cloud Logging), else the virtual host when it names one; NULL otherwise.',
  client_ip: 'Client address as logged (IPv4 or IPv6).',
  ip_key: 'Client address as lowercase hex (8 chars IPv4, 32 IPv6); NULL when the logged value is not an address.',
  auth_user: 'Authenticated user name (%u); NULL when none.',
  method: 'HTTP method as logged (case kept); NULL when the request line is not METHOD TARGET [PROTOCOL].',
  path: 'Requested path, without the query string, as logged (percent-encoding kept).',
  query: "Query string after the first '?', NULL when none.",
  protocol:
    'Protocol token of the request line (HTTP/1.1, also RTSP/1.0, SIP/2.0...); NULL when not logged (HTTP/0.9) or the request line is invalid.',
  request_line:
    'The whole request line as logged (Apache escapes undone); for formats that log method, target and protocol apart (W3C, Squid, Caddy, Cloud Logging), those joined with spaces.',
  cache_status:
    "Cache result when the format logs one (nginx $upstream_cache_status, CloudFront x-edge-result-type, Squid's TCP_HIT etc., Cloud Logging cacheHit as HIT/MISS); else NULL.",
  tls_protocol: 'TLS version (e.g. TLSv1.3) when the format logs it; else NULL.',
  tls_cipher: 'TLS cipher suite when the format logs it (Caddy numbers mapped to IANA names for common suites); else NULL.',
  mime_type: "Response Content-Type as logged (e.g. 'text/html; charset=utf-8') when the format logs it; else NULL.",
  trailing_text:
    'Text after the last field of the line\'s format (request time, upstream time, a trailing "-" that servers append), as logged; NULL when none.',
  request_time_us:
    'Time taken to serve the request, in whole microseconds (rounded): Apache %D/%T/%{ms}T, nginx $request_time, ALB/ELB target processing time, Squid elapsed, Cloud Logging latency, Caddy duration, W3C time-taken; NULL when not logged or negative (ELB -1).',
  status: 'HTTP status code.',
  status_class: "Status class: '2xx', '3xx', '4xx', '5xx' (or '1xx').",
  response_bytes: "Response body size in bytes (0 when logged as '-').",
  referrer: "Referer header; NULL when '-' or absent.",
  referrer_host: 'Lower-case host of the referrer URL; NULL when there is no absolute referrer.',
  is_internal_referrer:
    'The referrer host is one of the site hosts (var siteHosts, subdomains included) or the request vhost; FALSE without a referrer.',
  user_agent: "User-Agent header; NULL when '-' or absent.",
  user_agent_id: 'Lowercase hex MD5 of the user agent (user_agents.user_agent_id); NULL without one.',
  browser_name: 'Browser family from ua-parser-js 1.x (e.g. Chrome); NULL when unknown.',
  browser_version: 'Browser version; NULL when unknown.',
  browser_major: 'Browser major version; NULL when unknown.',
  os_name: 'Operating system (e.g. Windows, iOS); NULL when unknown.',
  os_version: 'Operating system version; NULL when unknown.',
  device_type:
    "mobile, tablet, smarttv, console, wearable, embedded, xr, or 'desktop' when ua-parser reports none; NULL without a user agent.",
  engine_name: 'Rendering engine (Blink, Gecko, WebKit...); NULL when unknown.',
  is_bot: "The user agent matches isbot's pattern (includes/bots.js), or the request is for /robots.txt.",
  bot_name: 'Bot name from the user agent when is_bot (e.g. Googlebot); NULL otherwise or when unknown.',
  is_static:
    'The path ends in a static-asset extension (GoAccess 1.7 default list plus webp, avif, otf, eot, map, mjs, webm, wasm: includes/formats.js STATIC_EXTENSIONS).',
  is_page_view: 'A GET answered 2xx or 304 for a non-static path; bots included (filter on is_bot).',
  country_code: "ISO 3166-1 alpha-2 country of the client address; 'ZZ' when unknown, not public or not an address.",
  asn: 'Autonomous system number of the client address; 0 when unknown or not public.',
  as_org: "Autonomous system organisation; 'unknown', the address scope (private, loopback...) or 'invalid address' when there is none.",
  ip_scope: 'public, private, shared, loopback, link_local, unspecified, multicast, documentation, reserved or invalid.',
  is_request_line_valid:
    'The request line is METHOD PATH[?QUERY] [NAME/VERSION]; FALSE for e.g. "-", a path with a space, a random token where the protocol belongs, or a TLS handshake sent to the HTTP port (kept as a request, method/path NULL).',
  has_unclosed_user_agent_quote:
    'The line ended inside the quoted user agent (its closing quote missing); parsed anyway, as GoAccess does.',
  is_valid_utf8: 'The landed bytes were valid UTF-8 (when FALSE, text fields show U+FFFD for invalid bytes).',
  received_at: 'When the line reached Pub/Sub (publish_time of its earliest delivery, UTC).',
  requested_at: 'Request time from the log line, converted to UTC.',
};

/**
 * The descriptions of `names` (columns of requests that another model carries too).
 * @param {string[]} names
 */
function pick(names) {
  const out = {};
  for (const name of names) {
    if (!(name in REQUEST_COLUMNS)) throw new Error(`columns.pick: no shared description for '${name}'`);
    out[name] = REQUEST_COLUMNS[name];
  }
  return out;
}

/**
 * The provenance of a landed line, in the order the line-grained models (int_lines_parsed,
 * parse_errors) list them first: ids, where it was read, and its format.
 */
const LINE_PROVENANCE = [
  'line_id',
  'message_id',
  'source',
  'source_id',
  'line_number',
  'byte_offset',
  'original_length_bytes',
  'log_format',
];

module.exports = { REQUEST_COLUMNS, LINE_PROVENANCE, pick };
