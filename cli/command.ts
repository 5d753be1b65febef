/** A `logflow` subcommand. `help` is printed for `--help`; `run` returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  /**
   * Flags for library option names (LogflowError.options) whose flag is not the kebab-case of
   * the name, e.g. `{ warehouse: '--warehouse or LOGFLOW_WAREHOUSE' }`.
   */
  flags?: Record<string, string>;
  run(argv: string[]): Promise<number>;
}
