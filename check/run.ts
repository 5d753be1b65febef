import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileProject } from '../warehouse/compile.ts';
import { fullName, shortName, type CompiledGraph, type Table } from '../warehouse/graph.ts';
import { planGraph, type Action } from '../warehouse/plan.ts';
import { PROJECT_DIR } from '../warehouse/project.ts';
import { Catalog, type Column, type TypedColumn } from './catalog.ts';
import { clusterProblems, partitionProblems } from './ddl-rules.ts';
import { mapToSource } from './locate.ts';
import { offsetAt, positionAt } from './script.ts';
import { SOURCE_COLUMNS, SOURCE_PARTITIONS } from './sources.ts';
import { partitionColumnOf, partitionReads, viewPartitionColumn, type PartitionRead } from './bounded.ts';
import { KNOWN_UNBOUNDED } from './bounded-debt.ts';
import { checkReportQueries } from './report-queries.ts';
import { assertionCount, assertionView, createOrReplace, insertInto, mergeInto, verbatim, type Statement } from './statements.ts';
import { canonicalRow, compareCanonical } from './compare.ts';
import { startZetaSQL, type AnalysisError, type EvaluateResult, type ZetaSQL } from './zetasql.ts';

/** One problem found by the check, located in the SQLX file where possible. */
export interface Problem {
  /** `schema.name` of the action. */
  action: string;
  /** Which statement of the action: 'create table', 'incremental merge', 'post_operations[1]', ... */
  statement: string;
  /** Project-relative file of the action (SQLX or JS). */
  file?: string;
  /** 1-based position in `file`; absent when it could not be mapped (then `compiled` is set). */
  line?: number;
  column?: number;
  /** False when the position is the start of the `${...}` whose expansion holds the problem. */
  exact?: boolean;
  /** Position in the compiled SQL text of the action when no file position could be derived. */
  compiled?: { line: number; column: number };
  /** ZetaSQL's message, without its location suffix. */
  message: string;
}

export interface CheckReport {
  problems: Problem[];
  /** Actions not analysed, with why (disabled, or an upstream action failed). */
  skipped: { action: string; reason: string }[];
  /** Actions analysed, statements analysed. */
  actions: number;
  statements: number;
  /** Dataform unit tests run on ZetaSQL's evaluator ('not evaluated' when it cannot, e.g. a JavaScript UDF). */
  tests: { name: string; status: 'passed' | 'failed' | 'not evaluated'; detail?: string }[];
  /**
   * Reads of partitioned tables by the statements a scheduled (incremental) run sends, per action,
   * with what bounds each by its partition column (undefined: unbounded, reported as a problem).
   */
  reads: { action: string; statement: string; reads: PartitionRead[]; exempt?: string }[];
  /** Output columns of every table/view analysed, in dependency order. */
  outputs: { action: string; columns: TypedColumn[] }[];
  /** Process id of the ZetaSQL server used (stopped when runCheck returns, unless the caller passed its own). */
  serverPid?: number;
  /** Wall-clock milliseconds: compile, waiting for the server (it starts during the compile), analysis, total. */
  timings: { compileMs: number; startMs: number; analyseMs: number; totalMs: number };
}

export interface CheckOptions {
  /** The Dataform project (default: the repository root). */
  projectDir?: string;
  /** Extra Dataform vars, as `dataform compile --vars`. */
  vars?: Record<string, string>;
  /** Column types of declared sources by `dataset.table` (default: check/sources.ts). */
  sources?: Record<string, Column[]>;
  /** A running server to reuse (the caller closes it); by default one is started and stopped. */
  zetasql?: ZetaSQL;
  /** Check only these actions (`name`, `schema.name`) and what they depend on (default: all). */
  actions?: string[];
  /** Fail on reads of partitioned tables that a scheduled run does not bound by the partition column (default: true). */
  boundedReads?: boolean;
  /** Actions whose unbounded reads are known debt (default: check/bounded-debt.ts). */
  knownUnbounded?: ReadonlySet<string>;
  /** Also analyse the queries `logflow report --target bigquery` sends (check/report-queries.ts; default: when all actions are checked). */
  reportQueries?: boolean;
}

