import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from '../core/errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a subcommand's flags strictly. Unknown flags and missing values become
 * one-line usage errors naming the command and pointing at `--help`.
 */
export function parseFlags<T extends Options>(command: string, argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({
      args: joinNegativeValues(argv, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw usageError(`${message} (see: logflow ${command} --help)`);
  }
}

/**
 * `--flag -1` as `--flag=-1` for flags that take a value, so that a negative number reaches the
 * flag's own check ("--batch-lines must be between 1 and ...") instead of node's "argument is
 * ambiguous". Only numbers are joined: `--flag -x` stays an error about a missing value.
 */
export function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** Parses a flag value as an integer within [min, max], or throws a usage error naming the flag. */
export function intFlag(
  command: string,
  flag: string,
  value: string | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value.trim())) throw usageError(`--${flag} must be a whole number, got '${value}' (see: logflow ${command} --help)`);
  const n = Number(value);
  if (n < min || n > max) throw usageError(`--${flag} must be between ${min} and ${max}, got ${n} (see: logflow ${command} --help)`);
  return n;
}

/** Parses a flag value as a finite number within [min, max]. */
export function numberFlag(
  command: string,
  flag: string,
  value: string | undefined,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw usageError(`--${flag} must be a number, got '${value}' (see: logflow ${command} --help)`);
  if (n < min || n > max) throw usageError(`--${flag} must be between ${min} and ${max}, got ${n} (see: logflow ${command} --help)`);
  return n;
}

/** Parses `--vars k=v,k2=v2` (as `dataform --vars`). */
export function parseVars(command: string, text: string | undefined): Record<string, string> {
  if (!text) return {};
  const vars: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--vars takes key=value pairs separated by commas, got '${pair}' (see: logflow ${command} --help)`);
    vars[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return vars;
}

/** Where a command works: BigQuery (production) or the local DuckDB warehouse. */
export type Target = 'bigquery' | 'local';

/** Help text for `--target`, the same in every command that takes it. */
export const TARGET_HELP = 'bigquery or local (duckdb is a synonym of local)';

/** Parses `--target`: bigquery, local, or duckdb (a synonym of local). */
export function targetFlag(command: string, value: string | undefined, fallback: Target): Target {
  if (value === undefined) return fallback;
  if (value === 'bigquery') return 'bigquery';
  if (value === 'local' || value === 'duckdb') return 'local';
  throw usageError(`--target must be ${TARGET_HELP}, got '${value}' (see: logflow ${command} --help)`);
}
