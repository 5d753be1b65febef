/**
 * Actions (`schema.name`) whose scheduled-run reads of partitioned tables are not bounded yet
 * (issue 10, item 1): `logflow check` prints their unbounded reads in its summary, marked as
 * known debt, instead of failing on them. Every other action must read partitioned tables only
 * through partition filters BigQuery can prune. Remove an action from this list when its model is
 * converted; nothing may be added to it. Empty since every model's checks (definitions/assertions/
 * model_checks.js) and sessions_row_conservation read a window on every run, their all-history
 * variants tagged full_history.
 */
export const KNOWN_UNBOUNDED: ReadonlySet<string> = new Set<string>([]);
