import { shortPath } from './paths.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { readProjectConfig } from '../warehouse/project.ts';
import { LogflowError } from '../cli/errors.ts';
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

/** The local warehouse, opened read-only (the report never writes). */
export async function localSource(path: string): Promise<{ source: ReportSource; spelling: Spelling }> {
  const config = readProjectConfig();
  const warehouse = await openWarehouse(path, { readOnly: true });
  const source: ReportSource = {
    engine: 'duckdb',
    label: `local warehouse ${shortPath(path)}`,
    async query(sql, params) {
      try {
        const reader = await warehouse.connection.runAndReadAll(sql, usedParams(sql, params, '$') as Record<string, string>);
        return reader.getRowObjectsJS().map((r) => plain(r as Record<string, unknown>));
      } catch (error) {
        const message = (error as Error).message.split('\n')[0] ?? '';
        if (/does not exist/i.test(message)) throw new LogflowError(`${message}; run logflow transform first to build the output tables`);
        throw new LogflowError(`report query failed: ${message}`);
      }
    },
    close: () => warehouse.close(),
  };
  return { source, spelling: spelling('duckdb', config.schema) };
}
