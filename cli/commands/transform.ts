import type { Command } from '../command.ts';
import { parseFlags, parseVars } from '../args.ts';
import { LogflowError } from '../../core/errors.ts';
import { compileProjectCached } from '../../warehouse/compile-cache.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { runGraph, runUnitTests } from '../../warehouse/executor.ts';
import { prepareWarehouse } from '../../pipeline/prepare.ts';
import { loadBundledReferenceIfEmpty } from '../../pipeline/reference-autoload.ts';
import { warehousePath } from '../../warehouse/project.ts';
import { applyResourceLimits, resourceLimits } from '../../warehouse/resources.ts';

export const command: Command = {
  name: 'transform',
  help: `logflow transform: run the Dataform project on the local DuckDB warehouse

Compiles the project for DuckDB and runs it as \`dataform run\` would on BigQuery:
dependency order, tables and views replaced, incremental tables merged on their unique key,
pre/post operations, operations, and assertions (a failing assertion fails the run).

Usage: logflow transform [options]

Options:
  --warehouse PATH     DuckDB file (default: $LOGFLOW_WAREHOUSE or .logflow/warehouse.duckdb)
  --actions A,B        run only these actions (name or schema.name; repeatable)
  --tags T,U           run only actions with these tags (repeatable)
  --include-deps       also run the dependencies of the selected actions
  --include-dependents also run the actions that depend on the selected ones
  --full-refresh       rebuild incremental tables from scratch
  --dry-run            print the SQL each action would run; change nothing
  --project-dir DIR    the Dataform project to run (default: this logflow checkout)
  --vars k=v,k2=v2     override project vars (as dataform --vars)
  --tests              run the project's Dataform unit tests instead of the actions
  --memory-limit SIZE  DuckDB's memory limit, e.g. 2GB (default: $LOGFLOW_MEMORY_LIMIT or 640MB);
                       what does not fit spills to disk
  --temp-directory DIR where DuckDB spills (default: $LOGFLOW_TEMP_DIRECTORY or <warehouse>.tmp)
  --quiet              print only the summary line and errors

The compiled project is cached (keyed by a hash of the project files, vars and warehouse) in
$LOGFLOW_CACHE_DIR/compiled (default ~/.cache/logflow/compiled); LOGFLOW_COMPILE_CACHE=off compiles every time.
The bundled IP data a fresh warehouse loads is cached as built in $LOGFLOW_CACHE_DIR/geo (default
~/.cache/logflow/geo, about 12 MB); LOGFLOW_GEO_CACHE=off builds it from the CSV files every time.
  -h, --help           show this help
`,
  async run(argv) {
    const { values } = parseFlags('transform', argv, {
      warehouse: { type: 'string' },
      actions: { type: 'string', multiple: true },
      tags: { type: 'string', multiple: true },
      'include-deps': { type: 'boolean' },
      'include-dependents': { type: 'boolean' },
      'full-refresh': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      vars: { type: 'string' },
      'project-dir': { type: 'string' },
      tests: { type: 'boolean' },
      quiet: { type: 'boolean' },
      'memory-limit': { type: 'string' },
      'temp-directory': { type: 'string' },
    });
    const list = (v: string[] | undefined) =>
      (v ?? [])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean);
    // Cached by a hash of the project files, vars and warehouse (warehouse/compile-cache.ts).
    const { graph } = compileProjectCached({
      warehouse: 'duckdb',
      vars: parseVars('transform', values.vars),
      projectDir: values['project-dir'],
    });
    const path = warehousePath(values.warehouse);
    const limits = resourceLimits(path, { memoryLimit: values['memory-limit'], tempDirectory: values['temp-directory'] });
    const warehouse = await openWarehouse(path, { catalog: graph.projectConfig?.defaultDatabase });
    const out = (line: string) => process.stdout.write(line + '\n');
    try {
      await applyResourceLimits(warehouse, limits);
      // Empty landing or reference tables are valid states (nothing ingested or loaded yet).
      let hints = await prepareWarehouse(warehouse.connection, graph);
      // First run on one's own log: countries and ASNs without an extra command.
      const loaded = values['dry-run'] || values.tests ? null : await loadBundledReferenceIfEmpty(warehouse.connection, graph);
      if (loaded) hints = [...hints.filter((h) => !h.includes('logflow_ref')), loaded];
      for (const hint of hints) if (!values.quiet) out(hint);
      if (values.tests) {
        const results = await runUnitTests(warehouse.connection, graph.tests ?? []);
        for (const r of results) out(r.ok ? `  ✓ test ${r.name}` : `  ✗ test ${r.name}: ${r.message}`);
        const failed = results.filter((r) => !r.ok).length;
        out(`${results.length - failed} passed, ${failed} failed (Dataform unit tests)`);
        return failed > 0 ? 1 : 0;
      }
      const summary = await runGraph(warehouse.connection, graph, {
        actions: list(values.actions),
        tags: list(values.tags),
        includeDeps: values['include-deps'],
        includeDependents: values['include-dependents'],
        fullRefresh: values['full-refresh'],
        dryRun: values['dry-run'],
        // Independent actions run at the same time, each on its own connection.
        connect: () => warehouse.connect(),
        log: values.quiet ? (line) => (line.includes('✗') ? out(line) : undefined) : out,
      });
      const count = (s: string) => summary.results.filter((r) => r.status === s).length;
      const verb = values['dry-run'] ? 'planned' : 'ran';
      out(
        `${verb} ${summary.results.length} actions in ${summary.seconds.toFixed(2)} s: ${count('success')} ok, ${count('failed')} failed, ${count('skipped')} skipped, ${count('disabled')} disabled (warehouse ${warehouse.path})`,
      );
      if (!summary.ok) {
        const first = summary.results.find((r) => r.status === 'failed');
        throw new LogflowError(`action ${first?.name} failed: ${first?.error}`);
      }
      return 0;
    } finally {
      warehouse.close();
    }
  },
};
