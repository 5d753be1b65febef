import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Command } from '../command.ts';
import { intFlag, parseFlags } from '../args.ts';
import { LogflowError } from '../../core/errors.ts';
import { createEngine } from '../../generator/index.ts';
import { fileSink, pump } from '../../generator/output.ts';
import { ingestFiles } from '../../ingest/index.ts';
import { compileProject } from '../../warehouse/compile.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { runGraph } from '../../warehouse/executor.ts';
import { prepareWarehouse } from '../../pipeline/prepare.ts';
import { warehousePath } from '../../warehouse/project.ts';
import { loadDemoReferenceData } from '../../geo/demo.ts';
import { formatTable } from '../table.ts';
import { writeLocalReport } from '../../report/index.ts';

/** Marks a warehouse the demo created, so a later demo may replace it but never a user's own. */
const DEMO_MARKER = 'logflow_meta.demo_runs';

export const command: Command = {
  name: 'demo',
  help: `logflow demo: the whole local pipeline on a generated sample, offline

Generates a synthetic access log (with ground truth), ingests it into the local DuckDB
warehouse, loads the IP-to-location reference data, runs every Dataform model, and prints
what it built and how to query it.

Usage: logflow demo [options]

Options:
  --lines N            lines to generate (default 100000)
  --seed N             generator seed (default 7)
  --warehouse PATH     DuckDB file (default: $LOGFLOW_WAREHOUSE or .logflow/warehouse.duckdb);
                       replaced if an earlier demo made it, refused if it holds other data
  --live               instead: logflow serve on 50 generated lines/s (live.duckdb next to it)
  -h, --help           show this help
`,
  async run(argv) {
    const { values } = parseFlags('demo', argv, {
      lines: { type: 'string' },
      seed: { type: 'string' },
      warehouse: { type: 'string' },
      live: { type: 'boolean' },
    });
    // --live: the live report on generated traffic, in a warehouse of its own next to the demo's.
    if (values.live)
      return (await import('./serve.ts')).command.run([
        '--rate',
        '50',
        '--warehouse',
        join(dirname(warehousePath(values.warehouse)), 'live.duckdb'),
      ]);
    const lines = intFlag('demo', 'lines', values.lines, 100_000, 1, 50_000_000);
    const seed = intFlag('demo', 'seed', values.seed, 7, 0, 2 ** 31 - 1);
    const path = warehousePath(values.warehouse);
    const say = (text: string) => process.stdout.write(text + '\n');
    const started = performance.now();

    // Compile first: a broken project fails before minutes of generating and loading.
    const graph = compileProject({ warehouse: 'duckdb' });
    await resetDemoWarehouse(path);
    // One open warehouse for every step (DuckDB allows one writer; opening it again costs time).
    const warehouse = await openWarehouse(path);
    try {
      // Mark the warehouse as the demo's first, so a later demo may replace even a half-built one.
      await warehouse.connection.run(
        `create schema if not exists logflow_meta; create table if not exists ${DEMO_MARKER} (ran_at timestamptz, lines bigint, seed bigint); insert into ${DEMO_MARKER} values (current_timestamp, ${lines}, ${seed})`,
      );
      const dir = dirname(path);
      const logFile = join(dir, 'demo-access.log');
      const truthFile = join(dir, 'demo-truth.ndjson');

      say(
        `1/4 generate  ${lines.toLocaleString('en')} synthetic combined-format lines (seed ${seed}) -> ${relative(process.cwd(), logFile)}`,
      );
      mkdirSync(dir, { recursive: true });
      const log = fileSink(logFile);
      const truth = fileSink(truthFile);
      const generated = await pump(createEngine({ lines, seed }), log, { truth });
      say(
        `    ${(generated.bytes / 1e6).toFixed(1)} MB in ${generated.seconds.toFixed(1)} s, ground truth in ${relative(process.cwd(), truthFile)}`,
      );

      say(`2/4 ingest    ${relative(process.cwd(), logFile)} -> logflow_raw.landing`);
      const ingested = await ingestFiles([logFile], { warehouse, sink: 'local' });
      say(`    ${ingested.delivered.toLocaleString('en')} lines delivered in ${ingested.seconds.toFixed(1)} s`);

      say('3/4 reference IP-to-country and ASN ranges -> logflow_ref');
      const reference = await loadDemoReferenceData(warehouse);
      say(`    ${reference}`);

      say('4/4 transform the Dataform graph on DuckDB');
      await prepareWarehouse(warehouse.connection, graph);
      let assertions = 0;
      const show = (line: string) => {
        // Assertions are many and silent when they pass: count them, show failures.
        if (/^\s*✓ logflow_assertions\./.test(line)) assertions++;
        else say('  ' + line.trim());
      };
      const summary = await runGraph(warehouse.connection, graph, { log: show });
      say(`  ✓ ${assertions} assertions passed (row conservation, unique keys, no overlapping sessions, ...)`);
      if (!summary.ok) {
        const failed = summary.results.find((r) => r.status === 'failed');
        throw new LogflowError(`the demo's transform failed at ${failed?.name}: ${failed?.error}`);
      }
      say('');
      say(await describeWarehouse(warehouse));
      say('');
      say(`Built in ${((performance.now() - started) / 1000).toFixed(1)} s. Warehouse: ${relative(process.cwd(), path) || path}`);
      say('Try:');
      say('  npm run query -- "select * from logflow.daily_visitors"');
      say(
        '  npm run query -- "select path, sum(hits) as hits, sum(visitors) as visitors from logflow.pages group by 1 order by 2 desc limit 10"',
      );
      say('  npm run query -- "select * from logflow.parse_errors" --json');
      say('');
      say(`Report: ${await writeLocalReport(warehouse.connection, path, join(dir, 'report.html'))}  (open it in a browser; works offline)`);
      say('Live:   npm run demo -- --live   (logflow serve on generated traffic; or: npm run logflow -- serve /var/log/nginx/access.log)');
      return 0;
    } finally {
      warehouse.close();
    }
  },
};

