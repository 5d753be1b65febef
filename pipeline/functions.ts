import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Registers the JavaScript scalar functions the DuckDB spelling of the dialect layer calls
 * (user-agent parsing, IP keys, lossy UTF-8 decoding, BigQuery's JSON validity), from functions/.
 */
export async function registerFunctions(connection: DuckDBConnection): Promise<void> {
  const { registerLocalFunctions } = await import('../functions/duckdb.ts');
  await registerLocalFunctions(connection);
}
