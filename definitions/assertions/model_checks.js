/**
 * The models' data checks: a unique key, non-null columns and row conditions per table (what
 * Dataform's inline `assertions:` config checked, moved here so that a scheduled run reads only
 * the partitions it just wrote). Each entry of CHECKS publishes two assertions
 * (includes/model_checks.js):
 *
 * - `<model>_unique_key` and `<model>_row_conditions`: every run, the window (the last
 *   model_checks.WINDOW_HOURS hours of the partition column, pruned on BigQuery), with the model's tags;
 * - `<model>_unique_key_full_history` and `<model>_row_conditions_full_history`: all history,
 *   tag `full_history`, disabled unless the var fullHistory is "true" (`dataform run --tags full_history
 *   --vars=fullHistory=true`, `logflow transform --tags full_history --vars fullHistory=true`).
 *
 * A table without `partition` (not partitioned: BigQuery cannot prune it) gets the first two
 * only, over all its rows. To check a new model, add an entry; its grain is its unique key.
 */

const d = dialect;

const received = { column: 'received_at', type: 'timestamp' };
const requested = { column: 'requested_at', type: 'timestamp' };
const requestDate = { column: 'request_date', type: 'date' };
/** The local (DuckDB) window of a row-per-line table: its newest staging batch (includes/model_checks.js). */
const staged = { column: 'staged_at' };

/** A GoAccess panel (definitions/outputs/panels/goaccess_panels.js): one row per date and dimensions, hits >= visitors. */
const panel = (model, dimensions, rowConditions = []) => ({
  model,
  partition: requestDate,
  uniqueKey: ['request_date', ...dimensions],
  nonNull: ['request_date', 'hits'],
  rowConditions: ['hits >= visitors', ...rowConditions],
});

/** A traffic_by_<grain> table (definitions/outputs/panels/traffic_by_grain.js). */
const traffic = (grain) => ({
  model: `traffic_by_${grain}`,
  partition: { column: `${grain}_at`, type: 'timestamp' },
  uniqueKey: [`${grain}_at`],
  nonNull: [`${grain}_at`, 'hits'],
  rowConditions: ['status_2xx + status_3xx + status_4xx + status_5xx <= hits', 'unique_visitors <= hits', 'error_rate between 0 and 1'],
});

/** A latency panel (definitions/outputs/panels/request_panels.js): exact percentiles per date and key. */
const latency = (model, keys) => ({
  model,
  partition: requestDate,
  uniqueKey: ['request_date', ...keys],
  nonNull: ['request_date', 'timed_hits', 'p50_us', 'p95_us', 'p99_us'],
  rowConditions: ['timed_hits > 0', 'p50_us <= p95_us', 'p95_us <= p99_us', 'p99_us <= max_time_served_us'],
});

