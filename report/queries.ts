import type { Spelling } from './source.ts';

/**
 * The report's fixed, read-only queries. Each takes only the bound parameters `from` and `to`
 * (inclusive UTC dates as 'YYYY-MM-DD' strings) and returns rows already aggregated per day,
 * so what leaves the warehouse is bounded by days x items, never by requests.
 */

/**
 * The values the queries bind, as buildReportData passes them: JavaScript strings, which
 * @google-cloud/bigquery sends as STRING query parameters (and DuckDB binds as VARCHAR); the
 * queries cast them. Nothing else ever reaches the SQL: no value from a log, no user text.
 */
export interface ReportParameters {
  /** First day of the range, 'YYYY-MM-DD'. */
  from: string;
  /** Last day of the range (inclusive), 'YYYY-MM-DD'. */
  to: string;
  /** Start of the per-minute detail, an ISO timestamp ('2026-11-06T00:00:00.000Z'). */
  minuteFrom: string;
}

/** Values of each parameter's shape (what `logflow check` types the report's BigQuery queries with). */
export const EXAMPLE_PARAMETERS: ReportParameters = { from: '2026-11-01', to: '2026-11-07', minuteFrom: '2026-11-06T00:00:00.000Z' };

/** An item panel: the GoAccess-style table it reads, its key columns, and the filter that selects
 * its requests in logflow.requests (for the bots-excluded view, computed from requests). */
export interface PanelSpec {
  id: string;
  title: string;
  table: string;
  /** Key columns in the panel table (and, by the same names, in logflow.requests). */
  keys: string[];
  /** Column labels for the keys. */
  labels: string[];
  /** The panel's selection of requests (same rule as the model's). */
  where: string;
}

export const PANELS: PanelSpec[] = [
  {
    id: 'pages',
    title: 'Requested files (pages)',
    table: 'pages',
    keys: ['path'],
    labels: ['path'],
    where: 'not coalesce(is_static, false) and coalesce(status, 0) <> 404',
  },
  {
    id: 'static_files',
    title: 'Static files',
    table: 'static_files',
    keys: ['path'],
    labels: ['path'],
    where: 'coalesce(is_static, false) and coalesce(status, 0) <> 404',
  },
  { id: 'not_found', title: 'Not found (404)', table: 'not_found', keys: ['path'], labels: ['path'], where: 'status = 404' },
  { id: 'status_codes', title: 'Status codes', table: 'status_codes', keys: ['status'], labels: ['status'], where: 'true' },
  {
    id: 'referrers',
    title: 'Referring sites',
    table: 'referrers',
    keys: ['referrer_host'],
    labels: ['referrer'],
    where: 'referrer_host is not null',
  },
  { id: 'browsers', title: 'Browsers', table: 'browsers', keys: ['browser_name'], labels: ['browser'], where: 'true' },
  {
    id: 'operating_systems',
    title: 'Operating systems',
    table: 'operating_systems',
    keys: ['os_name'],
    labels: ['operating system'],
    where: 'true',
  },
  { id: 'devices', title: 'Devices', table: 'devices', keys: ['device_type'], labels: ['device'], where: 'true' },
  { id: 'countries', title: 'Countries', table: 'countries', keys: ['country_code'], labels: ['country'], where: 'true' },
  { id: 'asns', title: 'Networks (ASN)', table: 'asns', keys: ['asn', 'as_org'], labels: ['ASN', 'organisation'], where: 'true' },
];

