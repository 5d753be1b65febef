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

/** Project ids (https://cloud.google.com/resource-manager/docs/creating-managing-projects), domain-scoped ones included. */
const PROJECT_ID = /^([a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** Dataset names: letters, digits and underscores, at most 1,024. */
const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;

/**
 * The BigQuery output tables, read with jobs.query (named query parameters, never SQL text
 * built from values) through @google-cloud/bigquery.
 */
export function bigquerySource(options: BigQuerySourceOptions): { source: ReportSource; spelling: Spelling } {
  const config = readProjectConfig();
  const dataset = options.dataset ?? config.schema;
  // The only text spliced into the queries (as `project.dataset.table`): check it is a name.
  if (!PROJECT_ID.test(options.project))
    throw new LogflowError(
      `--project '${options.project}' is not a BigQuery project id (lower-case letters, digits and hyphens, optionally 'domain:' first)`,
      2,
    );
  if (!DATASET_ID.test(dataset))
    throw new LogflowError(`--dataset '${dataset}' is not a BigQuery dataset name (letters, digits and underscores)`, 2);
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
