import type { DuckDBConnection } from '@duckdb/node-api';
import { LogflowError } from '../core/errors.ts';
import { shortName, type CompiledGraph, type Target, type UnitTest } from './graph.ts';
import { planGraph, type Action, type Selection } from './plan.ts';
import { addProfile, profiledStatement, rowsProfile, type RowsProfile } from './profile.ts';
import { ident, quoteTarget, toDuckdbNames } from './sql.ts';

export interface RunOptions extends Selection {
  fullRefresh?: boolean;
  /** Print the SQL each action would run instead of running it. */
  dryRun?: boolean;
  /** Progress lines (one per action) go here. */
  log?: (line: string) => void;
  /**
   * Profile each action's query (or incremental query) and pre/post operations with DuckDB's
   * EXPLAIN ANALYZE and report the rows they read per table (ActionResult.profile). For tests.
   */
  profile?: boolean;
}

export type ActionStatus = 'success' | 'failed' | 'skipped' | 'disabled';

export interface ActionResult {
  name: string;
  kind: string;
  status: ActionStatus;
  seconds: number;
  /** Rows in the table after the action (tables, incrementals), or rows the assertion found. */
  rows?: number;
  /** Rows the incremental run added or changed. */
  changedRows?: number;
  error?: string;
  sql?: string[];
  /** With RunOptions.profile: rows the action's query read per table and processed per operator. */
  profile?: RowsProfile;
}

export interface RunSummary {
  results: ActionResult[];
  ok: boolean;
  seconds: number;
}

const ASSERTION_SAMPLE_ROWS = 5;

/**
 * Runs a compiled Dataform graph on a DuckDB connection with Dataform's semantics:
 * dependency order; tables and views created or replaced; incremental tables built from
 * `query` on the first run (or with fullRefresh) and otherwise merged on `uniqueKey` from
 * `incrementalQuery` (rows with a key of the new ones replaced, by delete and insert; appended when
 * there is no key); pre/post operations; operations;
 * assertions that fail the run when they return rows. Each action runs in one transaction,
 * so a failure leaves the previous table in place. A failure skips its dependants.
 */
