import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { usageError } from '../errors.ts';
import { describeColumns } from '../../check/catalog.ts';
import { formatProblem, formatSummary, runCheck } from '../../check/run.ts';

const HELP = `Usage: logflow check [options]

Compiles the Dataform project for BigQuery and analyses every statement \`dataform run\` would
send (CREATE OR REPLACE TABLE/VIEW with partitioning and clustering, incremental MERGE/INSERT,
pre/post operations, operations such as UDF definitions, assertions, unit-test queries) with
ZetaSQL configured like BigQuery, in dependency order, against the declared sources' columns
(check/sources.ts) and each upstream model's analysed output. Prints one line per problem
(file:line:column: action (statement): message) and a one-line summary; exits 1 on any problem.
A local ZetaSQL server is started on a free port and stopped before exit.

Options:
  --project <dir>     Dataform project to check (default: this repository)
  --var <key=value>   override a Dataform var, repeatable (default: dataform.json's vars)
  --verbose           also print each analysed table's output columns (default: off)
  -h, --help          show this help
`;

export const command: Command = {
  name: 'check',
  summary: 'analyse every BigQuery statement with ZetaSQL',
  help: HELP,
  async run(argv) {
    const { values } = parseFlags('check', argv, {
      project: { type: 'string' },
      var: { type: 'string', multiple: true },
      verbose: { type: 'boolean' },
    });
    const vars: Record<string, string> = {};
    for (const pair of values.var ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw usageError(`--var must be key=value, got '${pair}' (see: logflow check --help)`);
      vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const report = await runCheck({ projectDir: values.project, vars });
    if (values.verbose) {
      for (const output of report.outputs) process.stdout.write(`${output.action}: ${describeColumns(output.columns)}\n`);
      for (const skip of report.skipped) process.stdout.write(`skipped ${skip.action}: ${skip.reason}\n`);
    }
    for (const problem of report.problems) process.stdout.write(`${formatProblem(problem)}\n`);
    process.stdout.write(`${formatSummary(report)}\n`);
    return report.problems.length > 0 ? 1 : 0;
  },
};
