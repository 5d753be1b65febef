import type { DuckDBConnection } from '@duckdb/node-api';
import { ident } from '../warehouse/duckdb.ts';
import { ipKey } from '../functions/ip-key.ts';
import { REF_DATASET, TABLES } from './load.ts';
import { GEO } from './ranges.ts';

export interface IpLocation {
  ip: string;
  ipKey: string | null;
  countryCode: string | null;
  asn: string | null;
  asOrg: string | null;
  region: string | null;
  city: string | null;
  ipScope: string | null;
}

/**
 * Looks addresses up in the local reference tables with the same SQL the models use
 * (includes/geo.js). Addresses go in through the appender, never into the SQL text.
 */
export async function lookupIps(connection: DuckDBConnection, ips: readonly string[], dataset = REF_DATASET): Promise<IpLocation[]> {
  await connection.run('create or replace temp table logflow_geo_lookup_input (ip_key varchar)');
  const appender = await connection.createAppender('logflow_geo_lookup_input', 'main', 'temp');
  const keys = ips.map((ip) => ipKey(ip));
  for (const key of keys) {
    if (key === null) appender.appendNull();
    else appender.appendVarchar(key);
    appender.endRow();
  }
  appender.closeSync();
  // region and city come from ip_city_ranges when it exists (every warehouse `logflow run` or
  // `logflow geo load` prepared has it); a read-only lookup cannot create it.
  const cityTable = await connection.runAndReadAll(
    `select count(*) from duckdb_tables() where database_name = current_database() and schema_name = $schema and table_name = $table`,
    { schema: dataset, table: TABLES.city },
  );
  const hasCity = Number(cityTable.getRows()[0]?.[0] ?? 0) > 0;
  const sql = GEO.ipLocationsSql({
    ipKeys: 'temp.main.logflow_geo_lookup_input',
    countryRanges: `${ident(dataset)}.${ident(TABLES.country)}`,
    asnRanges: `${ident(dataset)}.${ident(TABLES.asn)}`,
    ...(hasCity ? { cityRanges: `${ident(dataset)}.${ident(TABLES.city)}` } : {}),
  });
  const reader = await connection.runAndReadAll(sql);
  const byKey = new Map(reader.getRowObjectsJson().map((row) => [String(row.ip_key), row]));
  await connection.run('drop table if exists temp.main.logflow_geo_lookup_input');
  return ips.map((ip, i) => {
    const row = keys[i] ? byKey.get(keys[i]!) : undefined;
    return {
      ip,
      ipKey: keys[i] ?? null,
      countryCode: row ? String(row.country_code) : null,
      asn: row?.asn == null ? null : String(row.asn),
      asOrg: row?.as_org == null ? null : String(row.as_org),
      region: row?.region == null ? null : String(row.region),
      city: row?.city == null ? null : String(row.city),
      ipScope: row ? String(row.ip_scope) : null,
    };
  });
}