export async function runGraph(connection: DuckDBConnection, graph: CompiledGraph, options: RunOptions = {}): Promise<RunSummary> {
  const log = options.log ?? (() => {});
  const plan = planGraph(graph, options);
  const started = performance.now();
  const results: ActionResult[] = [];
  const failed = new Set<string>();
  // Schemas created (committed) in this run: later actions in them skip `create schema`.
  const schemas = new Set<string>();

  if (!options.dryRun) await checkDeclarations(connection, plan.order, plan.declarations);

  for (const action of plan.order) {
    const name = shortName(action.target);
    const t0 = performance.now();
    const blockedBy = action.deps.find((d) => failed.has(d));
    if (blockedBy) {
      failed.add(action.key);
      results.push({
        name,
        kind: label(action),
        status: 'skipped',
        seconds: 0,
        error: `skipped: depends on ${shortName(plan.all.get(blockedBy)!.target)}, which failed`,
      });
      log(`  - ${name} skipped (depends on ${shortName(plan.all.get(blockedBy)!.target)}, which failed)`);
      continue;
    }
    if (action.disabled) {
      results.push({ name, kind: label(action), status: 'disabled', seconds: 0 });
      log(`  - ${name} disabled (${disabledReason(action)})`);
      continue;
    }
    const steps = (await stepsFor(connection, action, options)).filter((s) => !(s.what === 'schema' && schemas.has(schemaOf(action))));
    if (options.dryRun) {
      results.push({ name, kind: label(action), status: 'success', seconds: 0, sql: steps.map((s) => s.sql) });
      log(`-- ${name} (${label(action)})\n${steps.map((s) => s.sql.trim() + ';').join('\n')}\n`);
      continue;
    }
    const result: ActionResult = { name, kind: label(action), status: 'success', seconds: 0 };
    try {
      await connection.run('begin transaction');
      for (const step of steps) {
        try {
          if (options.profile && step.profiled) {
            const reader = await connection.runAndReadAll(profiledStatement(step.sql));
            const profile = rowsProfile(String(reader.getRows()[0]?.[1] ?? '{}'));
            result.profile = addProfile(result.profile ?? { read: {}, widest: {} }, profile);
            continue;
          }
          const reader = await connection.runAndReadAll(step.sql);
          if (step.changes) result.changedRows = Number(reader.getRows()[0]?.[0] ?? 0);
        } catch (error) {
          throw new StepError(step.what, firstLine(error));
        }
      }
      if (action.kind === 'assertion') {
        const view = quoteTarget(action.target);
        const count = Number((await connection.runAndReadAll(`select count(*) from ${view}`)).getRows()[0]?.[0] ?? 0);
        result.rows = count;
        if (count > 0) {
          const sample = (await connection.runAndReadAll(`select * from ${view} limit ${ASSERTION_SAMPLE_ROWS}`)).getRowObjectsJson();
          await connection.run('commit');
          throw new StepError('assertion', `${count} row(s) violate it, e.g. ${sample.map((r) => JSON.stringify(r)).join('; ')}`);
        }
      } else if (action.kind === 'table' && action.table.type !== 'view') {
        result.rows = Number((await connection.runAndReadAll(`select count(*) from ${quoteTarget(action.target)}`)).getRows()[0]?.[0] ?? 0);
      }
      await connection.run('commit');
      schemas.add(schemaOf(action));
    } catch (error) {
      await connection.run('rollback').catch(() => {});
      result.status = 'failed';
      result.error = error instanceof StepError ? `${error.what}: ${error.message}` : firstLine(error);
      failed.add(action.key);
    }
    result.seconds = (performance.now() - t0) / 1000;
    results.push(result);
    log(formatResult(result));
  }
  const seconds = (performance.now() - started) / 1000;
  return { results, ok: results.every((r) => r.status !== 'failed' && r.status !== 'skipped'), seconds };
}

class StepError extends Error {
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(message);
  }
}

/** The tag of the checks that read all history (includes/model_checks.js FULL_HISTORY_TAG). */
const FULL_HISTORY_TAG = 'full_history';

/**
 * Why an action is disabled, in words a user can act on: the full-history checks compile disabled
 * unless the var fullHistory is true (includes/model_checks.js); anything else is disabled by its
 * own config for this warehouse (e.g. a BigQuery-only UDF the local executor provides itself).
 */
export function disabledReason(action: Pick<Action, 'tags'>): string {
  if (action.tags.includes(FULL_HISTORY_TAG)) return `full-history check: run it with --tags ${FULL_HISTORY_TAG} --vars fullHistory=true`;
  return 'by its config for this warehouse';
}

function label(action: Action): string {
  if (action.kind === 'table') return action.table.type ?? 'table';
  return action.kind;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').filter((l) => l.trim() !== '')[0] ?? text;
}

export function formatResult(r: ActionResult): string {
  const rows =
    r.changedRows !== undefined ? `, ${r.changedRows} rows changed, ${r.rows} total` : r.rows !== undefined ? `, ${r.rows} rows` : '';
  if (r.status === 'failed') return `  ✗ ${r.name} (${r.kind}) failed after ${r.seconds.toFixed(2)} s: ${r.error}`;
  return `  ✓ ${r.name} (${r.kind}${rows}) ${r.seconds.toFixed(2)} s`;
}

interface Step {
  what: string;
  sql: string;
  /** The statement returns the number of changed rows in its first cell. */
  changes?: boolean;
  /** The model's query or one of its operations (RunOptions.profile profiles it). */
  profiled?: boolean;
}

function schemaOf(action: Action): string {
  return `${action.target.database}.${action.target.schema}`;
}