/** Actions with this tag scan history on purpose (occasional full checks): their reads are reported, not required to be bounded. */
export const FULL_HISTORY_TAG = 'full_history';

/**
 * Analyses every statement `dataform run` would send to BigQuery for the compiled graph, in
 * dependency order, against a catalog of the declared sources and each upstream action's
 * analysed output. Needs a running ZetaSQL server.
 */
export async function checkGraph(
  graph: CompiledGraph,
  zetasql: ZetaSQL,
  options: Pick<CheckOptions, 'projectDir' | 'sources' | 'actions' | 'boundedReads' | 'knownUnbounded' | 'reportQueries'> = {},
): Promise<Omit<CheckReport, 'timings'>> {
  const projectDir = resolve(options.projectDir ?? PROJECT_DIR);
  const sources = options.sources ?? SOURCE_COLUMNS;
  const catalog = new Catalog(graph.projectConfig?.defaultDatabase);
  const problems: Problem[] = [];
  const skipped: CheckReport['skipped'] = [];
  const outputs: CheckReport['outputs'] = [];
  const failed = new Map<string, string>(); // full name (lower case) -> short name of the action that failed
  const files = new Map<string, string>();
  const reads: CheckReport['reads'] = [];
  const unboundedActions = new Set<string>(); // actions with at least one unbounded read
  const analysedActions = new Set<string>();
  const requireBounded = options.boundedReads ?? true;
  const debt = options.knownUnbounded ?? KNOWN_UNBOUNDED;
  // Partition column of every partitioned table, by full name in lower case (declared sources: check/sources.ts).
  const partitions = new Map<string, string>();
  for (const table of graph.tables ?? []) {
    const column = table.bigquery?.partitionBy ? partitionColumnOf(table.bigquery.partitionBy) : undefined;
    if (column) partitions.set(fullName(table.target).toLowerCase(), column);
  }
  for (const declaration of graph.declarations ?? []) {
    const column = SOURCE_PARTITIONS[`${declaration.target.schema}.${declaration.target.name}`.toLowerCase()];
    if (column) partitions.set(fullName(declaration.target).toLowerCase(), column);
  }
  const partitionColumn = (table: string) => partitions.get(table) ?? [...partitions].find(([name]) => name.endsWith(`.${table}`))?.[1];
  let statements = 0;
  let actions = 0;

  const fileText = (file: string | undefined): string | undefined => {
    if (!file) return undefined;
    if (!files.has(file)) {
      try {
        files.set(file, readFileSync(join(projectDir, file), 'utf8'));
      } catch {
        files.set(file, '');
      }
    }
    return files.get(file) || undefined;
  };

  /** Places a problem at the SQLX position of a 0-based offset in a statement's SQL; false when the offset is in SQL Dataform builds around the compiled text. */
  const place = (problem: Problem, file: string | undefined, statement: Statement, offset: number): boolean => {
    const inside = statement.offset >= 0 && offset >= statement.offset && offset <= statement.offset + statement.embedded.length;
    if (!inside) return false;
    const text = fileText(file);
    const at = positionAt(statement.embedded, offset - statement.offset);
    const mapped = text ? mapToSource(text, statement.embedded, at.line, at.column) : undefined;
    if (mapped) Object.assign(problem, { line: mapped.line, column: mapped.column, exact: mapped.exact });
    else problem.compiled = at;
    return true;
  };

  const report = (action: string, file: string | undefined, statement: Statement, error: AnalysisError) => {
    const problem: Problem = { action, statement: statement.label, file, message: error.message };
    const text = fileText(file);
    if (error.line !== undefined && error.column !== undefined) {
      const offset = offsetAt(statement.sql, error.line, error.column);
      if (!place(problem, file, statement, offset)) {
        // In the DDL/DML Dataform builds around the query from the config block.
        Object.assign(problem, configPosition(text));
        problem.message += ` (in the ${statement.label} statement Dataform builds from the config block: check partitionBy, clusterBy, uniqueKey)`;
      }
    }
    problems.push(problem);
  };

  /** BigQuery's PARTITION BY / CLUSTER BY rules, which ZetaSQL does not enforce, reported at the config block. */
  const configProblems = (action: string, file: string | undefined, table: Table) => {
    if (table.type === 'view') return;
    const columns = catalog.columns(fullName(table.target)) ?? [];
    const messages = [
      ...(table.bigquery?.partitionBy ? partitionProblems(table.bigquery.partitionBy, columns) : []),
      ...clusterProblems(table.bigquery?.clusterBy ?? [], columns),
    ];
    const at = configPosition(fileText(file));
    for (const message of messages) problems.push({ action, statement: 'config', file, ...at, message });
  };

  /**
   * Analyses one statement; returns false (and records the problem) when it fails. With
   * `everyRun` (a statement each scheduled run sends), its reads of partitioned tables are
   * recorded, and unbounded ones are problems unless `historyOk` (an action tagged full_history).
   */
  const analyse = async (
    action: string,
    file: string | undefined,
    statement: Statement,
    everyRun = false,
    historyOk = false,
  ): Promise<boolean> => {
    statements++;
    const result = await zetasql.analyze(statement.sql, catalog);
    if (!result.ok) report(action, file, statement, result.error);
    if (everyRun) {
      const found: PartitionRead[] = [];
      for (const analysed of result.statements) {
        if (!analysed.resolved || analysed.text === undefined) continue;
        for (const read of partitionReads(analysed.resolved, partitionColumn, analysed.text)) {
          if (!read.bound) unboundedActions.add(action);
          const offset = read.offset !== undefined ? read.offset + (analysed.textOffset ?? 0) : undefined;
          found.push({ ...read, ...(offset !== undefined ? { offset } : {}) });
          if (read.bound || historyOk || !requireBounded || debt.has(action)) continue;
          const problem: Problem = {
            action,
            statement: statement.label,
            file,
            message: `reads ${shortTable(read.table)} without a bound on its partition column ${read.column} on every scheduled run (full scan of its history): filter ${read.column} by a constant or a DECLAREd script variable (a subquery prunes nothing), or tag the action '${FULL_HISTORY_TAG}'`,
          };
          if (offset === undefined || !place(problem, file, statement, offset)) {
            // The MERGE/INSERT target Dataform builds from the config block.
            Object.assign(problem, configPosition(fileText(file)));
            problem.message += ` (the ${statement.label} target Dataform builds from the config block: set bigquery.updatePartitionFilter)`;
          }
          const same = (p: Problem) =>
            p.action === problem.action &&
            p.statement === problem.statement &&
            p.line === problem.line &&
            p.column === problem.column &&
            p.message === problem.message;
          if (!problems.some(same)) problems.push(problem);
        }
      }
      const exempt = historyOk ? `tagged ${FULL_HISTORY_TAG}` : debt.has(action) ? 'known debt: check/bounded-debt.ts' : undefined;
      if (found.length > 0) reads.push({ action, statement: statement.label, reads: found, ...(exempt ? { exempt } : {}) });
    }
    return result.ok;
  };

  for (const declaration of graph.declarations ?? []) {
    const target = declaration.target;
    const columns = sources[`${target.schema}.${target.name}`.toLowerCase()];
    if (columns) catalog.addTable(fullName(target), columns);
    else {
      failed.set(fullName(target).toLowerCase(), shortName(target));
      problems.push({
        action: shortName(target),
        statement: 'declaration',
        file: declaration.fileName,
        line: 1,
        column: 1,
        message: `no column types for the declared source ${shortName(target)}: add them to SOURCE_COLUMNS in check/sources.ts`,
      });
    }
  }

  const plan = planGraph(graph, options.actions?.length ? { actions: options.actions, includeDeps: true } : {});
  for (const action of plan.order) {
    const name = shortName(action.target);
    if (action.disabled) {
      skipped.push({ action: name, reason: 'disabled' });
      continue;
    }
    const upstream = action.deps.map((d) => failed.get(d.toLowerCase())).find(Boolean);
    if (upstream) {
      skipped.push({ action: name, reason: `depends on ${upstream}, which did not pass` });
      failed.set(action.key.toLowerCase(), name);
      continue;
    }
    actions++;
    analysedActions.add(name);
    const ok = await checkAction(action, name, analyse);
    if (!ok) failed.set(action.key.toLowerCase(), name);
    const columns = catalog.columns(action.key);
    if (ok && columns && action.kind === 'table') outputs.push({ action: name, columns });
  }

  // The known-debt list only shrinks: an action on it that now reads only pruned partitions must leave it.
  if (requireBounded) {
    for (const name of debt) {
      if (analysedActions.has(name) && !unboundedActions.has(name) && ![...failed.values()].includes(name)) {
        problems.push({
          action: name,
          statement: 'bounded reads',
          file: 'check/bounded-debt.ts',
          line: 1,
          column: 1,
          message: `${name} reads only pruned partitions now: remove it from KNOWN_UNBOUNDED in check/bounded-debt.ts`,
        });
      }
    }
  }

  // Dataform unit tests: analysed, then run on BigQuery semantics in ZetaSQL's evaluator (what
  // `dataform test` does in BigQuery): the model's query over the inlined inputs must give the
  // expected rows, compared as multisets.
  const tests: CheckReport['tests'] = [];
  for (const test of graph.tests ?? []) {
    const name = `test ${test.name ?? ''}`.trim();
    const query = verbatim('unit test query', test.testQuery ?? '');
    const expected = verbatim('unit test expected output', test.expectedOutputQuery ?? '');
    if (!(await analyse(name, test.fileName, query)) || !(await analyse(name, test.fileName, expected))) continue;
    let outcome: { status: 'passed' | 'failed' | 'not evaluated'; detail?: string };
    try {
      outcome = compareTestResults(await zetasql.evaluate(query.sql, []), await zetasql.evaluate(expected.sql, []));
    } catch (error) {
      outcome = { status: 'not evaluated', detail: (error as Error).message };
    }
    tests.push({ name: test.name ?? '', ...outcome });
    if (outcome.status === 'failed')
      problems.push({ action: name, statement: 'unit test', file: test.fileName, line: 1, column: 1, message: outcome.detail ?? 'failed' });
  }

  // The report's BigQuery queries, against the outputs just analysed.
  if (options.reportQueries ?? !options.actions?.length) {
    const report = await checkReportQueries(graph, catalog, zetasql, { partitionColumn });
    statements += report.queries;
    problems.push(...report.problems);
    reads.push(...report.reads);
    if (report.skipped) skipped.push({ action: 'report queries', reason: report.skipped });
  }

  return { problems, skipped, actions, statements, outputs, tests, reads };

  /**
   * A view over partitioned tables: reads of it are reads of those tables (BigQuery expands the
   * view into the reading statement), so it gets the partition column it passes through
   * (bounded.ts viewPartitionColumn) and later reads of it are checked like reads of a table.
   */
  async function traceView(table: Table): Promise<void> {
    catalog.clearVariables();
    const result = await zetasql.analyze(createOrReplace(table).sql, catalog);
    const reads = result.statements.flatMap((s) =>
      s.resolved && s.text !== undefined ? partitionReads(s.resolved, partitionColumn, s.text) : [],
    );
    const output = (catalog.columns(fullName(table.target)) ?? []).map((c) => c.name);
    const column = viewPartitionColumn(reads, output);
    if (column) partitions.set(fullName(table.target).toLowerCase(), column);
  }

  async function checkAction(action: Action, name: string, run: typeof analyse): Promise<boolean> {
    const file = action.fileName;
    const tags =
      (action.kind === 'table' ? action.table.tags : action.kind === 'operation' ? action.operation.tags : action.assertion.tags) ?? [];
    const historyOk = tags.includes(FULL_HISTORY_TAG);
    // Dataform sends an action's statements to BigQuery as one script (variables DECLAREd in
    // pre_operations are visible to the query), which stops at its first error: so does the
    // check, and each script starts with no variables. `everyRun`: the script a scheduled run sends.
    const script = async (statements: Statement[], everyRun = true): Promise<boolean> => {
      catalog.clearVariables();
      for (const statement of statements) if (!(await run(name, file, statement, everyRun, historyOk))) return false;
      return true;
    };
    const ops = (list: string[] | undefined, label: string) => (list ?? []).map((sql, i) => verbatim(`${label}[${i + 1}]`, sql));
    if (action.kind === 'table') {
      const table = action.table;
      // The first (full-refresh) run: pre_operations, CREATE OR REPLACE, post_operations.
      // (The first run of an incremental table reads history by design; a table is rebuilt every
      // run; creating a view reads nothing: what reads through it is checked where it is read.)
      if (
        !(await script(
          [...ops(table.preOps, 'pre_operations'), createOrReplace(table), ...ops(table.postOps, 'post_operations')],
          table.type === 'table',
        ))
      )
        return false;
      configProblems(name, file, table);
      if (table.type === 'view') await traceView(table);
      if (table.type !== 'incremental') return true;
      // A later run, with the table in place: its columns are what the MERGE/INSERT lists.
      return script([
        ...ops(table.incrementalPreOps, 'incremental pre_operations'),
        incrementalStatement(table, catalog),
        ...ops(table.incrementalPostOps, 'incremental post_operations'),
      ]);
    }
    if (action.kind === 'operation') return script(ops(action.operation.queries, 'operations'));
    const assertion = action.assertion;
    return script([assertionView(assertion.target, assertion.query ?? ''), assertionCount(assertion.target)]);
  }
}

