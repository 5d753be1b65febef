import { existsSync } from 'node:fs';
import type { Command } from '../command.ts';
import { parseFlags, TARGET_HELP, targetFlag } from '../args.ts';
import { LogflowError, usageError } from '../../core/errors.ts';
import { readProjectConfig, warehousePath } from '../../warehouse/project.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import {
  defaultFiles,
  describeFile,
  ensureGeoTables,
  loadIntoDuckDB,
  pathOf,
  REF_DATASET,
  TABLES,
  type LoadResult,
  type RangeFile,
} from '../../geo/load.ts';
import type { RangeKind } from '../../geo/ranges.ts';

const help = `logflow geo: IP-to-location reference tables (country, autonomous system, region and city)

Usage:
  logflow geo load [options]                 load the reference tables
  logflow geo lookup [--warehouse PATH] IP... look addresses up in the local tables

Writes these tables to dataset ${REF_DATASET} (the models join them on the request's IP key):
  ${TABLES.country}  bucket, start_key, end_key, country_code
  ${TABLES.asn}      bucket, start_key, end_key, asn, as_org
  ${TABLES.city}     bucket, start_key, end_key, country_code, region, city (only from
                     --city-csv or --city-mmdb; logflow ships no city data, so it stays
                     empty otherwise)
A load replaces each table whole; a bad file leaves the previous table in place.

Data (default: the demo data shipped with logflow as npm packages, both IPv4 and IPv6:
GeoLite2 Country by MaxMind, CC BY-SA 4.0 / GeoLite2 EULA, and ASN data by RouteViews and
DB-IP, CC BY 4.0; see README for the attribution you must show with results):
  --country-csv FILE  your own country ranges instead (repeatable). Columns, no header needed
                      (a first line whose first field is not an address is skipped):
                        start,end,country_code
                      start/end: first and last address of the range, inclusive, IPv4 or
                      IPv6 text (e.g. 1.0.4.0,1.0.7.255,AU or 2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP);
                      country_code: ISO 3166-1 alpha-2. Quote fields with commas ("...").
  --asn-csv FILE      your own AS ranges instead (repeatable). Columns:
                        start,end,asn,org
                      asn: the AS number (15169 or AS15169); org: its name (may be empty).
  --city-csv FILE     a city database of your own (repeatable): fills ${TABLES.city}, so
                      ip_locations gets region and city (NULL without it). Columns:
                        start,end,country_code,region,city
                      region: first-level subdivision (e.g. California), city: city name;
                      either may be empty. Country still comes from the country ranges.
  --city-mmdb FILE    a city database in MaxMind DB format (repeatable; may be combined with
                      --city-csv): GeoLite2-City or DB-IP Lite city (.mmdb), IPv4 and IPv6.
                      Every network of the file becomes a range of ${TABLES.city}, with
                      the English names of its first subdivision (region) and city;
                      networks naming neither are left out, adjacent networks with the same
                      names are merged, and the aliases of the IPv4 space in IPv6 trees
                      (::ffff:0:0/96, 2001::/32, 2002::/16) are listed once, as IPv4
                      (IPv4-mapped addresses find them; 6to4 and Teredo addresses do not).
  --only KIND         load only country, asn or city (default: country and asn, plus city
                      when --city-csv or --city-mmdb is given)

Target:
  --target T          ${TARGET_HELP} (default local)
  --warehouse PATH    local: the warehouse file (default $LOGFLOW_WAREHOUSE, else
                      .logflow/warehouse.duckdb)
  --project P         bigquery: GCP project id (required with --target bigquery)
  --dataset D         bigquery: dataset (default ${REF_DATASET}; the Dataform declarations in
                      definitions/sources/ip_*.sqlx expect ${REF_DATASET})
  --location L        bigquery: dataset location when it is created (default: dataform.json's
                      defaultLocation)
BigQuery uses Application Default Credentials: run \`gcloud auth application-default login\`
first. Rows are written to a temporary newline-delimited JSON file and loaded with one load
job per table (WRITE_TRUNCATE, clustered by bucket).

Lookup output (one line per address): ip, ip_key, country_code ('ZZ' when no range covers it),
asn, as_org, region, city (NULL when no city range covers it), ip_scope (public, private,
shared, loopback, link_local, unspecified, multicast, documentation, reserved); an
unparseable address prints ip_key NULL.

Exit status: 0 on success, 1 on a bad file or a failed load (one line naming the file and
line, or the table), 2 on bad usage.`;

export const command: Command = {
  name: 'geo',
  help,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'load') return load(rest);
    if (sub === 'lookup') return lookup(rest);
    throw usageError(`expected a subcommand: load or lookup, got ${sub === undefined ? 'nothing' : `'${sub}'`} (see: logflow geo --help)`);
  },
};

