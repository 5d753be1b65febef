/**
 * The GoAccess-style panels, one incremental table each: pages, static_files, not_found,
 * status_codes, referrers, browsers, operating_systems, devices, countries, asns.
 *
 * GoAccess keeps its panels as rows of one table; so does this file: each entry of PANELS is a
 * panel, and the loop at the end publishes it (Dataform's JavaScript API: publish(name, config)
 * with .preOps() and .query()). A panel has one row per UTC date (request_date) and value of
 * its dimensions, with GoAccess's measures (includes/outputs.js panelMeasures: hits, visitors,
 * bytes) plus its own, over the requests its `where` keeps. Every panel is partitioned by
 * request_date, clustered on its first dimension, and rebuilt by whole UTC dates
 * (includes/watermarks.js dailyRebuild), so the result equals a full refresh.
 *
 * To add a panel, add an entry: name, description (its grain), dimensions, their column docs,
 * and optionally where, measures and query (a template below); its checks (unique key, row
 * conditions) are in definitions/assertions/model_checks.js. Panels whose dimensions are
 * attributes of the visitor read logflow.visitor_days (fromVisitorDays), the shared daily
 * aggregate, instead of requests.
 */

const d = dialect;

const PANELS = [
  {
    name: 'pages',
    description:
      "Requested files (GoAccess's Requested Files panel): one row per UTC date and path, for requests that are not static files and not answered 404.",
    dimensions: ['path'],
    where: ['not coalesce(is_static, false)', 'coalesce(status, 0) <> 404'],
    measures: [`${d.countIf('is_page_view')} as page_views`],
    columns: {
      path: 'Requested path, without the query string.',
      page_views: 'Requests of the path that are page views.',
    },
  },
  {
    name: 'static_files',
    description:
      "Static files (GoAccess's Static Requests panel): one row per UTC date and path, for static-file requests (is_static) not answered 404.",
    dimensions: ['path'],
    where: ['is_static', 'coalesce(status, 0) <> 404'],
    columns: { path: 'Requested path, without the query string.' },
  },
  {
    name: 'not_found',
    description: "Not found (GoAccess's Not Found panel): one row per UTC date and path answered 404.",
    dimensions: ['path'],
    where: ['status = 404'],
    columns: {
      path: 'Requested path, without the query string.',
      top_referrer_host: 'Referrer host that sent most of these requests (ties: alphabetical), NULL when none had one.',
    },
    query: withTopReferrer,
  },
  {
    name: 'status_codes',
    description: "HTTP status codes (GoAccess's HTTP Status Codes panel): one row per UTC date and status code.",
    dimensions: ['status', 'status_class'],
    columns: {
      status: 'HTTP status code.',
      status_class: "Status class: '2xx', '3xx', '4xx', '5xx'.",
    },
  },
  {
    name: 'referrers',
    description:
      "Referring sites (GoAccess's Referring Sites panel): one row per UTC date and referrer host, for requests with a referrer.",
    dimensions: ['referrer_host', 'is_internal_referrer'],
    where: ['referrer_host is not null'],
    columns: {
      referrer_host: 'Host of the Referer header.',
      is_internal_referrer: "Whether the host is one of the site's own (var siteHosts).",
    },
  },
  {
    name: 'browsers',
    query: fromVisitorDays,
    description: "Browsers (GoAccess's Browsers panel): one row per UTC date, browser and major version, crawlers included (see is_bot).",
    dimensions: ['browser_name', 'browser_major', 'is_bot'],
    columns: {
      browser_name: 'Browser family (ua-parser-js), NULL when unknown.',
      browser_major: 'Major version, NULL when unknown.',
      is_bot: 'Whether the user agents are known crawlers.',
    },
  },
  {
    name: 'operating_systems',
    query: fromVisitorDays,
    description: "Operating systems (GoAccess's Operating Systems panel): one row per UTC date, OS and version.",
    dimensions: ['os_name', 'os_version'],
    columns: {
      os_name: 'Operating system (ua-parser-js), NULL when unknown.',
      os_version: 'OS version, NULL when unknown.',
    },
  },
  {
    name: 'devices',
    query: fromVisitorDays,
    description: 'Device types: one row per UTC date, device type (desktop, mobile, tablet, ... from ua-parser-js) and crawler flag.',
    dimensions: ['device_type', 'is_bot'],
    columns: {
      device_type: "Device type; 'desktop' when ua-parser-js gives none.",
      is_bot: 'Whether the user agents are known crawlers.',
    },
  },
  {
    name: 'countries',
    query: fromVisitorDays,
    description: "Countries (GoAccess's Geo Location panel): one row per UTC date and country of the client IP.",
    dimensions: ['country_code'],
    columns: { country_code: 'ISO 3166-1 alpha-2 code of the client IP, NULL when unknown.' },
  },
  {
    name: 'asns',
    query: fromVisitorDays,
    description: "Autonomous systems (GoAccess's ASN panel): one row per UTC date and AS number of the client IP.",
    dimensions: ['asn', 'as_org'],
    columns: {
      asn: 'AS number of the client IP, NULL when unknown.',
      as_org: 'Organisation holding the AS.',
    },
  },
];