/** The table's columns in order, or none when it does not exist (one catalog query). */
async function tableColumns(connection: DuckDBConnection, target: Target): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    'select column_name from information_schema.columns where table_catalog = $1 and table_schema = $2 and table_name = $3 order by ordinal_position',
    [target.database ?? '', target.schema ?? '', target.name ?? ''],
  );
  return reader.getRows().map((r) => String(r[0]));
}

async function tableExists(connection: DuckDBConnection, target: Target): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    'select count(*) from information_schema.tables where table_catalog = $1 and table_schema = $2 and table_name = $3',
    [target.database ?? '', target.schema ?? '', target.name ?? ''],
  );
  return Number(reader.getRows()[0]?.[0] ?? 0) > 0;
}

async function stepsFor(connection: DuckDBConnection, action: Action, options: RunOptions): Promise<Step[]> {
  const target = quoteTarget(action.target);
  const schema = `create schema if not exists ${ident(action.target.database ?? '')}.${ident(action.target.schema ?? '')}`;
  const ops = (what: string, list: string[] | undefined): Step[] =>
    (list ?? []).filter((q) => q.trim() !== '').map((q) => ({ what, sql: toDuckdbNames(q), profiled: true }));

  if (action.kind === 'operation') {
    return [{ what: 'schema', sql: schema }, ...ops('operation', action.operation.queries)];
  }
  if (action.kind === 'assertion') {
    return [
      { what: 'schema', sql: schema },
      { what: 'assertion view', sql: `create or replace view ${target} as ${toDuckdbNames(action.assertion.query ?? '')}` },
    ];
  }
  const table = action.table;
  const query = toDuckdbNames(table.query ?? '');
  if (table.type === 'view') {
    return [
      { what: 'schema', sql: schema },
      ...ops('pre-operation', table.preOps),
      { what: 'view', sql: `create or replace view ${target} as ${query}` },
      ...ops('post-operation', table.postOps),
    ];
  }
  const rebuild: Step[] = [
    { what: 'schema', sql: schema },
    ...ops('pre-operation', table.preOps),
    { what: 'query', sql: `create or replace table ${target} as ${query}`, profiled: true },
    ...ops('post-operation', table.postOps),
  ];
  if (table.type !== 'incremental' || options.fullRefresh) return rebuild;
  const columns = await tableColumns(connection, action.target);
  if (columns.length === 0) return rebuild;
  return incrementalSteps(action, table, columns, target, schema, ops);
}

function incrementalSteps(
  action: Action,
  table: NonNullable<Extract<Action, { kind: 'table' }>['table']>,
  columns: string[],
  target: string,
  schema: string,
  ops: (what: string, list: string[] | undefined) => Step[],
): Step[] {
  const incremental = toDuckdbNames(table.incrementalQuery ?? table.query ?? '');
  const cols = columns.map(ident);
  const source = '__logflow_incremental_source';
  const key = table.uniqueKey ?? [];
  const steps: Step[] = [{ what: 'schema', sql: schema }, ...ops('incremental pre-operation', table.incrementalPreOps)];
  // The source is materialised first so pre-operations' side effects are visible and the
  // query runs once; its columns must be the table's (a changed schema needs --full-refresh).
  steps.push({
    what: 'incremental query',
    sql: `create or replace temp table ${source} as select distinct * from (${incremental}) as s`,
    profiled: true,
  });
  steps.push({ what: 'incremental schema', sql: schemaCheck(source, columns, shortNameOf(action)) });
  if (key.length > 0) {
    const keyCols = key.map(ident).join(', ');
    steps.push({ what: 'unique key', sql: duplicateKeyCheck(source, keyCols, shortNameOf(action)) });
    const on = key.map((k) => `t.${ident(k)} = s.${ident(k)}`).join(' and ');
    // Merge on the key as delete-then-insert, in the action's transaction: the same rows as
    // MERGE ... WHEN MATCHED THEN UPDATE (every column comes from the source either way), but
    // DuckDB's MERGE holds the updated rows of a wide table in memory and failed with Out of
    // Memory under a 1 GB limit on 1M requests, where the delete's join is built on the new rows.
    steps.push({ what: 'merge: delete matched rows', changes: true, sql: `delete from ${target} as t using ${source} as s where ${on}` });
    steps.push({
      what: 'merge: insert',
      changes: true,
      sql: `insert into ${target} (${cols.join(', ')}) select ${cols.join(', ')} from ${source}`,
    });
  } else {
    steps.push({
      what: 'insert',
      changes: true,
      sql: `insert into ${target} (${cols.join(', ')}) select ${cols.join(', ')} from ${source}`,
    });
  }
  steps.push(...ops('incremental post-operation', table.incrementalPostOps));
  steps.push({ what: 'cleanup', sql: `drop table if exists ${source}` });
  return steps;
}

