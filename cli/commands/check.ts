import type { Command } from '../command.ts';
import { parseFlags, parseVars } from '../args.ts';
import { describeColumns } from '../../check/catalog.ts';
import { formatProblem, formatReads, formatSummary, runCheck } from '../../check/run.ts';

const HELP = `logflow check: analyse every BigQuery statement with ZetaSQL

Usage: logflow check [options]

Compiles the Dataform project for BigQuery and analyses every statement \`dataform run\` would
send (CREATE OR REPLACE TABLE/VIEW with partitioning and clustering, incremental MERGE/INSERT,
pre/post operations with their script variables, operations such as UDF definitions,
assertions) with ZetaSQL configured like BigQuery, in dependency order,
and proves from ZetaSQL's resolved AST that every statement a scheduled run sends reads
partitioned tables only through partition filters BigQuery can prune (constants or DECLAREd
script variables; actions tagged full_history are exempt), printing one summary line per action
against the declared sources' columns (check/sources.ts) and each upstream model's analysed
output, and runs Dataform unit tests in ZetaSQL's reference evaluator. Prints one line per problem (file:line:column: action (statement): message) and a
one-line summary; exits 1 on any problem. A local ZetaSQL server is started on a free port
and stopped before exit.

Options:
  --project-dir DIR    the Dataform project to check (default: this logflow checkout)
  --vars k=v,k2=v2     override project vars (default: dataform.json's vars)
  --actions a,b        check only these actions (name or schema.name) and what they depend on (default: all)
  --verbose            also print each analysed table's BigQuery columns, skipped actions and unit tests (default: off)
  -h, --help           show this help
`;

export const command: Command = {
  name: 'check',
  help: HELP,
  async run(argv) {
    const { values } = parseFlags('check', argv, {
      'project-dir': { type: 'string' },
      vars: { type: 'string' },
      actions: { type: 'string' },
      verbose: { type: 'boolean' },
    });
    const actions = values.actions
      ?.split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const report = await runCheck({ projectDir: values['project-dir'], vars: parseVars('check', values.vars), actions });
    if (values.verbose) {
      for (const output of report.outputs) process.stdout.write(`${output.action}: ${describeColumns(output.columns)}\n`);
      for (const skip of report.skipped) process.stdout.write(`skipped ${skip.action}: ${skip.reason}\n`);
      for (const test of report.tests)
        process.stdout.write(`unit test ${test.name}: ${test.status}${test.detail ? ` (${test.detail})` : ''}\n`);
    }
    const reads = formatReads(report);
    if (reads.length > 0) process.stdout.write(`Reads of partitioned tables in a scheduled run:\n${reads.map((l) => `  ${l}\n`).join('')}`);
    for (const problem of report.problems) process.stdout.write(`${formatProblem(problem)}\n`);
    process.stdout.write(`${formatSummary(report)}\n`);
    return report.problems.length > 0 ? 1 : 0;
  },
};