/**
 * The requests a panel counts: those with a timestamp, on the dates this run rebuilds (every date
 * on a full refresh: outputs.rebuiltDatesFilter), that its `where` keeps.
 */
function panelRequests(ctx, panel, rebuild) {
  const conditions = ['requested_at is not null', ...outputs.rebuiltDatesFilter(d, ctx, rebuild), ...(panel.where || [])];
  return `select * from ${ctx.ref('requests')}
  where ${conditions.join('\n    and ')}`;
}

/** The panel's rows: its measures per UTC date and dimensions, from the `requests` CTE. */
function panelCounts(panel) {
  const columns = [`${d.dateOf('requested_at')} as request_date`, ...panel.dimensions, outputs.panelMeasures(d), ...(panel.measures || [])];
  const groupBy = columns.slice(0, 1 + panel.dimensions.length).map((_, i) => i + 1);
  return `select
    ${columns.join(',\n    ')},
  from requests
  group by ${groupBy.join(', ')}`;
}

/** The usual panel: counts per date and dimensions. */
function grouped(ctx, panel, rebuild) {
  return `
with

requests as (
  ${panelRequests(ctx, panel, rebuild)}
),

final as (
  ${panelCounts(panel)}
)

select * from final
`;
}

/** Counts per date and dimensions, with the referrer host that sent most of the requests (GoAccess's Not Found panel). */
function withTopReferrer(ctx, panel, rebuild) {
  const keys = panel.dimensions;
  return `
with

requests as (
  ${panelRequests(ctx, panel, rebuild)}
),

referrer_counts as (
  select
    ${d.dateOf('requested_at')} as request_date,
    ${keys.join(',\n    ')},
    referrer_host,
    count(*) as hits,
  from requests
  where referrer_host is not null
  group by ${keys
    .map((_, i) => i + 1)
    .concat([keys.length + 1, keys.length + 2])
    .join(', ')}
),

referrers as (
  select * from referrer_counts
  where true
  qualify row_number() over (partition by request_date, ${keys.join(', ')} order by hits desc, referrer_host) = 1
),

totals as (
  ${panelCounts(panel)}
),

final as (
  select
    totals.*,
    referrers.referrer_host as top_referrer_host,
  from totals
  left join referrers on totals.request_date = referrers.request_date and ${keys.map((k) => `totals.${k} is not distinct from referrers.${k}`).join(' and ')}
)

select * from final
`;
}

/**
 * A panel whose dimensions are attributes of the visitor (user agent, client IP, crawler flag):
 * counted from logflow.visitor_days, the shared daily aggregate, instead of rescanning requests.
 */
function fromVisitorDays(ctx, panel, rebuild) {
  const keys = ['request_date', ...panel.dimensions];
  return `
with

visitor_days as (
  select * from ${ctx.ref('visitor_days')}
  ${ctx.when(ctx.incremental(), `where request_date >= ${rebuild.from}`)}
),

final as (
  select
    ${keys.join(',\n    ')},
    ${outputs.visitorDayMeasures(d)},
  from visitor_days
  group by ${keys.map((_, i) => i + 1).join(', ')}
)

select * from final
`;
}

/** The shared daily aggregate as a panel's input (watermarks.dailyRebuild `input`). */
function visitorDaysInput(ctx) {
  return { table: ctx.ref('visitor_days'), date: 'request_date', received: 'last_received_at', staged: 'last_staged_at' };
}

for (const panel of PANELS) {
  const rebuild = (ctx) =>
    watermarks.dailyRebuild(d, panel.name, {
      incremental: ctx.incremental(),
      self: ctx.self(),
      requests: ctx.ref('requests'),
      parsed: ctx.ref('int_lines_parsed'),
      marks: ctx.ref(watermarks.MARKS),
      lookbackMinutes: constants.LOOKBACK_MINUTES,
      recentDays: constants.LATE_ARRIVAL_DAYS,
      // What the panel aggregates (for its run mark): visitor_days or requests.
      input: panel.query === fromVisitorDays ? visitorDaysInput(ctx) : undefined,
    });
  publish(panel.name, {
    type: 'incremental',
    schema: 'logflow',
    description: `${panel.description} ${watermarks.DAILY_REBUILD_NOTE}`,
    bigquery: { partitionBy: 'request_date', clusterBy: [panel.dimensions[0]] },
    columns: { ...outputs.PANEL_COLUMNS, ...panel.columns },
  })
    .preOps((ctx) => outputs.rebuildPreOps(ctx, rebuild(ctx)))
    .postOps((ctx) => rebuild(ctx).postOps)
    .query((ctx) => (panel.query || grouped)(ctx, panel, rebuild(ctx)));
}