/** Every query the report runs, by name. `s` spells the engine's differences. */
export function reportQueries(s: Spelling): Record<string, string> {
  const from = `cast(${s.param('from')} as date)`;
  const to = `cast(${s.param('to')} as date)`;
  const between = (expr: string) => `${expr} between ${from} and ${to}`;
  const day = (expr: string) => `cast(${expr} as date)`;
  const q: Record<string, string> = {
    bounds: `select ${s.str('min(request_date)')} as first_day, ${s.str('max(request_date)')} as last_day from ${s.table('daily_visitors')}`,

    daily: `select ${s.str('request_date')} as day, hits, unique_visitors as visitors, page_views, bot_hits, sessions, human_sessions, bytes
      from ${s.table('daily_visitors')} where ${between('request_date')} order by 1`,

    daily_human: `select ${s.str(day('requested_at'))} as day, count(*) as hits, count(distinct ${s.visitor}) as visitors,
        sum(case when is_page_view then 1 else 0 end) as page_views, coalesce(sum(response_bytes), 0) as bytes,
        sum(case when status >= 400 then 1 else 0 end) as errors
      from ${s.table('requests')} where not is_bot and ${between(day('requested_at'))} group by 1 order by 1`,

    daily_errors: `select ${s.str('request_date')} as day, sum(case when status >= 400 then hits else 0 end) as errors
      from ${s.table('status_codes')} where ${between('request_date')} group by 1 order by 1`,

    // A line that did not parse has no request date: parse errors are never filtered by date.
    parse_errors: `select coalesce(parse_error, 'unknown') as reason, count(*) as lines
      from ${s.table('parse_errors')} group by 1 order by 2 desc, 1`,

    parse_error_samples: `select reason, source, line_number, raw_line from (
        select coalesce(parse_error, 'unknown') as reason, source, line_number, raw_line,
          row_number() over (partition by parse_error order by received_at, source, line_number) as n
        from ${s.table('parse_errors')}
      ) as ranked where n <= 3 order by reason, n`,

    minutes: `select ${s.epochMs('minute_at')} as t, hits, page_views, unique_visitors as visitors, bytes, status_4xx, status_5xx
      from ${s.table('traffic_by_minute')}
      where minute_at >= cast(${s.param('minuteFrom')} as timestamp) and ${between(day('minute_at'))} order by 1`,

    minutes_human: `select ${s.epochMs(s.trunc('requested_at', 'minute'))} as t, count(*) as hits, sum(case when is_page_view then 1 else 0 end) as page_views
      from ${s.table('requests')}
      where not is_bot and requested_at >= cast(${s.param('minuteFrom')} as timestamp) and ${between(day('requested_at'))} group by 1 order by 1`,

    hours: `select ${s.epochMs('hour_at')} as t, hits, page_views, unique_visitors as visitors, bytes, status_4xx, status_5xx
      from ${s.table('traffic_by_hour')} where ${between(day('hour_at'))} order by 1`,

    hours_human: `select ${s.epochMs(s.trunc('requested_at', 'hour'))} as t, count(*) as hits, sum(case when is_page_view then 1 else 0 end) as page_views
      from ${s.table('requests')} where not is_bot and ${between(day('requested_at'))} group by 1 order by 1`,

    sessions_daily: `select ${s.str(day('started_at'))} as day, is_bot, count(*) as sessions, sum(case when is_bounce then 1 else 0 end) as bounces,
        sum(duration_seconds) as duration_seconds, sum(page_views) as page_views
      from ${s.table('sessions')} where ${between(day('started_at'))} group by 1, 2 order by 1, 2`,

    sessions_duration: `select ${s.str(day('started_at'))} as day, is_bot, ${durationBucket('duration_seconds')} as bucket, count(*) as sessions
      from ${s.table('sessions')} where ${between(day('started_at'))} group by 1, 2, 3 order by 1, 2, 3`,

    sessions_depth: `select ${s.str(day('started_at'))} as day, is_bot, ${depthBucket('page_views')} as bucket, count(*) as sessions
      from ${s.table('sessions')} where ${between(day('started_at'))} group by 1, 2, 3 order by 1, 2, 3`,

    landing_pages: `select ${s.str(day('started_at'))} as day, is_bot, landing_path as path, count(*) as sessions
      from ${s.table('sessions')} where ${between(day('started_at'))} group by 1, 2, 3 order by 1, 2, 3`,

    exit_pages: `select ${s.str(day('started_at'))} as day, is_bot, exit_path as path, count(*) as sessions
      from ${s.table('sessions')} where ${between(day('started_at'))} group by 1, 2, 3 order by 1, 2, 3`,

    suspicious: `select ${s.str('request_date')} as day, client_ip, ${s.str('reasons')} as reasons, hits, hits_4xx, ratio_4xx,
        distinct_not_found_paths, max_hits_per_minute, probe_hits, injection_hits, example_injection, user_agents, is_bot
      from ${s.table('suspicious_clients')} where ${between('request_date')}
      order by hits desc, day, client_ip limit 500`,
  };
  for (const p of PANELS) {
    const keys = p.keys.map((k) => `${s.str(k)} as ${k}`).join(', ');
    const groupKeys = p.keys.map((_, i) => i + 2).join(', ');
    q[`panel_${p.id}`] = `select ${s.str('request_date')} as day, ${keys}, sum(hits) as hits, sum(visitors) as visitors, sum(bytes) as bytes
      from ${s.table(p.table)} where ${between('request_date')} group by 1, ${groupKeys} order by 1, ${groupKeys}`;
    q[`panel_${p.id}_human`] =
      `select ${s.str(day('requested_at'))} as day, ${keys}, count(*) as hits, count(distinct ${s.visitor}) as visitors, coalesce(sum(response_bytes), 0) as bytes
      from ${s.table('requests')} where not is_bot and ${p.where} and requested_at is not null and ${between(day('requested_at'))} group by 1, ${groupKeys} order by 1, ${groupKeys}`;
  }
  return q;
}

/** Session duration buckets (labels in the same order). */
export const DURATION_BUCKETS = ['0 s', '1-9 s', '10-29 s', '30-59 s', '1-2 min', '3-9 min', '10-29 min', '30+ min'];
function durationBucket(col: string): string {
  return `case when ${col} is null or ${col} < 1 then 0 when ${col} < 10 then 1 when ${col} < 30 then 2 when ${col} < 60 then 3
    when ${col} < 180 then 4 when ${col} < 600 then 5 when ${col} < 1800 then 6 else 7 end`;
}

/** Session depth (page views) buckets. */
export const DEPTH_BUCKETS = ['0', '1', '2', '3', '4', '5', '6-10', '11-20', '21+'];
function depthBucket(col: string): string {
  return `case when ${col} is null or ${col} <= 0 then 0 when ${col} <= 5 then ${col} when ${col} <= 10 then 6 when ${col} <= 20 then 7 else 8 end`;
}
