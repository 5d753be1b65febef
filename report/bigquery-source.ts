import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { LogflowError } from '../core/errors.ts';
import { readProjectConfig } from '../warehouse/project.ts';
import { spelling, type ReportSource, type Row, type Spelling } from './source.ts';
import { usedParams } from './sources.ts';

export interface BigQuerySourceOptions {
  project: string;
  dataset?: string;
  location?: string;
  /** Client options (tests: apiEndpoint and an auth stub). */
  client?: BigQueryOptions;
}

/**
 * The BigQuery output tables, read with jobs.query (named query parameters, never SQL text
 * built from values) through @google-cloud/bigquery.
 */
export function bigquerySource(options: BigQuerySourceOptions): { source: ReportSource; spelling: Spelling } {
  const config = readProjectConfig();
  const dataset = options.dataset ?? config.schema;
  const location = options.location ?? config.location;
  const client = new BigQuery({ projectId: options.project, ...options.client });
  const source: ReportSource = {
    engine: 'bigquery',
    label: `BigQuery ${options.project}.${dataset}`,
    async query(sql, params) {
      try {
        const [rows] = await client.query({ query: sql, params: usedParams(sql, params, '@'), location, useLegacySql: false });
        return (rows as Row[]).map((r) => ({ ...r }));
      } catch (error) {
        throw new LogflowError(`BigQuery query failed: ${(error as Error).message.split('\n')[0]}`);
      }
    },
    close: () => undefined,
  };
  return { source, spelling: spelling('bigquery', dataset, options.project) };
}
