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

/** Creates logflow_raw.landing in the current catalog if it does not exist. */
export async function ensureLanding(connection: DuckDBConnection): Promise<void> {
  const columns = LANDING_COLUMNS.map((c) => `${ident(c.name)} ${c.duckdb}`).join(', ');
  await connection.run(`create schema if not exists ${ident(LANDING_DATASET)}`);
  await connection.run(`create table if not exists ${ident(LANDING_DATASET)}.${ident(LANDING_TABLE)} (${columns})`);
}
