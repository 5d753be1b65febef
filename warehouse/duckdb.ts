import { mkdirSync, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LogflowError } from '../core/errors.ts';
import { readProjectConfig } from './project.ts';
import { ident, literal } from './sql.ts';

/** An open local warehouse: one DuckDB file attached under the GCP project id. */
export interface Warehouse {
  connection: DuckDBConnection;
  /** The catalog the file is attached as (dataform.json's defaultDatabase). */
  catalog: string;
  path: string;
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
    mkdirSync(dirname(path), { recursive: true });
  }
  const instance = await DuckDBInstance.create(':memory:', {
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
    const message = (error as Error).message.split('\n')[0] ?? '';
    if (/lock/i.test(message)) {
      throw new LogflowError(`warehouse ${path} is in use by another logflow process; wait for it to finish (DuckDB allows one writer)`);
    }
    throw new LogflowError(`cannot open warehouse ${path}: ${message}. If the file is corrupt, delete it and rebuild with \`npm run demo\``);
  }
  return {
    connection,
    catalog,
    path,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
