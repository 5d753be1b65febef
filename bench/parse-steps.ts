/**
 * Times each select item of one CTE of int_lines_parsed's first-build query (process CPU seconds,
 * one DuckDB thread), on an existing local warehouse: materialises the CTE before it, then
 * evaluates every item alone over it.
 *
 *   npx tsx bench/parse-steps.ts --warehouse W.duckdb --cte typed [--project-dir DIR]
 */
import { parseArgs } from 'node:util';
import { compileProject } from '../warehouse/compile.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { registerLocalFunctions } from '../functions/duckdb.ts';
import { toDuckdbNames } from '../warehouse/sql.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const { values } = parseArgs({ options: { warehouse: { type: 'string' }, cte: { type: 'string' }, 'project-dir': { type: 'string' } } });
if (!values.warehouse || !values.cte) fail('give --warehouse W.duckdb and --cte NAME (a CTE of int_lines_parsed)');
const graph = compileProject({ warehouse: 'duckdb', projectDir: values['project-dir'] });
const table = (graph.tables ?? []).find((t) => t.target.name === 'int_lines_parsed');
if (!table?.query) fail('no int_lines_parsed in the compiled project');
const wh = await openWarehouse(values.warehouse, { catalog: graph.projectConfig?.defaultDatabase, readOnly: true });
await registerLocalFunctions(wh.connection);
await wh.connection.run('set threads = 1');
for (const op of table.preOps ?? []) await wh.connection.run(toDuckdbNames(op));
const query = toDuckdbNames(table.query);
const start = query.indexOf(`\n${values.cte} as (`);
const body = query.slice(start).match(/select\s+\*,([\s\S]*?)\n {2}from (\w+)\n\)/);
if (start < 0 || !body) fail(`no CTE ${values.cte} of the form "select *, ... from x" in int_lines_parsed`);
await wh.connection.run(`create temp table before_cte as ${query.slice(0, start).replace(/,\s*$/, '')} select * from ${body[2]}`);
// Split the select list at top-level commas.
const items: string[] = [];
let depth = 0;
let current = '';
let quoted = false;
for (const c of body[1]!) {
  if (c === "'") quoted = !quoted;
  if (quoted) {
    current += c;
    continue;
  }
  if (c === '(' || c === '[') depth++;
  if (c === ')' || c === ']') depth--;
  if (c === ',' && depth === 0) {
    items.push(current.trim());
    current = '';
  } else current += c;
}
if (current.trim()) items.push(current.trim());
for (const item of items) {
  const name = item.match(/ as (\w+)$/)?.[1] ?? item.slice(0, 40);
  const expr = item.replace(/ as \w+$/, '');
  const cpus: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    await wh.connection.run(`select count(v) from (select ${expr} as v from before_cte)`);
    const u = process.cpuUsage(c0);
    cpus.push((u.user + u.system) / 1e6);
  }
  cpus.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} ${cpus[1]!.toFixed(3)} s cpu (median of 3)`);
}
wh.close();
