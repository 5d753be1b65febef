/**
 * The one error type for failures a user can act on. `main()` prints its
 * message as a single line (no stack trace) and exits with `exitCode`.
 */
export class LogflowError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'LogflowError';
    this.exitCode = exitCode;
  }
}

/** Exit code for wrong usage (unknown flag, bad value), as in sysexits' EX_USAGE spirit. */
export const USAGE = 2;

export function usageError(message: string): LogflowError {
  return new LogflowError(message, USAGE);
}
