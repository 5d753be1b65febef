/**
 * Names of the JavaScript scalar functions registered on a local DuckDB connection
 * (functions/duckdb.ts). includes/dialect.js spells the same names in the SQL it emits for
 * DuckDB; tests/functions/names.test.ts checks that both agree.
 */
export const LOCAL_FUNCTIONS = {
  /** logflow_parse_user_agent(VARCHAR) -> STRUCT of includes/ua.js fields. */
  parseUserAgent: 'logflow_parse_user_agent',
  /** logflow_ip_key(VARCHAR) -> VARCHAR hex key, as BigQuery's TO_HEX(NET.SAFE_IP_FROM_STRING(ip)). */
  ipKey: 'logflow_ip_key',
  /** logflow_utf8_lossy(BLOB) -> VARCHAR, as BigQuery's SAFE_CONVERT_BYTES_TO_STRING(b). */
  utf8Lossy: 'logflow_utf8_lossy',
  /** logflow_json_valid(VARCHAR) -> BOOLEAN, whether BigQuery's SAFE.PARSE_JSON(text, wide_number_mode => 'round') accepts it. */
  jsonValid: 'logflow_json_valid',
} as const;
