import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { cacheDir, pruneEntries, removeEntry, touchEntry } from '../core/cache-files.ts';

/**
 * A cache of the bundled reference tables as built (bucket rows, one zstd Parquet file per kind),
 * so that a fresh warehouse copies them instead of parsing the CSV files and computing the keys and
 * buckets again: on the bundled 1.1M ranges that is about half of the autoload's CPU time. The
 * entry is keyed by everything the rows come from: the SQL that builds them (the code), and each
 * source file's path, size and modification time (the data; a new @ip-location-db version is a new
 * key). An entry is written aside and renamed, so a reader sees a whole file or none; a file that
 * cannot be read is removed and the rows are built from the CSV files again. The cache is an
 * optimisation: nothing fails when it cannot be written.
 */

/** Bump when the cached rows' layout changes in a way the SQL text does not show. */
const CACHE_FORMAT = 1;
/** Entries kept (the newest used): a few data or code versions side by side. */
const MAX_ENTRIES = 8;

/**
 * Where built reference tables are cached: $LOGFLOW_CACHE_DIR/geo, else $XDG_CACHE_HOME/logflow/geo,
 * else ~/.cache/logflow/geo; undefined (no cache) when $LOGFLOW_GEO_CACHE is `off`.
 */
export function geoCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return cacheDir('geo', 'LOGFLOW_GEO_CACHE', env);
}

/** The cache file of the rows `sql` builds from `files` (null when a file cannot be read). */
export function geoCacheFile(dir: string, kind: string, sql: string, files: readonly string[]): string | null {
  const hash = createHash('sha256').update(JSON.stringify({ format: CACHE_FORMAT, kind, sql }));
  for (const file of files) {
    try {
      const stat = statSync(file);
      hash.update(JSON.stringify([resolve(file), stat.size, stat.mtimeMs]));
    } catch {
      return null;
    }
  }
  return join(dir, `${kind}-${hash.digest('hex').slice(0, 32)}.parquet`);
}

/**
 * Fills `target` from the cache file when there is one: the rows inserted, or null (no entry). A
 * file DuckDB cannot read is removed; its one INSERT fails whole, so `target` stays empty.
 */
export async function readCached(connection: DuckDBConnection, file: string, target: string): Promise<number | null> {
  if (!existsSync(file)) return null;
  try {
    const inserted = await connection.run(`insert into ${target} select * from read_parquet($file)`, { file });
    touchEntry(file);
    return Number(inserted.rowsChanged);
  } catch {
    removeEntry(file);
    return null;
  }
}

/** Writes the rows of `target` to the cache file; never throws. */
export async function writeCached(connection: DuckDBConnection, dir: string, file: string, target: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    await connection.run(`copy ${target} to '${temp.replaceAll("'", "''")}' (format parquet, compression zstd)`);
    renameSync(temp, file);
    pruneEntries(dir, '.parquet', MAX_ENTRIES);
  } catch {
    // A read-only or full disk only costs the next fresh warehouse the build from the CSV files.
    removeEntry(temp);
  }
}
