import type { DuckDBConnection } from '@duckdb/node-api';
import { ident } from '../warehouse/duckdb.ts';

/**
 * The landing table, as a Pub/Sub BigQuery subscription with write_metadata writes it
 * (dataset logflow_raw, table landing). `data` is BYTES so that lines that are not valid
 * UTF-8 land unaltered; `attributes` is JSON (the message attributes, all string values).
 */
export const LANDING_DATASET = 'logflow_raw';
export const LANDING_TABLE = 'landing';
/** subscription_name for rows the local sink writes (BigQuery gets the real subscription path). */
export const LOCAL_SUBSCRIPTION = 'projects/local/subscriptions/logflow-local';

export const LANDING_COLUMNS = [
  { name: 'subscription_name', bigquery: 'STRING', duckdb: 'VARCHAR' },
  { name: 'message_id', bigquery: 'STRING', duckdb: 'VARCHAR' },
  { name: 'publish_time', bigquery: 'TIMESTAMP', duckdb: 'TIMESTAMPTZ' },
  { name: 'data', bigquery: 'BYTES', duckdb: 'BLOB' },
  { name: 'attributes', bigquery: 'JSON', duckdb: 'JSON' },
] as const;

/** Message attribute keys the ingester sets on every line (values are strings, as in Pub/Sub). */
export const ATTRIBUTE_KEYS = {
  /** Source name: file path (shortened around '...' past 1,024 bytes), `stdin` or `generator`. */
  source: 'source',
  /**
   * Stable identity of the source. Files: `file:<first 32 hex of sha256(first line)>`, with
   * `:<dev>.<ino>` appended only when another file already holds that identity; the identity follows
   * the content through rename, copy-truncate and gzip rotation (ingest/identity.ts). stdin and
   * the in-process generator: `<stdin|generator>:<ingest host>:<run id>`, one per run.
   */
  sourceId: 'source_id',
  /** 1-based line number within the source identity. */
  lineNumber: 'line_number',
  /** Byte offset of the line's first byte within the source identity. */
  byteOffset: 'byte_offset',
  /** Log format name: combined, common, vcombined or json. */
  format: 'format',
  /** Host name of the machine that ran the ingester. */
  ingestHost: 'ingest_host',
  /** source_id + '@' + byte_offset: equal for a re-send of the same line, different at another offset. */
  idempotencyKey: 'idempotency_key',
  /** Only on a line over the message limit, landed truncated to a prefix: its full length in bytes. */
  originalLength: 'original_length',
} as const;

/**
 * When a row landed. On BigQuery the landing table is partitioned by ingestion time, hourly:
 * BigQuery sets the pseudo-column `_PARTITIONTIME` to the UTC hour the subscription wrote the row
 * (NULL while it is still in the write buffer), whatever its publish_time. Models read new rows by
 * this arrival, so a row that lands late (old publish_time, e.g. a subscription paused for hours)
 * is read by the next run. Locally it is a real column of the same name that DuckDB fills with
 * the hour of the inserting transaction: writers never set it (only tests, to place rows).
 */
export const LANDING_ARRIVAL = '_PARTITIONTIME';
/** Granularity of the landing table's arrival partitions. */
export const LANDING_PARTITION_UNIT = 'hour';
/** BigQuery allows 10,000 partitions per table: hourly partitions must expire before 416 days. */
export const DEFAULT_LANDING_EXPIRATION_DAYS = 365;

const ARRIVAL_DEFAULT = `date_trunc('${LANDING_PARTITION_UNIT}', current_timestamp)`;

/**
 * The BigQuery DDL of the landing table (see /README.md, Running on BigQuery): the columns a
 * Pub/Sub BigQuery subscription with write_metadata writes, partitioned hourly by ingestion time.
 * `expirationDays` (default 365, at least 8 = Pub/Sub's 7-day retention + 1; null for none) drops old arrival
 * partitions; every line stays in logflow.stg_landing__lines.
 */
export function bigqueryLandingDdl(project: string, expirationDays: number | null = DEFAULT_LANDING_EXPIRATION_DAYS): string {
  if (!/^[a-z][a-z0-9.:-]*[a-z0-9]$/.test(project)) throw new Error(`bigqueryLandingDdl: '${project}' is not a GCP project id`);
  if (expirationDays !== null && (!Number.isInteger(expirationDays) || expirationDays < 8 || expirationDays > 415)) {
    throw new Error(`landing partition expiration must be a whole number of days from 8 to 415, got ${expirationDays}`);
  }
  const columns = LANDING_COLUMNS.map((c) => `  ${c.name} ${c.bigquery.toLowerCase()}`).join(',\n');
  const options = expirationDays !== null ? `\noptions (partition_expiration_days = ${expirationDays})` : '';
  return `create table if not exists \`${project}.${LANDING_DATASET}.${LANDING_TABLE}\` (\n${columns}\n)\npartition by timestamp_trunc(${LANDING_ARRIVAL}, ${LANDING_PARTITION_UNIT})${options}`;
}

/**
 * Creates logflow_raw.landing in the current catalog if it does not exist, with the arrival
 * column (added to a landing table created before it existed: its rows count as arriving now).
 */
export async function ensureLanding(connection: DuckDBConnection): Promise<void> {
  const columns = LANDING_COLUMNS.map((c) => `${ident(c.name)} ${c.duckdb}`).join(', ');
  const table = `${ident(LANDING_DATASET)}.${ident(LANDING_TABLE)}`;
  await connection.run(`create schema if not exists ${ident(LANDING_DATASET)}`);
  await connection.run(
    `create table if not exists ${table} (${columns}, ${ident(LANDING_ARRIVAL.toLowerCase())} timestamptz not null default ${ARRIVAL_DEFAULT})`,
  );
  await connection.run(
    `alter table ${table} add column if not exists ${ident(LANDING_ARRIVAL.toLowerCase())} timestamptz default ${ARRIVAL_DEFAULT}`,
  );
}
