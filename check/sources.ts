import { GEO_SOURCE_COLUMNS } from '../geo/load.ts';
import { LANDING_ARRIVAL, LANDING_COLUMNS, LANDING_DATASET, LANDING_TABLE } from '../pipeline/landing.ts';
import type { Column } from './catalog.ts';

/**
 * Column types of the declared sources, keyed by `dataset.table` (the project id comes from
 * the declaration). Dataform's compiled graph carries no column types for declarations, so the
 * check takes them from here: the landing table's columns are fixed by the Pub/Sub BigQuery
 * subscription (pipeline/landing.ts) and the IP reference tables' by the loader that creates
 * them (geo/load.ts). Owners of new sources export their columns, with BigQuery type
 * names, next to the code that creates the table, and add them here.
 * A declaration missing from this registry is reported as a problem by `logflow check`.
 */
export const SOURCE_COLUMNS: Record<string, Column[]> = {
  [`${LANDING_DATASET}.${LANDING_TABLE}`]: [
    ...LANDING_COLUMNS.map((c) => ({ name: c.name, type: c.bigquery })),
    // Ingestion-time partitioning: BigQuery's pseudo-column (a real column in the local DuckDB landing).
    { name: LANDING_ARRIVAL, type: 'TIMESTAMP', pseudo: true },
  ],
  ...GEO_SOURCE_COLUMNS,
};

/** Partition column of the declared sources that are partitioned, keyed by `dataset.table` (lower case). */
export const SOURCE_PARTITIONS: Record<string, string> = {
  [`${LANDING_DATASET}.${LANDING_TABLE}`]: LANDING_ARRIVAL,
};
