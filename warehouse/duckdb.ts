import { mkdirSync, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbApi } from './duckdb-api.ts';
import { LogflowError } from '../core/errors.ts';
import { readProjectConfig } from './project.ts';
import { ident, literal } from './sql.ts';

/** An open local warehouse: one DuckDB file attached under the GCP project id. */
export interface Warehouse {
  connection: DuckDBConnection;
  /** The catalog the file is attached as (dataform.json's defaultDatabase). */
  catalog: string;
  path: string;
  /**
   * Another connection to the same database, the catalog in use as on `connection` (settings, the
   * attached file and registered functions are shared; variables, temp tables and transactions are
   * its own). The caller closes it (disconnectSync) before close().
   */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

export { ident, literal } from './sql.ts';

/**
 * Opens (creating if needed) the warehouse file, attached as the project id so that the
 * three-part names Dataform compiles (`project.dataset.table`) resolve; UTC session time
 * zone; no extension downloads.
 */
export async function openWarehouse(path: string, options: { catalog?: string; readOnly?: boolean } = {}): Promise<Warehouse> {
  const catalog = options.catalog ?? readProjectConfig().database;
  if (path !== ':memory:') {
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new LogflowError(`warehouse ${path} is a directory, not a DuckDB file; give the path of a file`, 1, ['warehouse']);
    }
    if (options.readOnly && !existsSync(path)) {
      throw new LogflowError(`warehouse ${path} does not exist yet; run \`npm run demo\` (or logflow ingest + logflow transform) first`);
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new LogflowError(
        `cannot create the folder ${dirname(path)} for warehouse ${path}: ${e.code ?? e.message}${e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' ? ' (no permission)' : ''}; pass a path in a folder you can write with --warehouse or LOGFLOW_WAREHOUSE`,
      );
    }
  }
  const instance = await duckdbApi.DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  try {
    // icu is linked in statically but must be loaded before TimeZone can be set.
    await connection.run(`load icu; set global TimeZone = 'UTC'`);
    const mode = options.readOnly ? ' (READ_ONLY)' : '';
    await connection.run(`attach ${literal(path)} as ${ident(catalog)}${mode}`);
    await connection.run(`use ${ident(catalog)}`);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw warehouseError(path, error, 'open');
  }
  return {
    connection,
    catalog,
    path,
    async connect() {
      const other = await instance.connect();
      try {
        await other.run(`use ${ident(catalog)}`);
      } catch (error) {
        other.closeSync();
        throw warehouseError(path, error, 'open');
      }
      return other;
    },
    close() {
      try {
        connection.closeSync();
        instance.closeSync();
      } catch (error) {
        throw warehouseError(path, error, 'close');
      }
    },
  };
}

/**
 * A DuckDB failure on the warehouse file as one line that says what to do: another process
 * holds it, the user may not read or write it, or the file is damaged (DuckDB found a block whose
 * checksum does not match). Errors that are already LogflowErrors pass through.
 * @param action what logflow was doing: 'open', 'close', 'write' or 'read'
 */
export function warehouseError(path: string, error: unknown, action: 'open' | 'close' | 'write' | 'read'): LogflowError {
  if (error instanceof LogflowError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  if (/Could not set lock|Conflicting lock|lock on file/i.test(message)) {
    return new LogflowError(`warehouse ${path} is in use by another logflow process; wait for it to finish (DuckDB allows one writer)`);
  }
  if (/permission denied|EACCES|EPERM|read-only file system|EROFS/i.test(message)) {
    return new LogflowError(
      `cannot ${action === 'read' ? 'read' : 'write'} warehouse ${path}: permission denied; run as a user who may ${action === 'read' ? 'read' : 'write'} the file and its folder (see ls -l), or pass another path with --warehouse`,
    );
  }
  if (/corrupt|checksum|not a valid DuckDB database|invalid database file/i.test(message)) {
    return new LogflowError(
      `warehouse ${path} is damaged (${message.replace(/^IO Error: /, '')}); restore it from a backup, or move it aside and rebuild it (logflow ingest from the logs again, then logflow transform; \`npm run demo\` for the demo)`,
    );
  }
  return new LogflowError(`cannot ${action} warehouse ${path}: ${message}`);
}
