import type { DuckDBConnection } from '@duckdb/node-api';
import { ensureGeoTables, TABLES } from '../geo/load.ts';
import type { CompiledGraph } from '../warehouse/graph.ts';
import { registerFunctions } from './functions.ts';
import { ensureLanding, LANDING_DATASET, LANDING_TABLE } from './landing.ts';

const REF_DATASET = 'logflow_ref';

/**
 * Creates the sources logflow itself owns when the graph declares them and they are missing:
 * an empty landing table (nothing ingested yet) and empty reference tables (no `geo load`
 * yet: every address then maps to 'ZZ'). Returns hints for the user about empty sources.
 */
export async function ensureLocalSources(connection: DuckDBConnection, graph: CompiledGraph): Promise<string[]> {
  const declared = (schema: string, name?: string) =>
    (graph.declarations ?? []).some((d) => d.target.schema === schema && (name === undefined || d.target.name === name));
  const hints: string[] = [];
  if (declared(LANDING_DATASET, LANDING_TABLE)) await ensureLanding(connection);
  if (declared(REF_DATASET)) {
    await ensureGeoTables(connection);
    const rows = (await connection.runAndReadAll(`select count(*) from ${REF_DATASET}.${TABLES.country}`)).getRows()[0]?.[0];
    if (Number(rows ?? 0) === 0)
      hints.push(
        'note: logflow_ref is empty, so every address maps to country ZZ; run `logflow geo load` to load IP-to-country and ASN ranges',
      );
  }
  return hints;
}

/**
 * Everything a local run needs before the graph runs: the JavaScript functions the DuckDB
 * dialect calls, and the sources logflow owns. Returns hints about empty sources.
 */
export async function prepareWarehouse(connection: DuckDBConnection, graph: CompiledGraph): Promise<string[]> {
  await registerFunctions(connection);
  return ensureLocalSources(connection, graph);
}
