/**
 * Actions (`schema.name`) whose scheduled-run reads of partitioned tables are not bounded yet
 * (issue 10, item 1): `logflow check` prints their unbounded reads in its summary, marked as
 * known debt, instead of failing on them. Every other action must read partitioned tables only
 * through partition filters BigQuery can prune. Remove an action from this list when its model is
 * converted; nothing may be added to it.
 */
export const KNOWN_UNBOUNDED: ReadonlySet<string> = new Set<string>([
  'logflow_assertions.logflow_asns_assertions_rowConditions',
  'logflow_assertions.logflow_asns_assertions_uniqueKey_0',
  'logflow_assertions.logflow_browsers_assertions_rowConditions',
  'logflow_assertions.logflow_browsers_assertions_uniqueKey_0',
  'logflow_assertions.logflow_countries_assertions_rowConditions',
  'logflow_assertions.logflow_countries_assertions_uniqueKey_0',
  'logflow_assertions.logflow_daily_visitors_assertions_rowConditions',
  'logflow_assertions.logflow_daily_visitors_assertions_uniqueKey_0',
  'logflow_assertions.logflow_devices_assertions_rowConditions',
  'logflow_assertions.logflow_devices_assertions_uniqueKey_0',
  'logflow_assertions.logflow_int_lines_parsed_assertions_rowConditions',
  'logflow_assertions.logflow_int_lines_parsed_assertions_uniqueKey_0',
  'logflow_assertions.logflow_int_requests_sessionized_assertions_rowConditions',
  'logflow_assertions.logflow_int_requests_sessionized_assertions_uniqueKey_0',
  'logflow_assertions.logflow_not_found_assertions_rowConditions',
  'logflow_assertions.logflow_not_found_assertions_uniqueKey_0',
  'logflow_assertions.logflow_operating_systems_assertions_rowConditions',
  'logflow_assertions.logflow_operating_systems_assertions_uniqueKey_0',
  'logflow_assertions.logflow_pages_assertions_rowConditions',
  'logflow_assertions.logflow_pages_assertions_uniqueKey_0',
  'logflow_assertions.logflow_referrers_assertions_rowConditions',
  'logflow_assertions.logflow_referrers_assertions_uniqueKey_0',
  'logflow_assertions.logflow_requests_assertions_rowConditions',
  'logflow_assertions.logflow_requests_assertions_uniqueKey_0',
  'logflow_assertions.logflow_sessions_assertions_rowConditions',
  'logflow_assertions.logflow_sessions_assertions_uniqueKey_0',
  'logflow_assertions.logflow_static_files_assertions_rowConditions',
  'logflow_assertions.logflow_static_files_assertions_uniqueKey_0',
  'logflow_assertions.logflow_status_codes_assertions_rowConditions',
  'logflow_assertions.logflow_status_codes_assertions_uniqueKey_0',
  'logflow_assertions.logflow_stg_landing__lines_assertions_rowConditions',
  'logflow_assertions.logflow_stg_landing__lines_assertions_uniqueKey_0',
  'logflow_assertions.logflow_suspicious_clients_assertions_rowConditions',
  'logflow_assertions.logflow_suspicious_clients_assertions_uniqueKey_0',
  'logflow_assertions.logflow_traffic_by_hour_assertions_rowConditions',
  'logflow_assertions.logflow_traffic_by_hour_assertions_uniqueKey_0',
  'logflow_assertions.logflow_traffic_by_minute_assertions_rowConditions',
  'logflow_assertions.logflow_traffic_by_minute_assertions_uniqueKey_0',
  'logflow_assertions.sessions_row_conservation',
]);
