/**
 * A `logflow` subcommand. `help` is printed for `--help`; `run` returns the exit code. Its
 * one-line summary lives in cli/main.ts's command table, which lists commands without loading them.
 */
export interface Command {
  name: string;
  help: string;
  /**
   * Flags for library option names (LogflowError.options) whose flag is not the kebab-case of
   * the name, e.g. `{ warehouse: '--warehouse or LOGFLOW_WAREHOUSE' }`.
   */
  flags?: Record<string, string>;
  run(argv: string[]): Promise<number>;
}