/** Removes a warehouse an earlier demo created; refuses to touch one holding other data. */
async function resetDemoWarehouse(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const warehouse = await openWarehouse(path);
  let isDemo = false;
  let isEmpty = false;
  try {
    const tables = (
      await warehouse.connection.runAndReadAll(
        `select table_schema || '.' || table_name as t from information_schema.tables where table_catalog = current_database()`,
      )
    )
      .getRowObjectsJson()
      .map((r) => String(r.t));
    isDemo = tables.includes(DEMO_MARKER);
    isEmpty = tables.length === 0;
  } finally {
    warehouse.close();
  }
  if (!isDemo && !isEmpty) {
    throw new LogflowError(
      `warehouse ${path} holds data the demo did not create; run the demo elsewhere with --warehouse .logflow/demo.duckdb`,
    );
  }
  for (const file of [path, `${path}.wal`]) rmSync(file, { force: true });
}

const n = (v: unknown) => Number(v ?? 0).toLocaleString('en');

/** Row counts of the output tables (not the intermediate ones, nor the run marks: run state) and a few headline figures. */
async function describeWarehouse(warehouse: Warehouse): Promise<string> {
  const rows = async (sql: string) => (await warehouse.connection.runAndReadAll(sql)).getRowObjectsJson();
  const tables = await rows(`select table_schema, table_name, table_type from information_schema.tables
    where table_catalog = current_database() and table_schema = 'logflow' and table_name not like 'int\\_%' escape '\\'
      and table_name <> 'model_watermarks' order by 2`);
  const counts: Record<string, unknown>[] = [];
  for (const t of tables) {
    const n = await rows(`select count(*) as n from "${t.table_schema}"."${t.table_name}"`);
    counts.push({
      table: `${t.table_schema}.${t.table_name}`,
      kind: t.table_type === 'VIEW' ? 'view' : 'table',
      rows: Number(n[0]?.n ?? 0).toLocaleString('en'),
    });
  }
  const headline = await rows(`select
      (select count(*) from logflow.stg_landing__lines) as lines,
      (select count(*) from logflow.requests) as requests,
      (select count(*) from logflow.parse_errors) as parse_errors,
      (select count(*) from logflow.sessions) as sessions,
      (select round(100.0 * avg(case when is_bot then 1 else 0 end), 1) from logflow.requests) as bot_pct,
      (select count(*) from logflow.suspicious_clients) as suspicious`);
  const h = headline[0] ?? {};
  const top = await rows(
    `select path, count(*) as hits from logflow.requests where is_page_view and not is_bot group by 1 order by 2 desc, 1 limit 5`,
  );
  return [
    `${n(h.lines)} distinct lines -> ${n(h.requests)} requests + ${n(h.parse_errors)} quarantined in logflow.parse_errors; ` +
      `${n(h.sessions)} sessions; ${h.bot_pct}% of requests from bots; ${n(h.suspicious)} suspicious clients.`,
    '',
    'Top pages (human page views):',
    formatTable(
      ['path', 'hits'],
      top.map((r) => ({ path: r.path, hits: n(r.hits) })),
      5,
    ),
    '',
    'What the demo built (schema logflow):',
    formatTable(['table', 'kind', 'rows'], counts, 1000),
  ].join('\n');
}