const CHECKS = [
  {
    model: 'stg_landing__lines',
    staged,
    tags: ['requests'],
    partition: received,
    uniqueKey: ['line_id'],
    nonNull: ['line_id', 'raw_line', 'log_format', 'published_at', 'received_at'],
    // The bytes are kept whenever raw_line cannot give them back (rows staged before raw_bytes became
    // NULL for valid lines still hold theirs: that is allowed, so the full-history check passes on them).
    rowConditions: ['is_valid_utf8 or raw_bytes is not null'],
  },
  {
    model: 'int_lines_parsed',
    staged,
    tags: ['requests'],
    partition: received,
    uniqueKey: ['line_id'],
    nonNull: ['line_id', 'is_parsed', 'received_at'],
    rowConditions: [
      'is_parsed = (parse_error is null)',
      'is_parsed or raw_line is not null',
      'is_parsed or is_valid_utf8 or raw_bytes is not null',
      'not is_parsed or (requested_at is not null and client_ip is not null and status is not null and response_bytes is not null)',
    ],
  },
  {
    // Run state (includes/watermarks.js markRun): one mark per model and run.
    model: 'model_watermarks',
    tags: ['requests'],
    partition: { column: 'marked_at', type: 'timestamp' },
    uniqueKey: ['model', 'marked_at'],
    nonNull: ['model', 'received_through', 'staged_through', 'marked_at'],
    rowConditions: ['staged_through <= marked_at'],
  },
  {
    // Not partitioned (one row per W3C #Fields: header): checked whole.
    model: 'int_w3c_fields',
    tags: ['requests'],
    uniqueKey: ['line_id'],
    nonNull: ['line_id', 'byte_offset', 'field_count', 'received_at', 'staged_at'],
    rowConditions: ['field_count >= 1', 'next_byte_offset is null or next_byte_offset > byte_offset'],
  },
  {
    model: 'requests',
    staged,
    tags: ['requests'],
    partition: requested,
    uniqueKey: ['request_id'],
    nonNull: [
      'request_id',
      'client_ip',
      'status',
      'status_class',
      'response_bytes',
      'country_code',
      'asn',
      'as_org',
      'is_bot',
      'is_static',
      'is_page_view',
      'is_internal_referrer',
      'received_at',
      'requested_at',
    ],
    rowConditions: [
      'status between 100 and 999',
      'response_bytes >= 0',
      'not (is_page_view and is_static)',
      '(user_agent is null) = (user_agent_id is null)',
      'method is not null or not is_request_line_valid',
    ],
  },
  {
    model: 'ip_locations',
    tags: ['requests'],
    uniqueKey: ['client_ip'],
    nonNull: ['client_ip', 'ip_scope', 'country_code', 'asn', 'as_org', 'first_seen_at', 'last_seen_at'],
    rowConditions: ['first_seen_at <= last_seen_at', '(ip_key is null) = (ip_version is null)', 'length(country_code) = 2'],
  },
  {
    model: 'user_agents',
    tags: ['requests'],
    uniqueKey: ['user_agent_id'],
    nonNull: ['user_agent_id', 'user_agent', 'device_type', 'is_bot', 'first_seen_at', 'last_seen_at'],
    rowConditions: ['first_seen_at <= last_seen_at', 'bot_name is null or is_bot'],
  },
  {
    model: 'int_requests_sessionized',
    // A run replays a visitor's hits from the start of the block holding its earliest new hit.
    staged: { ...staged, touched: { key: 'visitor_id', from: 'block_started_at', at: 'requested_at' } },
    partition: requested,
    uniqueKey: ['request_id'],
    nonNull: ['request_id', 'visitor_id', 'session_id', 'block_started_at', 'requested_at'],
    rowConditions: ['block_started_at <= requested_at'],
  },
  {
    model: 'sessions',
    partition: { column: 'started_at', type: 'timestamp' },
    uniqueKey: ['session_id'],
    nonNull: ['session_id', 'visitor_id', 'started_at', 'ended_at', 'hits'],
    rowConditions: ['hits >= 1', 'page_views <= hits', 'error_hits <= hits', 'started_at <= ended_at', 'duration_seconds >= 0'],
  },
  {
    model: 'daily_visitors',
    partition: requestDate,
    uniqueKey: ['request_date'],
    nonNull: ['request_date', 'hits', 'sessions'],
    rowConditions: ['unique_visitors <= unique_visitors_with_4xx', 'unique_visitors_with_4xx <= hits', 'page_views <= hits'],
  },
  {
    model: 'suspicious_clients',
    partition: requestDate,
    uniqueKey: ['request_date', 'client_ip'],
    nonNull: ['request_date', 'client_ip', 'reasons'],
    rowConditions: ['length(reasons) > 0', 'hits_4xx <= hits', 'max_hits_per_minute <= hits'],
  },
  {
    model: 'visitor_days',
    partition: requestDate,
    uniqueKey: ['request_date', ...outputs.VISITOR_DAY_KEYS],
    nonNull: ['request_date', 'client_ip', 'hits'],
    rowConditions: ['hits >= 1', 'hits_not_4xx <= hits', 'page_views <= hits'],
  },
  panel('pages', ['path'], ['page_views <= hits']),
  panel('static_files', ['path']),
  panel('not_found', ['path']),
  panel('status_codes', ['status', 'status_class']),
  panel('referrers', ['referrer_host', 'is_internal_referrer']),
  panel('browsers', ['browser_name', 'browser_major', 'is_bot']),
  panel('operating_systems', ['os_name', 'os_version']),
  panel('devices', ['device_type', 'is_bot']),
  panel('countries', ['country_code']),
  panel('asns', ['asn', 'as_org']),
  traffic('hour'),
  traffic('minute'),
  panel('visitor_hosts', ['client_ip', 'country_code'], ['timed_hits <= hits']),
  panel('virtual_hosts', ['vhost'], ['timed_hits <= hits']),
  panel('requested_hosts', ['host'], ['timed_hits <= hits']),
  panel('remote_users', ['auth_user'], ['timed_hits <= hits']),
  panel('cache_statuses', ['cache_status'], ['timed_hits <= hits']),
  panel('tls_settings', ['tls_protocol', 'tls_cipher'], ['timed_hits <= hits']),
  panel('mime_types', ['mime_type'], ['timed_hits <= hits']),
  latency('latency_by_minute', ['minute_at']),
  latency('latency_by_path', ['path']),
];

