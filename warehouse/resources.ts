import { LogflowError } from '../core/errors.ts';
import type { Warehouse } from './duckdb.ts';
import { literal } from './sql.ts';

/**
 * DuckDB's memory limit and spill folder for a local run, set deliberately rather than left to
 * DuckDB's defaults: 80% of the machine's RAM (a 10M-line build on a shared laptop would take
 * what it likes), and, because the warehouse file is ATTACHed to an in-memory instance, spill
 * files in `.tmp` under whatever folder the command was started from. Here the limit defaults to
 * DEFAULT_MEMORY_LIMIT and the spill folder sits beside the warehouse file (`<warehouse>.tmp`,
 * DuckDB's own default for a database file); DuckDB spills what does not fit (sorts, joins,
 * aggregates) there and removes its files when it closes. Flag > environment > default.
 *
 * 640MB: a first build of 1M lines on a quiet machine (session 7, after the narrower
 * int_requests_sessionized and the cached geo load) peaked at 0.93-0.95 GB RSS against 1.05-1.09 GB
 * at 768MB, in the same time (33.2/33.4 s wall, 60.4/60.4 CPU s against 32.5/35.0 s, 59.0/62.0);
 * 576MB peaked no lower (0.92 GB) and took 37.2 s. (Earlier, on a busy machine: 1GB 1.22-1.25 GB,
 * 768MB 0.93-0.98 GB.) The rest of the peak is Node, the compiled graph and the allocator.
 */
export const DEFAULT_MEMORY_LIMIT = '640MB';
export const MEMORY_LIMIT_ENV = 'LOGFLOW_MEMORY_LIMIT';
export const TEMP_DIRECTORY_ENV = 'LOGFLOW_TEMP_DIRECTORY';

export interface ResourceLimits {
  memoryLimit: string;
  tempDirectory: string;
}

const SIZE = /^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i;

/** The limits for a run on `warehousePath`, from flags, then the environment, then the defaults. */
export function resourceLimits(
  warehousePath: string,
  flags: { memoryLimit?: string; tempDirectory?: string },
  env: NodeJS.ProcessEnv = process.env,
  defaultMemoryLimit = DEFAULT_MEMORY_LIMIT,
): ResourceLimits {
  const memoryLimit = flags.memoryLimit ?? (env[MEMORY_LIMIT_ENV] || defaultMemoryLimit);
  if (!SIZE.test(memoryLimit)) {
    const from = flags.memoryLimit !== undefined ? '--memory-limit' : MEMORY_LIMIT_ENV;
    throw new LogflowError(`${from} '${memoryLimit}' is not a size; give a number and a unit, e.g. 1GB or 512MB`, 2, ['memory-limit']);
  }
  const tempDirectory =
    flags.tempDirectory ?? (env[TEMP_DIRECTORY_ENV] || (warehousePath === ':memory:' ? '.logflow/tmp' : `${warehousePath}.tmp`));
  return { memoryLimit: memoryLimit.replace(/\s+/g, ''), tempDirectory };
}

/** Applies the limits to the warehouse's DuckDB instance. */
export async function applyResourceLimits(warehouse: Warehouse, limits: ResourceLimits): Promise<void> {
  try {
    await warehouse.connection.run(`set memory_limit = ${literal(limits.memoryLimit)}`);
    await warehouse.connection.run(`set temp_directory = ${literal(limits.tempDirectory)}`);
  } catch (error) {
    throw new LogflowError(
      `cannot set DuckDB's memory limit ${limits.memoryLimit} or spill folder ${limits.tempDirectory}: ${(error as Error).message.split('\n')[0]}`,
      2,
      ['memory-limit', 'temp-directory'],
    );
  }
}
