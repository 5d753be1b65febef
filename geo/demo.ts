import { openWarehouse } from '../warehouse/duckdb.ts';
import { defaultFiles, loadIntoDuckDB } from './load.ts';

/**
 * Loads the bundled demo reference data (GeoLite2 country, RouteViews/DB-IP ASN) into the
 * local warehouse at `path`, as `logflow geo load` does, and returns a one-line summary.
 */
export async function loadDemoReferenceData(path: string): Promise<string> {
  const started = performance.now();
  const warehouse = await openWarehouse(path);
  try {
    const country = await loadIntoDuckDB(warehouse.connection, 'country', defaultFiles('country'));
    const asn = await loadIntoDuckDB(warehouse.connection, 'asn', defaultFiles('asn'));
    const seconds = (performance.now() - started) / 1000;
    return `${country.ranges.toLocaleString('en')} country ranges and ${asn.ranges.toLocaleString('en')} AS ranges in ${seconds.toFixed(1)} s`;
  } finally {
    warehouse.close();
  }
}