const window = (check) =>
  model_checks.usesStagedWindow(d, check.staged)
    ? `the rows of the newest staging batch it holds (${check.staged.column} equal to its newest${check.staged.touched ? `, and the rows replayed with them: each ${check.staged.touched.key}'s from the earliest ${check.staged.touched.from} of its new rows` : ''}: what a local run wrote, even right after a backfill; ${check.model}_%s_full_history checks all history)`
    : check.partition
      ? `the rows of the last ${model_checks.WINDOW_HOURS} hours of ${check.partition.column} (every run, pruned on BigQuery; ${check.model}_%s_full_history checks all history)`
      : 'every row (the table is not partitioned)';

for (const check of CHECKS) {
  const uniqueWindow = model_checks.usesStagedWindow(d, check.staged)
    ? ', against every row of the table'
    : check.partition && !check.uniqueKey.includes(check.partition.column)
      ? `, against rows up to lateArrivalDays older`
      : '';
  const variants = [
    { suffix: '', partition: check.partition, tags: check.tags || [], scope: window(check), disabled: false },
    ...(check.partition
      ? [
          {
            suffix: '_full_history',
            partition: undefined,
            tags: [model_checks.FULL_HISTORY_TAG],
            scope: 'all history (run it now and then, with the var fullHistory=true)',
            disabled: !model_checks.FULL_HISTORY_ENABLED,
          },
        ]
      : []),
  ];
  for (const v of variants) {
    assert(`${check.model}_unique_key${v.suffix}`)
      .tags(v.tags)
      .disabled(v.disabled)
      .description(
        `${check.model} has one row per ${check.uniqueKey.join(' + ')}: returns each key held by more than one row, over ${v.scope.replace('%s', 'unique_key')}${v.partition ? uniqueWindow : ''}.`,
      )
      .query((ctx) =>
        model_checks.uniqueKeyQuery(d, ctx.ref(check.model), check.uniqueKey, v.partition, constants.LATE_ARRIVAL_DAYS, check.staged),
      );
    assert(`${check.model}_row_conditions${v.suffix}`)
      .tags(v.tags)
      .disabled(v.disabled)
      .description(
        `${check.model} rows meet their conditions (${model_checks.rowConditions(check).join('; ')}): returns each row that fails one, with the first it fails, over ${v.scope.replace('%s', 'row_conditions')}.`,
      )
      .query((ctx) => model_checks.rowConditionsQuery(d, ctx.ref(check.model), check, v.partition));
  }
}
