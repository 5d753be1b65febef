import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogflowError } from '../core/errors.ts';

/** The repository root: the Dataform project that ships with logflow. */
export const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface ProjectConfig {
  /** GCP project id in dataform.json; locally the DuckDB catalog name the warehouse is attached as. */
  database: string;
  schema: string;
  assertionSchema: string;
  location: string;
  vars: Record<string, string>;
}

/** Reads dataform.json once. */
export function readProjectConfig(projectDir = PROJECT_DIR): ProjectConfig {
  const file = join(projectDir, 'dataform.json');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new LogflowError(`cannot read ${file}: ${(error as Error).message}; is this a logflow checkout?`);
  }
  return {
    database: String(json.defaultDatabase ?? 'your-gcp-project'),
    schema: String(json.defaultSchema ?? 'logflow'),
    assertionSchema: String(json.assertionSchema ?? 'logflow_assertions'),
    location: String(json.defaultLocation ?? 'US'),
    vars: Object.fromEntries(Object.entries((json.vars ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
  };
}

/** Where the local warehouse lives: --warehouse, then LOGFLOW_WAREHOUSE, then .logflow/warehouse.duckdb. */
export function warehousePath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.LOGFLOW_WAREHOUSE ?? join(process.cwd(), '.logflow', 'warehouse.duckdb'));
}
