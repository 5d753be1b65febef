/**
 * Times int_lines_parsed's first-build query on an existing local warehouse (its
 * stg_landing__lines): compiles the project for DuckDB, runs the model's pre-operations, then
 * `create temp table ... as <query>` `--runs` times, printing wall and process CPU seconds
 * (DuckDB's threads run in this process). `--explain` prints EXPLAIN ANALYZE instead.
 *
 *   npx tsx bench/parse-model.ts --warehouse W.duckdb [--project-dir DIR] [--runs 3] [--explain]
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

const { values } = parseArgs({
  options: {
    warehouse: { type: 'string' },
    'project-dir': { type: 'string' },
    runs: { type: 'string', default: '3' },
    explain: { type: 'boolean', default: false },
    threads: { type: 'string' },
    'compare-project-dir': { type: 'string' },
  },
});
if (!values.warehouse) fail('give --warehouse W.duckdb (a local warehouse with stg_landing__lines built)');
const graph = compileProject({ warehouse: 'duckdb', projectDir: values['project-dir'] });
const table = (graph.tables ?? []).find((t) => t.target.name === 'int_lines_parsed');
if (!table?.query) fail('no int_lines_parsed in the compiled project');
const wh = await openWarehouse(values.warehouse, { catalog: graph.projectConfig?.defaultDatabase, readOnly: true });
await registerLocalFunctions(wh.connection);
if (values.threads) await wh.connection.run(`set threads = ${Number(values.threads)}`);
for (const op of table.preOps ?? []) await wh.connection.run(toDuckdbNames(op));
const query = toDuckdbNames(table.query);
if (values['compare-project-dir']) {
  // Output of this project's query vs another checkout's, every column, EXCEPT ALL both ways.
  const other = (compileProject({ warehouse: 'duckdb', projectDir: values['compare-project-dir'] }).tables ?? []).find(
    (t) => t.target.name === 'int_lines_parsed',
  );
  await wh.connection.run(`create temp table parsed_this as ${query}`);
  for (const op of other?.preOps ?? []) await wh.connection.run(toDuckdbNames(op));
  await wh.connection.run(`create temp table parsed_other as ${toDuckdbNames(other?.query ?? '')}`);
  const count = async (sql: string) => Number((await wh.connection.runAndReadAll(sql)).getRows()[0]?.[0]);
  console.log(
    `rows: this ${await count('select count(*) from parsed_this')}, other ${await count('select count(*) from parsed_other')}; ` +
      `this except all other: ${await count('select count(*) from (select * from parsed_this except all select * from parsed_other)')}, ` +
      `other except all this: ${await count('select count(*) from (select * from parsed_other except all select * from parsed_this)')}`,
  );
} else if (values.explain) {
  const reader = await wh.connection.runAndReadAll(`explain analyze ${query}`);
  console.log(String(reader.getRows()[0]?.[1]));
} else {
  for (let i = 0; i < Number(values.runs); i++) {
    await wh.connection.run('drop table if exists temp.parsed_bench');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await wh.connection.run(`create temp table parsed_bench as ${query}`);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    console.log(`run ${i + 1}: wall ${wall.toFixed(2)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`);
  }
}
wh.close();