function shortNameOf(action: Action): string {
  return shortName(action.target);
}

/** A statement that fails (via DuckDB's error()) when the source's columns differ from the table's. */
function schemaCheck(source: string, tableColumns: string[], name: string): string {
  const expected = [...tableColumns].sort().join(',').replaceAll("'", "''");
  return `select case when (select string_agg(column_name, ',' order by column_name) from (describe ${source})) <> '${expected}'
    then error('the incremental query of ${name} returns other columns than the table has; rebuild it with --full-refresh') end`;
}

/** Fails like BigQuery's MERGE when two different source rows share a unique key. */
function duplicateKeyCheck(source: string, keyCols: string, name: string): string {
  return `select case when exists (select 1 from ${source} group by ${keyCols} having count(*) > 1)
    then error('the incremental query of ${name} returns several different rows for one unique key (BigQuery MERGE would fail too): deduplicate it in the model') end`;
}

async function checkDeclarations(connection: DuckDBConnection, order: Action[], declarations: Map<string, Target>): Promise<void> {
  const needed = new Map<string, Target>();
  for (const a of order) for (const d of a.deps) if (declarations.has(d)) needed.set(d, declarations.get(d)!);
  for (const target of needed.values()) {
    if (!(await tableExists(connection, target))) {
      throw new LogflowError(
        `source ${shortName(target)} does not exist in the warehouse; load it first (logflow ingest for logflow_raw.landing, logflow geo load for logflow_ref.*)`,
      );
    }
  }
}

export interface TestResult {
  name: string;
  ok: boolean;
  message?: string;
}

/**
 * Runs Dataform unit tests: the model's query on the test's inputs against the expected
 * output, compared as multisets of rows with columns matched by name.
 */
export async function runUnitTests(connection: DuckDBConnection, tests: UnitTest[]): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const test of tests) {
    const name = test.name ?? '(unnamed test)';
    try {
      const actual = (await connection.runAndReadAll(toDuckdbNames(test.testQuery ?? ''))).getRowObjectsJson();
      const expected = (await connection.runAndReadAll(toDuckdbNames(test.expectedOutputQuery ?? ''))).getRowObjectsJson();
      const diff = compareRows(actual, expected);
      results.push({ name, ok: diff === undefined, message: diff });
    } catch (error) {
      results.push({ name, ok: false, message: firstLine(error) });
    }
  }
  return results;
}

/** undefined when equal as multisets (column order ignored), else a one-line difference. */
export function compareRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[]): string | undefined {
  // Values compare by their text, so INT64 2 (JSON "2") equals INTEGER 2 (JSON 2), as in BigQuery.
  const text = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const canon = (row: Record<string, unknown>) =>
    JSON.stringify(
      Object.keys(row)
        .sort()
        .map((k) => [k, text(row[k])]),
    );
  const a = actual.map(canon).sort();
  const e = expected.map(canon).sort();
  if (a.length !== e.length) return `expected ${e.length} rows, got ${a.length}`;
  const i = a.findIndex((row, n) => row !== e[n]);
  return i < 0 ? undefined : `row differs: expected ${e[i]}, got ${a[i]}`;
}
