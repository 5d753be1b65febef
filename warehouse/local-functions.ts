import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Registers the JavaScript scalar functions the DuckDB spelling of the dialect layer calls
 * (user-agent parsing, IP keys, lossy UTF-8 decoding from enrich/; BigQuery's JSON validity).
 */
export async function registerFunctions(connection: DuckDBConnection): Promise<void> {
  const { registerLocalFunctions } = await import('../enrich/duckdb-functions.ts');
  await registerLocalFunctions(connection);
  const { registerJsonValid } = await import('./json-valid.ts');
  registerJsonValid(connection);
}
