/**
 * The one error type for failures a user can act on. `main()` prints its
 * message as a single line (no stack trace) and exits with `exitCode`.
 */
export class LogflowError extends Error {
  readonly exitCode: number;
  /**
   * Names of the library options the problem is about (e.g. `topic`, `warehouse`), so that a
   * front end can say which of its own inputs to change. Libraries describe the problem in their
   * own terms and never name a command-line flag; the CLI maps these names to flags.
   */
  readonly options: readonly string[];

  constructor(message: string, exitCode = 1, options: readonly string[] = []) {
    super(message);
    this.name = 'LogflowError';
    this.exitCode = exitCode;
    this.options = options;
  }
}

/** Exit code for wrong usage (unknown flag, bad value), as in sysexits' EX_USAGE spirit. */
export const USAGE = 2;

export function usageError(message: string): LogflowError {
  return new LogflowError(message, USAGE);
}
