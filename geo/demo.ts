import type { Warehouse } from '../warehouse/duckdb.ts';
import { defaultFiles, loadIntoDuckDB } from './load.ts';

/**
 * Loads the bundled demo reference data (GeoLite2 country, RouteViews/DB-IP ASN) into an open
 * local warehouse, as `logflow geo load` does, and returns a one-line summary.
 */
export async function loadDemoReferenceData(warehouse: Warehouse): Promise<string> {
  const started = performance.now();
  const country = await loadIntoDuckDB(warehouse.connection, 'country', defaultFiles('country'));
  const asn = await loadIntoDuckDB(warehouse.connection, 'asn', defaultFiles('asn'));
  const seconds = (performance.now() - started) / 1000;
  return `${country.ranges.toLocaleString('en')} country ranges and ${asn.ranges.toLocaleString('en')} AS ranges in ${seconds.toFixed(1)} s`;
}
