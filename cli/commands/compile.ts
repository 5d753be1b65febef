import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { usageError } from '../../core/errors.ts';
import { compileProject, type WarehouseKind } from '../../warehouse/compile.ts';
import { planGraph } from '../../warehouse/plan.ts';
import { shortName } from '../../warehouse/graph.ts';

/** Parses `k=v,k2=v2` (as `dataform --vars`). */
export function parseVars(text: string | undefined): Record<string, string> {
  if (!text) return {};
  const vars: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--vars takes key=value pairs separated by commas, got '${pair}'`);
    vars[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return vars;
}

export const command: Command = {
  name: 'compile',
  summary: 'compile the Dataform project and print its actions or JSON',
  help: `logflow compile: compile the Dataform project with @dataform/core

Usage: logflow compile [options]

Options:
  --warehouse-type W   bigquery (default, what \`dataform run\` executes) or duckdb (local)
  --json               print the compiled graph as JSON (as \`dataform compile --json\`)
  --project-dir DIR    the Dataform project to run (default: this logflow checkout)
  --vars k=v,k2=v2     override project vars
  -h, --help           show this help
`,
  async run(argv) {
    const { values } = parseFlags('compile', argv, {
      'warehouse-type': { type: 'string', default: 'bigquery' },
      json: { type: 'boolean' },
      vars: { type: 'string' },
      'project-dir': { type: 'string' },
    });
    const kind = values['warehouse-type'];
    if (kind !== 'bigquery' && kind !== 'duckdb') throw usageError(`--warehouse-type must be bigquery or duckdb, got '${kind}'`);
    const graph = compileProject({ warehouse: kind as WarehouseKind, vars: parseVars(values.vars), projectDir: values['project-dir'] });
    if (values.json) {
      process.stdout.write(JSON.stringify(graph, null, 2) + '\n');
      return 0;
    }
    const plan = planGraph(graph);
    for (const action of plan.order) {
      const type = action.kind === 'table' ? action.table.type : action.kind;
      process.stdout.write(`${shortName(action.target).padEnd(48)} ${String(type).padEnd(12)} ${action.fileName ?? ''}${action.disabled ? ' (disabled)' : ''}\n`);
    }
    process.stdout.write(`compiled ${plan.order.length} actions and ${plan.declarations.size} declarations for ${kind}\n`);
    return 0;
  },
};