function kindsToLoad(only: string | undefined, withCity: boolean): RangeKind[] {
  if (only === undefined) return withCity ? ['country', 'asn', 'city'] : ['country', 'asn'];
  if (only === 'city' && !withCity)
    throw usageError('--only city needs --city-csv FILE or --city-mmdb FILE: logflow ships no city data (see: logflow geo --help)');
  if (only === 'country' || only === 'asn' || only === 'city') return [only];
  throw usageError(`--only must be country, asn or city, got '${only}' (see: logflow geo --help)`);
}

function report(result: LoadResult, seconds: number): void {
  process.stdout.write(`${result.table}: ${result.ranges} ranges (${result.rows} rows) in ${seconds.toFixed(1)} s\n`);
}

async function load(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    'geo',
    argv,
    {
      'country-csv': { type: 'string', multiple: true },
      'asn-csv': { type: 'string', multiple: true },
      'city-csv': { type: 'string', multiple: true },
      'city-mmdb': { type: 'string', multiple: true },
      only: { type: 'string' },
      target: { type: 'string' },
      warehouse: { type: 'string' },
      project: { type: 'string' },
      dataset: { type: 'string' },
      location: { type: 'string' },
    },
    true,
  );
  if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}' (see: logflow geo --help)`);
  const target = targetFlag('geo', values.target, 'local');
  const cityMmdb = (values['city-mmdb'] ?? []).map((mmdb): RangeFile => ({ mmdb }));
  const kinds = kindsToLoad(values.only, (values['city-csv'] ?? []).length + cityMmdb.length > 0);
  const files = (kind: RangeKind): RangeFile[] => {
    const own: RangeFile[] = [...(values[`${kind}-csv`] ?? []), ...(kind === 'city' ? cityMmdb : [])];
    return own.length > 0 ? own : defaultFiles(kind);
  };
  // Every file is checked before anything loads: a mistyped last file must not leave the first tables replaced.
  for (const kind of kinds) {
    for (const file of files(kind)) if (!existsSync(pathOf(file))) throw new LogflowError(`${describeFile(kind, file)} does not exist`);
  }

  if (target === 'local') {
    for (const flag of ['project', 'dataset', 'location'] as const) {
      if (values[flag] !== undefined) throw usageError(`--${flag} is only for --target bigquery (see: logflow geo --help)`);
    }
    const warehouse = await openWarehouse(warehousePath(values.warehouse));
    try {
      await ensureGeoTables(warehouse.connection);
      for (const kind of kinds) {
        const started = performance.now();
        report(await loadIntoDuckDB(warehouse.connection, kind, files(kind)), (performance.now() - started) / 1000);
      }
    } finally {
      warehouse.close();
    }
    return 0;
  }

  if (values.warehouse !== undefined) throw usageError('--warehouse is only for --target local (see: logflow geo --help)');
  if (!values.project) throw usageError('--project P is required with --target bigquery (see: logflow geo --help)');
  const dataset = values.dataset ?? REF_DATASET;
  if (!/^[A-Za-z0-9_]{1,1024}$/.test(dataset)) throw usageError(`--dataset must be letters, digits and underscores, got '${dataset}'`);
  const { bigQueryClient, checkCredentials, ensureBigQueryTable, ensureDataset, loadIntoBigQuery } = await import('../../geo/bigquery.ts');
  const bq = { projectId: values.project, dataset, location: values.location ?? readProjectConfig().location };
  const client = bigQueryClient(bq);
  await checkCredentials(client);
  await ensureDataset(client, bq);
  for (const kind of kinds) {
    const started = performance.now();
    report(await loadIntoBigQuery(client, bq, kind, files(kind)), (performance.now() - started) / 1000);
  }
  // the models read ip_city_ranges even when no city database was ever loaded
  if (!kinds.includes('city')) await ensureBigQueryTable(client, bq, 'city');
  return 0;
}

async function lookup(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('geo', argv, { warehouse: { type: 'string' } }, true);
  if (positionals.length === 0) throw usageError('geo lookup needs at least one IP address (see: logflow geo --help)');
  const { lookupIps } = await import('../../geo/lookup.ts');
  const warehouse = await openWarehouse(warehousePath(values.warehouse), { readOnly: true });
  try {
    const rows = await lookupIps(warehouse.connection, positionals);
    for (const row of rows) {
      process.stdout.write(
        [
          row.ip,
          row.ipKey ?? 'NULL',
          row.countryCode ?? 'NULL',
          row.asn ?? 'NULL',
          row.asOrg ?? 'NULL',
          row.region ?? 'NULL',
          row.city ?? 'NULL',
          row.ipScope ?? 'NULL',
        ].join('\t') + '\n',
      );
    }
  } catch (error) {
    if (error instanceof LogflowError) throw error;
    const message = (error as Error).message.split('\n')[0] ?? '';
    if (/does not exist/i.test(message))
      throw new LogflowError(`the reference tables are missing in ${warehouse.path}; run \`logflow geo load\` first`);
    throw error;
  } finally {
    warehouse.close();
  }
  return 0;
}
