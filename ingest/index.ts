/**
 * The ingester: raw log lines from files, stdin or in-process iterables to the local DuckDB
 * landing table or a Pub/Sub topic, with provenance attributes and checkpoints.
 */
export { runIngest, type IngestOptions, type IngestSummary } from './run.ts';
export {
  lineAttributes,
  idempotencyKey,
  sourceAttribute,
  MAX_MESSAGE_BYTES,
  TRUNCATED_PREFIX_BYTES,
  MAX_ATTRIBUTE_VALUE_BYTES,
} from './attributes.ts';
export { LineSplitter } from './lines.ts';
export type { Checkpoint, LineBatch, SourceRef, IngestCounts } from './types.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';
import { runIngest, type IngestOptions, type IngestSummary } from './run.ts';

/** Ingests files (paths or globs; gzip detected) into an open local warehouse, resuming from checkpoints. */
export async function ingestFiles(
  files: string[],
  options: { warehouse: Warehouse } & Omit<IngestOptions, 'inputs' | 'warehouse'>,
): Promise<IngestSummary> {
  return runIngest({ ...options, inputs: files });
}
