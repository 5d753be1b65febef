import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a subcommand's flags strictly. Unknown flags and missing values become
 * one-line usage errors naming the command and pointing at `--help`.
 */
export function parseFlags<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
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
export function intFlag(command: string, flag: string, value: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value.trim())) throw usageError(`--${flag} must be a whole number, got '${value}' (see: logflow ${command} --help)`);
  const n = Number(value);
  if (n < min || n > max) throw usageError(`--${flag} must be between ${min} and ${max}, got ${n} (see: logflow ${command} --help)`);
  return n;
}

/** Parses a flag value as a finite number within [min, max]. */
export function numberFlag(command: string, flag: string, value: string | undefined, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw usageError(`--${flag} must be a number, got '${value}' (see: logflow ${command} --help)`);
  if (n < min || n > max) throw usageError(`--${flag} must be between ${min} and ${max}, got ${n} (see: logflow ${command} --help)`);
  return n;
}
