/**
 * logflow.visitor_days: the shared daily aggregate of the per-visitor panels. One row per UTC
 * date, visitor (client IP + user agent, as GoAccess counts visitors) and the request attributes
 * those panels group by; daily_visitors, browsers, operating_systems, devices, countries and asns
 * read it instead of rescanning requests. Rebuilt by whole UTC dates like them
 * (includes/watermarks.js dailyRebuild), so the result equals a full refresh.
 *
 * No inline assertions: they would read every partition on BigQuery (check/bounded-debt.ts takes
 * no new entries); the panels built from it keep theirs.
 */

const d = dialect;

// Grouped by, not picked with any_value: a visitor whose attributes changed within a day (a
// re-enriched dimension) gets a row per combination, and the panels still count it once per group.
const KEYS = outputs.VISITOR_DAY_KEYS;

function visitorDays(ctx, rebuild) {
  return `
with

requests as (
  select * from ${ctx.ref('requests')}
  where ${['requested_at is not null', ...outputs.rebuiltDatesFilter(d, ctx, rebuild)].join('\n    and ')}
),

final as (
  select
    ${d.dateOf('requested_at')} as request_date,
    ${KEYS.join(',\n    ')},
    count(*) as hits,
    ${d.countIf('coalesce(status, 0) not between 400 and 499')} as hits_not_4xx,
    ${d.countIf('is_page_view')} as page_views,
    sum(response_bytes) as bytes,
    max(received_at) as last_received_at,
    max(staged_at) as last_staged_at,
  from requests
  group by ${[1, ...KEYS.map((_, i) => i + 2)].join(', ')}
)

select * from final
`;
}

const rebuild = (ctx) =>
  watermarks.dailyRebuild(d, 'visitor_days', {
    incremental: ctx.incremental(),
    self: ctx.self(),
    requests: ctx.ref('requests'),
    parsed: ctx.ref('int_lines_parsed'),
    marks: ctx.ref(watermarks.MARKS),
    lookbackMinutes: constants.LOOKBACK_MINUTES,
    recentDays: constants.LATE_ARRIVAL_DAYS,
  });

publish('visitor_days', {
  type: 'incremental',
  schema: 'logflow',
  description:
    'One row per UTC date, visitor (client IP + user agent, as GoAccess counts visitors) and the request attributes the per-visitor panels group by (crawler flag, browser, OS, device, country, AS): hits, hits not answered 4xx, page views, bytes. The shared daily aggregate that daily_visitors, browsers, operating_systems, devices, countries and asns read instead of rescanning requests (a visitor is a few dozen rows a day, not thousands). ' +
    ' ' +
    watermarks.DAILY_REBUILD_NOTE,
  bigquery: { partitionBy: 'request_date', clusterBy: ['client_ip'] },
  columns: {
    request_date: 'UTC date.',
    client_ip: 'Client address as logged.',
    user_agent: 'User agent as logged (NULL when the line had none: one visitor of its own).',
    is_bot: 'Whether the requests came from a known crawler user agent (or asked for /robots.txt).',
    browser_name: 'Browser family (ua-parser-js), NULL when unknown.',
    browser_major: 'Browser major version, NULL when unknown.',
    os_name: 'Operating system, NULL when unknown.',
    os_version: 'OS version, NULL when unknown.',
    device_type: 'Device type.',
    country_code: 'ISO 3166-1 alpha-2 code of the client IP, NULL when unknown.',
    asn: 'AS number of the client IP, NULL when unknown.',
    as_org: 'Organisation holding the AS.',
    hits: 'Requests.',
    hits_not_4xx: 'Requests not answered 4xx (GoAccess counts a visitor only by those by default).',
    page_views: 'Requests that are page views.',
    bytes: 'Sum of response bytes (NULL when no request had a size).',
    last_received_at: outputs.PANEL_COLUMNS.last_received_at,
    last_staged_at: outputs.PANEL_COLUMNS.last_staged_at,
  },
})
  .preOps((ctx) => outputs.rebuildPreOps(ctx, rebuild(ctx)))
  .postOps((ctx) => rebuild(ctx).postOps)
  .query((ctx) => visitorDays(ctx, rebuild(ctx)));
