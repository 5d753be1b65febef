import type { DuckDBConnection } from '@duckdb/node-api';
import { defaultFiles, loadIntoDuckDB, REF_DATASET, TABLES } from '../geo/load.ts';
import type { RangeKind } from '../geo/ranges.ts';
import type { CompiledGraph } from '../warehouse/graph.ts';
import { ident } from '../warehouse/sql.ts';
import { LogflowError } from '../core/errors.ts';

/**
 * First run on one's own log: when the graph reads the reference tables, they are empty, and
 * the bundled demo data (the @ip-location-db packages) is installed, loads it so that countries
 * and ASNs come out without an extra command. Returns the one line to show, or null when nothing
 * was loaded (tables already hold data, or no bundled data). A table holding data, e.g. the
 * user's own ranges from `logflow geo load`, is never replaced.
 */
export async function loadBundledReferenceIfEmpty(
  connection: DuckDBConnection,
  graph: CompiledGraph,
  bundledFiles: (kind: RangeKind) => string[] = defaultFiles,
): Promise<string | null> {
  if (!(graph.declarations ?? []).some((d) => d.target.schema === REF_DATASET)) return null;
  const started = performance.now();
  const loaded: string[] = [];
  for (const kind of ['country', 'asn'] as RangeKind[]) {
    const rows = await connection.runAndReadAll(`select count(*) from ${ident(REF_DATASET)}.${ident(TABLES[kind])}`).catch(() => null);
    if (rows === null || Number(rows.getRows()[0]?.[0] ?? 0) > 0) continue;
    let files: string[];
    try {
      files = bundledFiles(kind);
    } catch {
      continue; // the bundled data is not installed: the hint about empty tables stands
    }
    const result = await loadIntoDuckDB(connection, kind, files).catch((error: Error) => {
      if (error instanceof LogflowError) throw error;
      const what = error.message.split('\n')[0];
      const memory = /out of memory|could not allocate/i.test(error.message);
      throw new LogflowError(
        `loading the bundled ${kind === 'country' ? 'country' : 'ASN'} reference data into logflow_ref failed: ${what}` +
          (memory ? "; raise DuckDB's memory limit" : ''),
        1,
        memory ? ['memory-limit'] : [],
      );
    });
    loaded.push(`${result.ranges.toLocaleString('en')} ${kind === 'country' ? 'country' : 'AS'} ranges`);
  }
  if (loaded.length === 0) return null;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  return `note: logflow_ref was empty, so logflow loaded its bundled IP data (GeoLite2 country by MaxMind, ASN by RouteViews/DB-IP): ${loaded.join(' and ')} in ${seconds} s; replace it with your own via logflow geo load`;
}
