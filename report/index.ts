/**
 * `logflow report`: one self-contained HTML page from the output tables (local DuckDB or
 * BigQuery), and the live variant `logflow serve` pushes to the browser.
 */
export { buildReportData, DEFAULT_LIMITS, type ReportData, type ReportLimits } from './data.ts';
export { renderReport, safeJson, contentSecurityPolicy } from './html.ts';
export { connectionSource, localSource, localSpelling, writeLocalReport } from './sources.ts';
export { bigquerySource } from './bigquery-source.ts';
export { lookerStudioUrl } from './looker-studio.ts';
export type { ReportSource, Spelling } from './source.ts';