/** A unit test's verdict: same column names, and the same rows as multisets (values compared as the actual column's type). */
function compareTestResults(actual: EvaluateResult, expected: EvaluateResult): { status: 'passed' | 'failed'; detail?: string } {
  const names = (r: EvaluateResult) =>
    r.columns
      .map((c) => c.name)
      .sort()
      .join(', ');
  if (names(actual) !== names(expected))
    return { status: 'failed', detail: `columns differ: expected (${names(expected)}), got (${names(actual)})` };
  const columns = [...actual.columns].sort((a, b) => a.name.localeCompare(b.name));
  const rows = (r: EvaluateResult) => r.rows.map((row) => canonicalRow(row, columns)).sort();
  const differences = compareCanonical(rows(actual), rows(expected), 3).map((d) =>
    d
      .replace('only in BigQuery', 'unexpected')
      .replace('only in DuckDB', 'missing')
      .replace(/^row count: BigQuery (\d+), DuckDB (\d+)$/, 'got $1 rows, expected $2'),
  );
  return differences.length === 0
    ? { status: 'passed' }
    : { status: 'failed', detail: `rows differ (columns ${columns.map((c) => c.name).join(', ')}): ${differences.join('; ')}` };
}

/** Where a SQLX file's config block starts (1:1 when there is none). */
function configPosition(text: string | undefined): { line: number; column: number } {
  const at = text ? text.search(/\bconfig\s*\{/) : -1;
  return at >= 0 ? positionAt(text!, at) : { line: 1, column: 1 };
}

/** The statement of an incremental run: MERGE on the unique key, else INSERT, over the table's current columns. */
function incrementalStatement(table: Table, catalog: Catalog): Statement {
  const columns = (catalog.columns(fullName(table.target)) ?? []).map((c) => c.name);
  return (table.uniqueKey ?? []).length > 0 ? mergeInto(table, columns) : insertInto(table, columns);
}

/** Compiles the project for BigQuery, starts ZetaSQL (unless given one), checks, and always stops the server. */
export async function runCheck(options: CheckOptions = {}): Promise<CheckReport> {
  const t0 = performance.now();
  // The server boots (~0.2 s, its own process) while this process compiles.
  const starting = options.zetasql ? Promise.resolve(options.zetasql) : startZetaSQL();
  let graph: CompiledGraph;
  try {
    // The full_history actions compile disabled unless fullHistory=true: enabled here, so that they are analysed too.
    graph = compileProject({ warehouse: 'bigquery', projectDir: options.projectDir, vars: { fullHistory: 'true', ...options.vars } });
  } catch (error) {
    if (!options.zetasql) await (await starting.catch(() => undefined))?.close();
    throw error;
  }
  const t1 = performance.now();
  const zetasql = await starting;
  const t2 = performance.now();
  try {
    const result = await checkGraph(graph, zetasql, options);
    const t3 = performance.now();
    return { ...result, serverPid: zetasql.pid, timings: { compileMs: t1 - t0, startMs: t2 - t1, analyseMs: t3 - t2, totalMs: t3 - t0 } };
  } finally {
    if (!options.zetasql) await zetasql.close();
  }
}

/** `project.dataset.table` -> `dataset.table`. */
function shortTable(name: string): string {
  return name.split('.').slice(-2).join('.');
}

/**
 * The per-action summary of reads of partitioned tables in a scheduled run, one line per action:
 * `logflow.requests: reads logflow.int_lines_parsed where received_at > requests_since; ...`.
 */
export function formatReads(report: Pick<CheckReport, 'reads'>): string[] {
  const byAction = new Map<string, string[]>();
  for (const entry of report.reads) {
    const list = byAction.get(entry.action) ?? [];
    for (const read of entry.reads) {
      const why = entry.exempt ? `, ${entry.exempt}` : '';
      const what = read.bound
        ? `where ${read.bound.length > 90 ? `${read.bound.slice(0, 87)}...` : read.bound}`
        : `UNBOUNDED (all partitions of ${read.column}${why})`;
      const line = `reads ${shortTable(read.table)} ${what}`;
      if (!list.includes(line)) list.push(line);
    }
    byAction.set(entry.action, list);
  }
  return [...byAction].map(([action, list]) => `${action}: ${list.join('; ')}`);
}

/** One line per problem: `file:line:col: schema.name (statement): message`. */
export function formatProblem(problem: Problem): string {
  const where = problem.line !== undefined ? `${problem.file ?? '?'}:${problem.line}:${problem.column ?? 1}` : (problem.file ?? '?');
  const compiled = problem.compiled ? ` at ${problem.compiled.line}:${problem.compiled.column} of the compiled SQL` : '';
  const inside = problem.exact === false ? ' (in the ${...} expansion that starts there)' : '';
  return `${where}: ${problem.action} (${problem.statement}${compiled}): ${problem.message}${inside}`;
}

/** The one-line summary. */
export function formatSummary(report: CheckReport): string {
  const seconds = (report.timings.totalMs / 1000).toFixed(2);
  const skipped = report.skipped.length > 0 ? `, ${report.skipped.length} action(s) skipped` : '';
  const passed = report.tests.filter((t) => t.status === 'passed').length;
  const tests = report.tests.length > 0 ? `, ${passed}/${report.tests.length} unit test(s) passed in ZetaSQL's evaluator` : '';
  const counts = `${report.actions} action(s), ${report.statements} statement(s) analysed as BigQuery SQL by ZetaSQL${skipped}${tests}`;
  if (report.problems.length === 0) return `check passed: ${counts}, no problems (${seconds} s)`;
  return `check failed: ${report.problems.length} problem(s); ${counts} (${seconds} s)`;
}
