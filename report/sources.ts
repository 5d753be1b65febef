import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { shortPath } from './paths.ts';
import { buildReportData } from './data.ts';
import { renderReport } from './html.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { readProjectConfig } from '../warehouse/project.ts';
import { LogflowError } from '../core/errors.ts';
import { spelling, type ReportSource, type Row, type Spelling } from './source.ts';

/** Only the parameters a query text names (both engines reject unknown ones). */
export function usedParams(sql: string, params: Record<string, string | number>, sigil: '$' | '@'): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => new RegExp(`\\${sigil}${k}\\b`).test(sql)));
}

/** Plain JS values: BigInt to number, everything else as DuckDB's JS conversion gives it. */
function plain(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? Number(v) : v;
  return out;
}

/** A report source over an open DuckDB connection (the demo's, or serve's own). */
export function connectionSource(connection: DuckDBConnection, label: string): ReportSource {
  return {
    engine: 'duckdb',
    label,
    async query(sql, params) {
      try {
        const reader = await connection.runAndReadAll(sql, usedParams(sql, params, '$') as Record<string, string>);
        return reader.getRowObjectsJS().map((r) => plain(r as Record<string, unknown>));
      } catch (error) {
        const message = (error as Error).message.split('\n')[0] ?? '';
        if (/does not exist/i.test(message)) throw new LogflowError(`${message}; run logflow transform first to build the output tables`);
        throw new LogflowError(`report query failed: ${message}`);
      }
    },
    close: () => undefined,
  };
}

/** The local warehouse, opened read-only (the report never writes). */
export async function localSource(path: string): Promise<{ source: ReportSource; spelling: Spelling }> {
  const warehouse = await openWarehouse(path, { readOnly: true });
  const source = { ...connectionSource(warehouse.connection, `local warehouse ${shortPath(path)}`), close: () => warehouse.close() };
  return { source, spelling: localSpelling() };
}

/** The report queries' DuckDB spelling for the local warehouse. */
export function localSpelling(): Spelling {
  return spelling('duckdb', readProjectConfig().schema);
}

/**
 * Writes the report of a local warehouse through an open connection; returns a one-line
 * summary (path, size, dates).
 */
export async function writeLocalReport(connection: DuckDBConnection, warehousePath: string, out: string): Promise<string> {
  const started = performance.now();
  const data = await buildReportData(connectionSource(connection, `local warehouse ${shortPath(warehousePath)}`), localSpelling(), {});
  const html = renderReport(data);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, html);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  return `${shortPath(out)} (${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB, ${data.meta.from} to ${data.meta.to}, written in ${seconds} s)`;
}
