/**
 * A Looker Studio Linking API URL (https://developers.google.com/looker-studio/integrate/linking-api)
 * that opens a new report with one BigQuery data source per output table. Following it
 * creates nothing until the user saves; the viewer's own Google credentials read BigQuery.
 *
 * Parameters used: `c.mode` (edit), `c.reportId` (optional template), `r.reportName`, and per
 * data source `ds.<alias>.connector=bigQuery`, `.type=TABLE`, `.projectId`, `.datasetId`,
 * `.tableId`, `.datasourceName` (and `.billingProjectId` when billing goes elsewhere).
 */
export const LOOKER_STUDIO_TABLES = [
  'daily_visitors',
  'traffic_by_hour',
  'pages',
  'not_found',
  'status_codes',
  'referrers',
  'browsers',
  'operating_systems',
  'devices',
  'countries',
  'asns',
  'sessions',
  'suspicious_clients',
  'parse_errors',
] as const;

export interface LookerStudioOptions {
  project: string;
  dataset: string;
  tables?: readonly string[];
  reportName?: string;
  /** A template report to copy (its data source aliases must be ds0, ds1, ... in this table order). */
  templateReportId?: string;
  billingProject?: string;
}

export function lookerStudioUrl(options: LookerStudioOptions): string {
  const params = new URLSearchParams();
  params.set('c.mode', 'edit');
  if (options.templateReportId) params.set('c.reportId', options.templateReportId);
  params.set('r.reportName', options.reportName ?? `logflow traffic (${options.project}.${options.dataset})`);
  (options.tables ?? LOOKER_STUDIO_TABLES).forEach((table, i) => {
    const ds = `ds.ds${i}`;
    params.set(`${ds}.connector`, 'bigQuery');
    params.set(`${ds}.type`, 'TABLE');
    params.set(`${ds}.projectId`, options.project);
    if (options.billingProject) params.set(`${ds}.billingProjectId`, options.billingProject);
    params.set(`${ds}.datasetId`, options.dataset);
    params.set(`${ds}.tableId`, table);
    params.set(`${ds}.datasourceName`, `logflow ${table}`);
  });
  return `https://lookerstudio.google.com/reporting/create?${params.toString()}`;
}
