import { randomUUID } from 'node:crypto';
import { compileProject } from '../../warehouse/compile.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { runGraph, type RunOptions, type RunSummary } from '../../warehouse/executor.ts';
import { LOCAL_SUBSCRIPTION } from '../../pipeline/landing.ts';
import { prepareWarehouse } from '../../pipeline/prepare.ts';

/** A landed line for tests: text or raw bytes, with optional attribute and delivery overrides. */
export interface TestLine {
  data: string | Uint8Array;
  publishTime?: Date;
  messageId?: string;
  attributes?: Record<string, string>;
}

/** An in-memory warehouse with the landing table and the local JS functions, as `logflow transform` sets it up. */
export async function testWarehouse(): Promise<Warehouse> {
  const wh = await openWarehouse(':memory:');
  await prepareWarehouse(wh.connection, compileProject({ warehouse: 'duckdb' }));
  return wh;
}

/**
 * Lands lines in logflow_raw.landing with ingester-like attributes (source `test`, byte offsets
 * from the line index unless given). Values are bound parameters, never SQL text.
 */
export async function landLines(
  wh: Warehouse,
  lines: (string | TestLine)[],
  defaults: { source?: string; publishTime?: Date; format?: string } = {},
): Promise<void> {
  const source = defaults.source ?? 'test';
  const base = (defaults.publishTime ?? new Date('2026-11-01T00:00:00Z')).getTime();
  let offset = 0;
  for (const [i, item] of lines.entries()) {
    const line: TestLine = typeof item === 'string' ? { data: item } : item;
    const bytes = typeof line.data === 'string' ? Buffer.from(line.data, 'utf8') : Buffer.from(line.data);
    const attributes = {
      source,
      source_id: `${source}-id`,
      line_number: String(i + 1),
      byte_offset: String(offset),
      format: defaults.format ?? 'combined',
      ingest_host: 'test-host',
      idempotency_key: `${source}-id:${offset}`,
      ...line.attributes,
    };
    offset += bytes.length + 1;
    const publish = line.publishTime ?? new Date(base + i);
    await wh.connection.run(
      `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes) values ($1, $2, $3::timestamptz, unhex($4), $5::json)`,
      [LOCAL_SUBSCRIPTION, line.messageId ?? randomUUID(), publish.toISOString(), bytes.toString('hex'), JSON.stringify(attributes)],
    );
  }
}

/** Compiles the real project for DuckDB (with var overrides) and runs it on the warehouse. */
export async function runModels(wh: Warehouse, options: RunOptions & { vars?: Record<string, string> } = {}): Promise<RunSummary> {
  const graph = compileProject({ warehouse: 'duckdb', vars: options.vars });
  // As `logflow transform` runs it: independent actions at once, each on its own connection.
  const summary = await runGraph(wh.connection, graph, { connect: () => wh.connect(), ...options });
  if (!summary.ok) {
    const failed = summary.results.filter((r) => r.status === 'failed');
    throw new Error(`model run failed: ${failed.map((r) => `${r.name}: ${r.error}`).join('; ')}`);
  }
  return summary;
}

/** Rows of a query as JSON-friendly objects. */
export async function queryRows(wh: Warehouse, sql: string): Promise<Record<string, unknown>[]> {
  return (await wh.connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}
