/** A `logflow` subcommand. `help` is printed for `--help`; `run` returns the exit code. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}
