import type { Command } from '../command.ts';
import { parseFlags, parseVars, TARGET_HELP, targetFlag } from '../args.ts';
import { compileProject, type WarehouseKind } from '../../warehouse/compile.ts';
import { planGraph } from '../../warehouse/plan.ts';
import { shortName } from '../../warehouse/graph.ts';

export const command: Command = {
  name: 'compile',
  help: `logflow compile: compile the Dataform project with @dataform/core

Usage: logflow compile [options]

Options:
  --target T           ${TARGET_HELP}; default bigquery, what \`dataform run\` executes
  --json               print the compiled graph as JSON (as \`dataform compile --json\`)
  --project-dir DIR    the Dataform project to run (default: this logflow checkout)
  --vars k=v,k2=v2     override project vars
  -h, --help           show this help
`,
  async run(argv) {
    const { values } = parseFlags('compile', argv, {
      target: { type: 'string' },
      json: { type: 'boolean' },
      vars: { type: 'string' },
      'project-dir': { type: 'string' },
    });
    const kind: WarehouseKind = targetFlag('compile', values.target, 'bigquery') === 'bigquery' ? 'bigquery' : 'duckdb';
    const graph = compileProject({ warehouse: kind, vars: parseVars('compile', values.vars), projectDir: values['project-dir'] });
    if (values.json) {
      process.stdout.write(JSON.stringify(graph, null, 2) + '\n');
      return 0;
    }
    const plan = planGraph(graph);
    for (const action of plan.order) {
      const type = action.kind === 'table' ? action.table.type : action.kind;
      process.stdout.write(
        `${shortName(action.target).padEnd(48)} ${String(type).padEnd(12)} ${action.fileName ?? ''}${action.disabled ? ' (disabled)' : ''}\n`,
      );
    }
    process.stdout.write(`compiled ${plan.order.length} actions and ${plan.declarations.size} declarations for ${kind}\n`);
    return 0;
  },
};
