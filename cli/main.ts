import { LogflowError, USAGE } from '../core/errors.ts';
import type { Command } from './command.ts';

/** Subcommands and their one-line summaries (written only here), loaded lazily so `logflow query` does not pay for the generator or gRPC. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: { summary: 'run the whole local pipeline on a generated sample', load: async () => (await import('./commands/demo.ts')).command },
  generate: {
    summary: 'write synthetic access logs (with ground truth)',
    load: async () => (await import('./commands/generate.ts')).command,
  },
  ingest: {
    summary: 'deliver raw log lines to Pub/Sub or the local landing table',
    load: async () => (await import('./commands/ingest.ts')).command,
  },
  transform: {
    summary: 'run the Dataform graph on the local DuckDB warehouse',
    load: async () => (await import('./commands/transform.ts')).command,
  },
  compile: {
    summary: 'compile the Dataform project and print its actions or JSON',
    load: async () => (await import('./commands/compile.ts')).command,
  },
  query: { summary: 'run SQL on the local warehouse', load: async () => (await import('./commands/query.ts')).command },
  geo: {
    summary: 'load IP-to-location reference tables (country, ASN) into a warehouse',
    load: async () => (await import('./commands/geo.ts')).command,
  },
  check: { summary: 'analyse every BigQuery statement with ZetaSQL', load: async () => (await import('./commands/check.ts')).command },
  setup: {
    summary: 'create or verify the Google Cloud resources (Pub/Sub, BigQuery, Dataform schedule)',
    load: async () => (await import('./commands/setup.ts')).command,
  },
  load: {
    summary: 'backfill log files into the landing table with BigQuery load jobs (or locally)',
    load: async () => (await import('./commands/load.ts')).command,
  },
  status: {
    summary: 'one screen: is the pipeline healthy? (ingesters, subscription, landing, last run, outputs)',
    load: async () => (await import('./commands/status.ts')).command,
  },
  report: {
    summary: 'write the traffic report: one self-contained HTML file',
    load: async () => (await import('./commands/report.ts')).command,
  },
  serve: {
    summary: 'follow logs, transform every few seconds and serve the live report',
    load: async () => (await import('./commands/serve.ts')).command,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'logflow: SQL-first web access-log analytics (Dataform on BigQuery, or locally on DuckDB)',
    '',
    'Usage: logflow <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `logflow <command> --help` for the options of a command.',
  ].join('\n');
}

/** Runs the CLI and returns the process exit code. Expected failures print one line, no stack. */
export async function main(argv: string[]): Promise<number> {
  // A closed pipe (`logflow ... | head`) ends the command quietly, as SIGPIPE does for C tools.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? USAGE : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`logflow: unknown command '${name}'. Commands: ${Object.keys(COMMANDS).join(', ')} (see: logflow --help)\n`);
    return USAGE;
  }
  let command: Command | undefined;
  try {
    command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(command.help.trimEnd() + '\n');
      return 0;
    }
    return await command.run(rest);
  } catch (error) {
    if (error instanceof LogflowError) {
      process.stderr.write(`logflow ${name}: ${error.message}${flagHint(error, command)}\n`);
      return error.exitCode;
    }
    if (isBrokenPipe(error)) return 0;
    throw error;
  }
}

/** Flags that are spelled the same in every command, where not the kebab-case of the option name. */
const COMMON_FLAGS: Record<string, string> = { warehouse: '--warehouse or LOGFLOW_WAREHOUSE' };

/** ' (see --topic)' for an error about library options: the command's flags for them. */
export function flagHint(error: LogflowError, command: Command | undefined): string {
  if (error.options.length === 0) return '';
  const flags = error.options.map(
    (option) => command?.flags?.[option] ?? COMMON_FLAGS[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  );
  return ` (see ${flags.join(', ')})`;
}

function isBrokenPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'EPIPE';
}
