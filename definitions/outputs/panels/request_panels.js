/**
 * Panels over the request fields some formats log beyond the combined format (plan-s3
 * Contract 2): GoAccess's Visitor Hostnames and IPs, Virtual Hosts, Remote User, Cache Status,
 * Encryption Settings and MIME Types panels, the hosts requested, and latency: exact p50/p95/p99
 * of the time served per minute and per path. One incremental table each, published by the loop
 * at the end (as goaccess_panels.js does), one row per UTC date (request_date) and value of the
 * panel's keys, rebuilt by whole UTC dates (includes/watermarks.js dailyRebuild), partitioned by
 * request_date and clustered on the first key.
 *
 * Two kinds:
 * - `field`: GoAccess's measures (includes/outputs.js panelMeasures: hits, visitors, bytes) and
 *   its time-served columns (includes/latency.js timeServedMeasures: avg/cum/max, over the
 *   requests that logged a time) per value of a request field, for requests that have one.
 * - `latency`: only requests that logged a time (request_time_us), their count, time-served
 *   columns and exact nearest-rank percentiles (includes/latency.js), per key.
 */

const d = dialect;

/** A key of a panel: a requests column, or `{ name, expr }` computed from one. */
const minuteKey = { name: 'minute_at', expr: d.timestampTrunc('requested_at', 'minute') };

const REQUEST_PANELS = [
  {
    name: 'visitor_hosts',
    kind: 'field',
    description:
      "Visitor hosts and IPs (GoAccess's Visitor Hostnames and IPs panel): one row per UTC date and client address as logged, with its country.",
    keys: ['client_ip', 'country_code'],
    where: ['client_ip is not null'],
    columns: {
      client_ip: 'Client address as logged (an IP address, or a host name when the server resolved it).',
      country_code: 'ISO 3166-1 alpha-2 country of the address, NULL when unknown.',
    },
  },
  {
    name: 'virtual_hosts',
    kind: 'field',
    description: "Virtual hosts (GoAccess's Virtual Hosts panel, %v): one row per UTC date and virtual host, for formats that log one.",
    keys: ['vhost'],
    where: ['vhost is not null'],
    columns: { vhost: 'Virtual host as the format logs it (requests.vhost).' },
  },
  {
    name: 'requested_hosts',
    kind: 'field',
    description:
      'Hosts requested: one row per UTC date and host the requests were for (Host header or absolute URL), for formats that log one.',
    keys: ['host'],
    where: ['host is not null'],
    columns: { host: 'Host the requests were for, lower case (requests.host).' },
  },
  {
    name: 'remote_users',
    kind: 'field',
    description: "Remote users (GoAccess's Remote User panel, HTTP authentication): one row per UTC date and authenticated user.",
    keys: ['auth_user'],
    where: ['auth_user is not null'],
    columns: { auth_user: 'Authenticated user name (%u, $remote_user).' },
  },
  {
    name: 'cache_statuses',
    kind: 'field',
    description: "Cache status (GoAccess's Cache Status panel): one row per UTC date and cache result, for formats that log one.",
    keys: ['cache_status'],
    where: ['cache_status is not null'],
    columns: { cache_status: 'Cache result as logged (HIT, MISS, TCP_HIT, Hit, ...; requests.cache_status).' },
  },
  {
    name: 'tls_settings',
    kind: 'field',
    description:
      "Encryption settings (GoAccess's Encryption Settings panel): one row per UTC date, TLS version and cipher, for formats that log either.",
    keys: ['tls_protocol', 'tls_cipher'],
    where: ['(tls_protocol is not null or tls_cipher is not null)'],
    columns: {
      tls_protocol: 'TLS version, NULL when only the cipher is logged.',
      tls_cipher: 'TLS cipher suite, NULL when only the version is logged.',
    },
  },
  {
    name: 'mime_types',
    kind: 'field',
    description: "MIME types (GoAccess's MIME Types panel): one row per UTC date and response Content-Type, for formats that log it.",
    keys: ['mime_type'],
    where: ['mime_type is not null'],
    columns: { mime_type: "Response Content-Type as logged (e.g. 'text/html; charset=utf-8')." },
  },
  {
    name: 'latency_by_minute',
    kind: 'latency',
    description:
      "Latency per minute: one row per UTC minute with at least one request that logged a time served (%D, %T, $request_time, ALB/ELB processing time, Cloud Logging latency...), with exact p50/p95/p99 and GoAccess's avg/cum/max time served.",
    keys: [minuteKey],
    columns: { minute_at: 'Start of the UTC minute.' },
  },
  {
    name: 'latency_by_path',
    kind: 'latency',
    description:
      "Latency per path: one row per UTC date and requested path with at least one request that logged a time served, with exact p50/p95/p99 and GoAccess's avg/cum/max time served.",
    keys: ['path'],
    columns: { path: 'Requested path, without the query string.' },
  },
];

