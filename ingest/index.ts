/**
 * The ingester: raw log lines from files, stdin or in-process iterables to the local DuckDB
 * landing table or a Pub/Sub topic, with provenance attributes and checkpoints.
 */
export { runIngest, type IngestOptions, type IngestSummary } from './run.ts';
export { lineAttributes, idempotencyKey, sourceAttribute, MAX_MESSAGE_BYTES, TRUNCATED_PREFIX_BYTES, MAX_ATTRIBUTE_VALUE_BYTES } from './attributes.ts';
export { LineSplitter } from './lines.ts';
export type { Checkpoint, LineBatch, SourceRef, IngestCounts } from './types.ts';
import { runIngest, type IngestOptions, type IngestSummary } from './run.ts';

/**
 * Ingests in-process lines (e.g. `generateLines(...)`) into the local warehouse and returns the
 * summary. Each line is one landing row; the source is named `name` (default 'generator').
 */
export async function ingestLines(
  lines: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
  options: { warehouse: string; name?: string; format?: string } & Omit<IngestOptions, 'lines' | 'warehouse' | 'linesName' | 'format'>,
): Promise<IngestSummary> {
  return runIngest({ ...options, lines, linesName: options.name ?? 'generator', sink: options.sink ?? 'local' });
}

/** Ingests files (paths or globs; gzip detected) into the local warehouse, resuming from checkpoints. */
export async function ingestFiles(files: string[], options: { warehouse: string } & Omit<IngestOptions, 'inputs'>): Promise<IngestSummary> {
  return runIngest({ ...options, inputs: files });
}
