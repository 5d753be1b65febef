import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery, type BigQueryOptions, type JobMetadata } from '@google-cloud/bigquery';
import { LogflowError } from '../core/errors.ts';
import { COLUMNS, readRangeFile, TABLES, type LoadResult, type RangeFile } from './load.ts';
import { bucketsOf, type AsnRange, type CityRange, type CountryRange, type RangeKind } from './ranges.ts';

export interface BigQueryTarget {
  projectId: string;
  dataset: string;
  location: string;
  /** For tests: a loopback server instead of bigquery.googleapis.com. */
  apiEndpoint?: string;
  /** For tests: an auth client that needs no Application Default Credentials. */
  authClient?: BigQueryOptions['authClient'];
}

const AUTH_HINT =
  'no Google Cloud credentials found: run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file) and retry';

/** One BigQuery client for the whole load. */
export function bigQueryClient(target: BigQueryTarget): BigQuery {
  const options: BigQueryOptions = { projectId: target.projectId, location: target.location };
  if (target.apiEndpoint) options.apiEndpoint = target.apiEndpoint;
  if (target.authClient) options.authClient = target.authClient;
  return new BigQuery(options);
}

/**
 * Fails early, with one line saying how to authenticate, when there are no credentials
 * (instead of a stack trace after the data was read). Silences the metadata-server probe's
 * warning, which is noise off Google Cloud.
 */
export async function checkCredentials(client: BigQuery): Promise<void> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (String(type ?? (warning as Error).name ?? '').includes('MetadataLookup')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    await client.authClient.getAccessToken();
  } catch (error) {
    const message = (error as Error).message ?? '';
    if (/GOOGLE_APPLICATION_CREDENTIALS/.test(message)) {
      const file = /The file at (\S+) /.exec(message)?.[1];
      throw new LogflowError(
        `GOOGLE_APPLICATION_CREDENTIALS does not point at a readable credential file${file ? ` (${file})` : ''}; fix or unset it, or run \`gcloud auth application-default login\``,
      );
    }
    if (/default credentials|could not refresh access token|invalid_grant|unable to detect a project id/i.test(message))
      throw new LogflowError(AUTH_HINT);
    throw new LogflowError(
      `cannot get Google Cloud credentials: ${message.split('\n')[0]}. Run \`gcloud auth application-default login\` and retry`,
    );
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Writes the reference-table rows of `files` as newline-delimited JSON. */
async function writeNdjson(kind: RangeKind, files: RangeFile[], path: string): Promise<{ ranges: number; rows: number }> {
  const out = createWriteStream(path, 'utf8');
  let ranges = 0;
  let rows = 0;
  let buffer = '';
  const flush = async () => {
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };
  try {
    for (const file of files) {
      for await (const range of readRangeFile(kind, file)) {
        ranges++;
        for (const bucket of bucketsOf(range.startKey, range.endKey)) {
          const keys = { bucket, start_key: range.startKey, end_key: range.endKey };
          const city = range as CityRange;
          const row =
            kind === 'country'
              ? { ...keys, country_code: (range as CountryRange).countryCode }
              : kind === 'city'
                ? { ...keys, country_code: city.countryCode, region: city.region, city: city.city }
                : { ...keys, asn: (range as AsnRange).asn, as_org: (range as AsnRange).org };
          buffer += JSON.stringify(row) + '\n';
          rows++;
          if (buffer.length > 1 << 20) await flush();
        }
      }
    }
    await flush();
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { ranges, rows };
}

function describeApiError(error: unknown, what: string): LogflowError {
  const e = error as { code?: number; message?: string; errors?: Array<{ message?: string }> };
  const message = (e.errors?.[0]?.message ?? e.message ?? String(error)).split('\n')[0] ?? '';
  if (/default credentials/i.test(message)) return new LogflowError(AUTH_HINT);
  if (e.code === 401)
    return new LogflowError(`${what}: credentials were rejected (${message}); run \`gcloud auth application-default login\` and retry`);
  if (e.code === 403)
    return new LogflowError(`${what}: permission denied (${message}); the account needs BigQuery Data Editor and Job User on the project`);
  if (e.code === 404) return new LogflowError(`${what}: not found (${message}); check the project and dataset`, 1, ['project', 'dataset']);
  return new LogflowError(`${what} failed: ${message}`);
}

/** Creates the dataset when missing (in target.location). */
export async function ensureDataset(client: BigQuery, target: BigQueryTarget): Promise<void> {
  try {
    await client.dataset(target.dataset, { location: target.location }).get({ autoCreate: true });
  } catch (error) {
    throw describeApiError(error, `creating dataset ${target.projectId}.${target.dataset}`);
  }
}

/**
 * Replaces target.dataset.<table> with the ranges of `files` (one load job, WRITE_TRUNCATE,
 * clustered by bucket so the lookup join reads few blocks). With `append`, the rows are added
 * instead (WRITE_APPEND): ensureBigQueryTable uses it with no files to create a missing table.
 */
export async function loadIntoBigQuery(
  client: BigQuery,
  target: BigQueryTarget,
  kind: RangeKind,
  files: RangeFile[],
  append = false,
): Promise<LoadResult> {
  const table = TABLES[kind];
  const dir = mkdtempSync(join(tmpdir(), 'logflow-geo-'));
  const path = join(dir, `${table}.ndjson`);
  try {
    const { ranges, rows } = await writeNdjson(kind, files, path);
    const fields = COLUMNS[kind].map((c) => ({ name: c.name, type: c.bigquery, mode: c.required ? 'REQUIRED' : 'NULLABLE' }));
    let response: JobMetadata | undefined;
    try {
      [response] = await client
        .dataset(target.dataset)
        .table(table)
        .load(path, {
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          writeDisposition: append ? 'WRITE_APPEND' : 'WRITE_TRUNCATE',
          createDisposition: 'CREATE_IF_NEEDED',
          schema: { fields },
          clustering: { fields: ['bucket'] },
        });
    } catch (error) {
      throw describeApiError(error, `loading ${target.projectId}.${target.dataset}.${table}`);
    }
    const errors = response?.status?.errors ?? [];
    if (errors.length > 0)
      throw new LogflowError(`loading ${target.projectId}.${target.dataset}.${table} failed: ${errors[0]?.message ?? 'unknown error'}`);
    return { kind, table: `${target.projectId}.${target.dataset}.${table}`, ranges, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Creates target.dataset.<table> empty when it is missing and leaves it alone otherwise (a load
 * job of no rows, WRITE_APPEND): ip_city_ranges must exist for ip_locations to run even when
 * the user loads no city database.
 */
export async function ensureBigQueryTable(client: BigQuery, target: BigQueryTarget, kind: RangeKind): Promise<void> {
  await loadIntoBigQuery(client, target, kind, [], true);
}