const keyName = (key) => (typeof key === 'string' ? key : key.name);
const keySelect = (key) => (typeof key === 'string' ? key : `${key.expr} as ${key.name}`);

/** The requests of the dates this run rebuilds (all on a full refresh) that the panel counts, with its keys computed. */
function rebuiltRequests(ctx, panel, rebuild) {
  const kept = ['requested_at is not null', ...outputs.rebuiltDatesFilter(d, ctx, rebuild), ...(panel.where || [])];
  if (panel.kind === 'latency') kept.push('request_time_us is not null');
  return `select
    ${d.dateOf('requested_at')} as request_date,
    ${panel.keys
      .filter((k) => typeof k !== 'string')
      .map(keySelect)
      .concat('*')
      .join(',\n    ')},
  from ${ctx.ref('requests')}
  where ${kept.join('\n    and ')}`;
}

/** A field panel: GoAccess's measures and time served per date and key. */
function fieldQuery(ctx, panel, rebuild) {
  const keys = ['request_date', ...panel.keys.map(keyName)];
  return `
with

requests as (
  ${rebuiltRequests(ctx, panel, rebuild)}
),

final as (
  select
    ${keys.join(',\n    ')},
    ${outputs.panelMeasures(d)},
    ${latency.timeServedMeasures(d)},
  from requests
  group by ${keys.map((_, i) => i + 1).join(', ')}
)

select * from final
`;
}

/** A latency panel: the timed requests ranked within their date and key, then exact percentiles. */
function latencyQuery(ctx, panel, rebuild) {
  const keys = ['request_date', ...panel.keys.map(keyName)];
  return `
with

timed_requests as (
  ${rebuiltRequests(ctx, panel, rebuild)}
),

ranked as (
  select
    ${keys.join(',\n    ')},
    request_time_us,
    received_at,
    staged_at,
    ${latency.rankTimes(d, keys)},
  from timed_requests
),

final as (
  select
    ${keys.join(',\n    ')},
    ${latency.timeServedMeasures(d)},
    ${latency.percentileMeasures(d)},
    max(received_at) as last_received_at,
    max(staged_at) as last_staged_at,
  from ranked
  group by ${keys.map((_, i) => i + 1).join(', ')}
)

select * from final
`;
}

/* Checks (unique key, row conditions): definitions/assertions/model_checks.js. */

for (const panel of REQUEST_PANELS) {
  const keys = panel.keys.map(keyName);
  const rebuildOf = (ctx) =>
    watermarks.dailyRebuild(d, panel.name, {
      incremental: ctx.incremental(),
      self: ctx.self(),
      requests: ctx.ref('requests'),
      parsed: ctx.ref('int_lines_parsed'),
      marks: ctx.ref(watermarks.MARKS),
      lookbackMinutes: constants.LOOKBACK_MINUTES,
      recentDays: constants.LATE_ARRIVAL_DAYS,
    });
  const shared =
    panel.kind === 'field'
      ? outputs.PANEL_COLUMNS
      : {
          request_date: outputs.PANEL_COLUMNS.request_date,
          last_received_at: outputs.PANEL_COLUMNS.last_received_at,
          last_staged_at: outputs.PANEL_COLUMNS.last_staged_at,
        };
  publish(panel.name, {
    type: 'incremental',
    schema: 'logflow',
    description: `${panel.description} ${watermarks.DAILY_REBUILD_NOTE}`,
    bigquery: { partitionBy: 'request_date', clusterBy: [keys[0]] },
    columns: { ...shared, ...latency.LATENCY_COLUMNS, ...panel.columns },
  })
    .preOps((ctx) => outputs.rebuildPreOps(ctx, rebuildOf(ctx)))
    .postOps((ctx) => rebuildOf(ctx).postOps)
    .query((ctx) => (panel.kind === 'latency' ? latencyQuery : fieldQuery)(ctx, panel, rebuildOf(ctx)));
}
