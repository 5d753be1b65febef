import type { DuckDBConnection } from '@duckdb/node-api';
import { LogflowError } from '../core/errors.ts';
import { markViewSql, viewMark, viewMarks } from './assertion-views.ts';
import { fullName, shortName, type CompiledGraph, type Target, type UnitTest } from './graph.ts';
import { planGraph, type Action, type Selection } from './plan.ts';
import { addProfile, profiledStatement, rowsProfile, type RowsProfile } from './profile.ts';
import { ident, quoteTarget, toDuckdbNames } from './sql.ts';
import { statementTimer } from './statement-times.ts';

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
  /**
   * Opens another connection to the same warehouse (the catalog in use, as `connection`): with it,
   * independent actions run at the same time, up to `concurrency`. Without it, one at a time.
   */
  connect?: () => Promise<DuckDBConnection>;
  /** Most actions running at once with `connect` (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
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
 *
 * With `options.connect`, actions whose dependencies have all finished run at the same time, each
 * on its own connection (up to `concurrency`), as `dataform run` does on BigQuery: an action
 * starts only after every action it depends on has committed, and each still commits or rolls
 * back alone. Results come back in the plan's order whatever order the actions finished in.
 */
export async function runGraph(connection: DuckDBConnection, graph: CompiledGraph, options: RunOptions = {}): Promise<RunSummary> {
  const log = options.log ?? (() => {});
  const plan = planGraph(graph, options);
  const started = performance.now();
  const results: (ActionResult | undefined)[] = plan.order.map(() => undefined);
  const failed = new Set<string>();
  // Schemas created (committed) in this run: later actions in them skip `create schema`.
  const schemas = new Set<string>();

  if (!options.dryRun) {
    await checkDeclarations(connection, plan.order, plan.declarations);
    await createSchemas(connection, plan.order, schemas);
  }
  const existing = await catalogColumns(connection, plan.order);
  // A run that only merges new rows checkpoints once, after its last write (checkpointAside), not
  // whenever the WAL passes DuckDB's 16 MiB threshold in the middle of the run: that automatic
  // checkpoint ran inside a commit on the critical path (1.9 s of a +10k run on 1M lines).
  const deferred = options.dryRun ? undefined : await deferCheckpoints(connection, plan.order, options, existing);
  // A dry run prints every assertion's view as created; a run re-creates only the changed ones.
  const views = options.dryRun ? new Map<string, string>() : await viewMarks(connection, plan.order);
  const limit = options.dryRun || !options.connect ? 1 : Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const schedule = new Schedule(plan.order, limit > 1 && !sharesSessionState(plan.order));
  const idle: DuckDBConnection[] = [connection];
  const opened: DuckDBConnection[] = [];
  const running = new Map<number, Promise<void>>();
  let canOpen = schedule.concurrent ? limit - 1 : 0;
  let exclusive = false;
  const open = async (): Promise<DuckDBConnection | undefined> => {
    canOpen--;
    const conn = await options.connect!().catch(() => undefined);
    if (conn) opened.push(conn);
    else canOpen = 0; // no other connection: carry on with the ones there are
    return conn;
  };
  // Once every action that writes has finished, the ones left (assertions whose views stand) only
  // read: the WAL is checkpointed then, on a connection of its own, while they run, instead of when
  // the warehouse closes after them. The checkpoint is an optimisation: if it fails, closing does it.
  const writes = plan.order.map((a) => !a.disabled && !(a.kind === 'assertion' && views.get(a.key) === viewMark(assertionViewSql(a))));
  let writing = writes.filter(Boolean).length;
  let unfinished = plan.order.length;
  let checkpoint: Promise<void> | undefined;
  const finish = (index: number) => {
    unfinished--;
    if (writes[index]) writing--;
    schedule.finish(index);
    if (writing === 0 && unfinished > 0 && !checkpoint && options.connect && !options.dryRun) checkpoint = checkpointAside(options.connect);
  };

  try {
    for (;;) {
      for (let index = schedule.next(); index !== undefined; index = schedule.next()) {
        const action = plan.order[index]!;
        const name = shortName(action.target);
        const blockedBy = action.deps.find((d) => failed.has(d));
        if (blockedBy) {
          failed.add(action.key);
          const by = shortName(plan.all.get(blockedBy)!.target);
          results[index] = { name, kind: label(action), status: 'skipped', seconds: 0, error: `skipped: depends on ${by}, which failed` };
          log(`  - ${name} skipped (depends on ${by}, which failed)`);
          finish(index);
          continue;
        }
        if (action.disabled) {
          results[index] = { name, kind: label(action), status: 'disabled', seconds: 0 };
          log(`  - ${name} disabled (${disabledReason(action)})`);
          finish(index);
          continue;
        }
        // A build of a whole table runs alone: DuckDB gives it every thread and the whole memory limit.
        const alone = schedule.concurrent && buildsWholeTable(action, options, existing);
        const conn = exclusive || (alone && running.size > 0) ? undefined : (idle.pop() ?? (canOpen > 0 ? await open() : undefined));
        if (!conn) {
          schedule.unnext(index);
          break;
        }
        if (alone) exclusive = true;
        const at = index;
        const task = (async () => {
          try {
            const { result, line } = await runAction(conn, action, options, schemas, existing, views);
            if (result.status === 'failed') failed.add(action.key);
            results[at] = result;
            log(line);
          } finally {
            if (alone) exclusive = false;
            idle.push(conn);
            running.delete(at);
            finish(at);
          }
        })();
        running.set(at, task);
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    await Promise.allSettled(running.values());
    await checkpoint;
    for (const c of opened) c.disconnectSync();
    await deferred?.restore();
  }
  const seconds = (performance.now() - started) / 1000;
  const done = results.filter((r): r is ActionResult => r !== undefined);
  return { results: done, ok: done.every((r) => r.status !== 'failed' && r.status !== 'skipped'), seconds };
}

/** The WAL size up to which an incremental run defers DuckDB's automatic checkpoint (a +10k run on 1M lines writes ~20 MB). */
export const DEFERRED_CHECKPOINT_THRESHOLD = '1GB';

/**
 * When no action of the plan builds a whole table (an incremental run: merges, views, assertions),
 * raises DuckDB's checkpoint_threshold until the run ends (restore()), so that the WAL is
 * checkpointed once, after the last write, instead of in the middle of the run. A build of whole
 * tables keeps the default: its WAL may be large, and checkpoints free the tables it replaced.
 */
async function deferCheckpoints(
  connection: DuckDBConnection,
  order: Action[],
  options: RunOptions,
  existing: Map<string, string[]>,
): Promise<{ restore: () => Promise<void> } | undefined> {
  if (order.some((a) => !a.disabled && buildsWholeTable(a, options, existing))) return undefined;
  const before = String((await connection.runAndReadAll("select current_setting('checkpoint_threshold')")).getRows()[0]?.[0] ?? '');
  if (!before) return undefined;
  await connection.run(`set checkpoint_threshold = '${DEFERRED_CHECKPOINT_THRESHOLD}'`);
  return {
    restore: async () => {
      await connection.run(`set checkpoint_threshold = '${before.replaceAll("'", "''")}'`).catch(() => {});
    },
  };
}

/** Checkpoints the warehouse on a connection of its own; never throws (closing checkpoints anyway). */
async function checkpointAside(connect: () => Promise<DuckDBConnection>): Promise<void> {
  try {
    const conn = await connect();
    try {
      await conn.run('checkpoint');
    } finally {
      conn.disconnectSync();
    }
  } catch {
    // Closing the warehouse checkpoints what is left.
  }
}

/**
 * Whether the action builds a table from its whole query (a table, or an incremental table on its
 * first run or a full refresh), not a merge of new rows, a view, an assertion or an operation.
 */
function buildsWholeTable(action: Action, options: RunOptions, existing: Map<string, string[]>): boolean {
  if (action.kind !== 'table' || action.table.type === 'view') return false;
  return action.table.type !== 'incremental' || !!options.fullRefresh || !existing.has(action.key);
}

/** Actions run at once by default when the caller can open more connections (2 cores: one waits on I/O or Node while the other plans). */
export const DEFAULT_CONCURRENCY = 2;

/** Runs one action in its own transaction on `connection`; never throws (a failure is its result). */
async function runAction(
  connection: DuckDBConnection,
  action: Action,
  options: RunOptions,
  schemas: Set<string>,
  existing: Map<string, string[]>,
  views: Map<string, string>,
): Promise<{ result: ActionResult; line: string }> {
  const name = shortName(action.target);
  const t0 = performance.now();
  const result: ActionResult = { name, kind: label(action), status: 'success', seconds: 0 };
  const stepsOf = (reuseView: boolean) =>
    stepsFor(action, options, existing, reuseView).filter((s) => !(s.what === 'schema' && schemas.has(schemaOf(action))));
  if (options.dryRun) {
    const steps = stepsOf(false);
    result.sql = steps.map((s) => s.sql);
    return { result, line: `-- ${name} (${label(action)})\n${steps.map((s) => s.sql.trim() + ';').join('\n')}\n` };
  }
  // An assertion whose view was created from the same SQL queries it as it is (assertion-views.ts).
  const reuseView = action.kind === 'assertion' && views.get(action.key) === viewMark(assertionViewSql(action));
  const outcome = await runSteps(connection, action, options, stepsOf(reuseView), result, schemas);
  // The view as it stands cannot be queried (e.g. a column it reads changed type): create it again.
  if (reuseView && outcome === 'view unusable') await runSteps(connection, action, options, stepsOf(false), result, schemas);
  result.seconds = (performance.now() - t0) / 1000;
  return { result, line: formatResult(result) };
}

/**
 * Runs an action's steps in one transaction and fills `result`: committed, or rolled back and
 * failed. 'view unusable' when the action reused its assertion view (no steps) and querying it
 * failed: nothing is recorded then, so that the caller creates the view again.
 */
async function runSteps(
  connection: DuckDBConnection,
  action: Action,
  options: RunOptions,
  steps: Step[],
  result: ActionResult,
  schemas: Set<string>,
): Promise<'done' | 'view unusable'> {
  const reusing = action.kind === 'assertion' && !steps.some((s) => s.what === 'assertion view');
  const timed = statementTimer(shortName(action.target));
  try {
    await connection.run('begin transaction');
    for (const step of steps) {
      const t0 = timed ? performance.now() : 0;
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
      } finally {
        timed?.(step.what, step.sql, t0);
      }
    }
    if (action.kind === 'assertion') {
      const view = quoteTarget(action.target);
      let count: number;
      const t0 = timed ? performance.now() : 0;
      try {
        count = Number((await connection.runAndReadAll(`select count(*) from ${view}`)).getRows()[0]?.[0] ?? 0);
        timed?.('assertion query', `select count(*) from ${view}`, t0);
      } catch (error) {
        if (reusing) {
          await connection.run('rollback').catch(() => {});
          return 'view unusable';
        }
        throw error;
      }
      result.rows = count;
      if (count > 0) {
        const sample = (await connection.runAndReadAll(`select * from ${view} limit ${ASSERTION_SAMPLE_ROWS}`)).getRowObjectsJson();
        await connection.run('commit');
        throw new StepError('assertion', `${count} row(s) violate it, e.g. ${sample.map((r) => JSON.stringify(r)).join('; ')}`);
      }
    } else if (action.kind === 'table' && action.table.type !== 'view') {
      const t0 = timed ? performance.now() : 0;
      result.rows = Number((await connection.runAndReadAll(`select count(*) from ${quoteTarget(action.target)}`)).getRows()[0]?.[0] ?? 0);
      timed?.('row count', 'select count(*)', t0);
    }
    const t0 = timed ? performance.now() : 0;
    await connection.run('commit');
    timed?.('commit', 'commit', t0);
    schemas.add(schemaOf(action));
  } catch (error) {
    await connection.run('rollback').catch(() => {});
    result.status = 'failed';
    result.error = error instanceof StepError ? `${error.what}: ${error.message}` : firstLine(error);
  }
  return 'done';
}

/**
 * The order actions start in. One at a time, the plan's order. Concurrently, an action is ready
 * once every action of the plan it depends on has finished, and of the ready ones the one with the
 * longest chain of dependants goes first (the chain bounds the run's time), then the plan's order.
 */
class Schedule {
  private readonly waiting: number[];
  private readonly dependents: number[][];
  private readonly rank: number[];
  private readonly ready: number[] = [];

  constructor(
    order: Action[],
    readonly concurrent: boolean,
  ) {
    const index = new Map(order.map((a, i) => [a.key, i]));
    this.dependents = order.map(() => []);
    this.waiting = order.map((a, i) => {
      const deps = [...new Set(a.deps)].filter((d) => index.has(d));
      for (const d of deps) this.dependents[index.get(d)!]!.push(i);
      return deps.length;
    });
    // Longest chain of dependants (in actions), computed backwards over the topological order.
    this.rank = order.map(() => 0);
    for (let i = order.length - 1; i >= 0; i--) {
      for (const j of this.dependents[i]!) this.rank[i] = Math.max(this.rank[i]!, this.rank[j]! + 1);
    }
    for (let i = 0; i < order.length; i++) if (this.waiting[i] === 0) this.push(i);
  }

  /** The next action to start, taken off the ready list (undefined: none is ready now). */
  next(): number | undefined {
    return this.ready.shift();
  }

  /** Puts back an action next() gave that could not start yet. */
  unnext(i: number): void {
    this.ready.unshift(i);
  }

  /** Marks an action finished: its dependants whose dependencies have all finished become ready. */
  finish(i: number): void {
    for (const j of this.dependents[i]!) {
      this.waiting[j] = this.waiting[j]! - 1;
      if (this.waiting[j] === 0) this.push(j);
    }
  }

  private push(i: number): void {
    const before = (a: number, b: number) => (this.concurrent && this.rank[a] !== this.rank[b] ? this.rank[a]! > this.rank[b]! : a < b);
    let at = this.ready.findIndex((r) => before(i, r));
    if (at < 0) at = this.ready.length;
    this.ready.splice(at, 0, i);
  }
}

/**
 * Whether an action may read session state another action left on the connection: a DuckDB
 * variable it reads but does not set itself (`getvariable`), or a temporary table created by an
 * operation. Each connection has its own, so such a graph runs one action at a time.
 */
export function sharesSessionState(order: Action[]): boolean {
  for (const action of order) {
    const sql = actionSql(action).join('\n');
    const set = new Set([...sql.matchAll(/set\s+variable\s+([A-Za-z_][A-Za-z0-9_]*)/gi)].map((m) => m[1]!.toLowerCase()));
    for (const m of sql.matchAll(/getvariable\s*\(\s*'([^']*)'/gi)) if (!set.has(m[1]!.toLowerCase())) return true;
    if (/create\s+(or\s+replace\s+)?(temp|temporary)\s/i.test(sql)) return true;
  }
  return false;
}

/** Every SQL text of an action, as compiled. */
export function actionSql(action: Action): string[] {
  if (action.kind === 'operation') return action.operation.queries ?? [];
  if (action.kind === 'assertion') return [action.assertion.query ?? ''];
  const t = action.table;
  return [
    t.query,
    t.incrementalQuery,
    ...(t.preOps ?? []),
    ...(t.postOps ?? []),
    ...(t.incrementalPreOps ?? []),
    ...(t.incrementalPostOps ?? []),
  ].filter((q): q is string => q !== undefined);
}

/**
 * Creates every schema the run writes into, once, before any action: concurrent actions would
 * otherwise conflict on creating the same schema (DuckDB: write-write conflict on create).
 */
async function createSchemas(connection: DuckDBConnection, order: Action[], schemas: Set<string>): Promise<void> {
  const targets = new Map<string, Target>();
  for (const a of order) if (!a.disabled) targets.set(schemaOf(a), a.target);
  if (targets.size === 0) return;
  await connection.run(
    [...targets.values()].map((t) => `create schema if not exists ${ident(t.database ?? '')}.${ident(t.schema ?? '')}`).join(';\n'),
  );
  for (const key of targets.keys()) schemas.add(key);
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

/**
 * The columns, in order, of every table in the catalogs the plan writes, read once at the start of
 * a run (one catalog query instead of one per action). Only an action writes its own table, so
 * an incremental table's columns are still these when its action starts; the merge checks them
 * again inside its transaction (schemaCheck).
 */
async function catalogColumns(connection: DuckDBConnection, order: Action[]): Promise<Map<string, string[]>> {
  const catalogs = [...new Set(order.map((a) => a.target.database ?? ''))];
  const columns = new Map<string, string[]>();
  if (catalogs.length === 0) return columns;
  const reader = await connection.runAndReadAll(
    `select table_catalog, table_schema, table_name, column_name from information_schema.columns
     where table_catalog in (${catalogs.map((_, i) => `$${i + 1}`).join(', ')})
     order by table_catalog, table_schema, table_name, ordinal_position`,
    catalogs,
  );
  for (const [database, schema, name, column] of reader.getRows()) {
    const key = fullName({ database: String(database), schema: String(schema), name: String(name) });
    const list = columns.get(key) ?? [];
    list.push(String(column));
    columns.set(key, list);
  }
  return columns;
}

async function tableExists(connection: DuckDBConnection, target: Target): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    'select count(*) from information_schema.tables where table_catalog = $1 and table_schema = $2 and table_name = $3',
    [target.database ?? '', target.schema ?? '', target.name ?? ''],
  );
  return Number(reader.getRows()[0]?.[0] ?? 0) > 0;
}

/** The statement that creates an assertion's view. */
function assertionViewSql(action: Extract<Action, { kind: 'assertion' }>): string {
  return `create or replace view ${quoteTarget(action.target)} as ${toDuckdbNames(action.assertion.query ?? '')}`;
}

/** With `reuseView`, an assertion has no steps: its view is queried as it is. */
function stepsFor(action: Action, options: RunOptions, existing: Map<string, string[]>, reuseView = false): Step[] {
  const target = quoteTarget(action.target);
  const schema = `create schema if not exists ${ident(action.target.database ?? '')}.${ident(action.target.schema ?? '')}`;
  const ops = (what: string, list: string[] | undefined): Step[] =>
    (list ?? []).filter((q) => q.trim() !== '').map((q) => ({ what, sql: toDuckdbNames(q), profiled: true }));

  if (action.kind === 'operation') {
    return [{ what: 'schema', sql: schema }, ...ops('operation', action.operation.queries)];
  }
  if (action.kind === 'assertion') {
    if (reuseView) return [];
    const create = assertionViewSql(action);
    return [
      { what: 'schema', sql: schema },
      { what: 'assertion view', sql: create },
      { what: 'assertion view', sql: markViewSql(target, create) },
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
  const columns = existing.get(action.key) ?? [];
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
  // Exact copies of a row count once. With a unique key they are looked for only among the rows of
  // a repeated key (collapseCopies): a DISTINCT over every column of every new row cost a wide hash
  // aggregate per action (0.15 of staging's 0.77 s on +10k lines) to find, almost always, none.
  steps.push({
    what: 'incremental query',
    sql: `create or replace temp table ${source} as select ${key.length > 0 ? '' : 'distinct '}* from (${incremental}) as s`,
    profiled: true,
  });
  steps.push({ what: 'incremental schema', sql: schemaCheck(source, target, columns, shortNameOf(action)) });
  if (key.length > 0) {
    const keyCols = key.map(ident).join(', ');
    steps.push({ what: 'unique key: copies', sql: collapseCopies(source, key, columns) });
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

/**
 * A statement that fails (via DuckDB's error()) when the source's columns differ from the table's
 * as read at the start of the run, or the table's own columns changed since (the merge names them).
 */
function schemaCheck(source: string, target: string, tableColumns: string[], name: string): string {
  const expected = [...tableColumns].sort().join(',').replaceAll("'", "''");
  const columnsOf = (relation: string) => `(select string_agg(column_name, ',' order by column_name) from (describe ${relation}))`;
  return `select case when ${columnsOf(source)} <> '${expected}'
    then error('the incremental query of ${name} returns other columns than the table has; rebuild it with --full-refresh')
    when ${columnsOf(target)} <> '${expected}'
    then error('the table ${name} changed its columns during this run; run the transform again') end`;
}

/**
 * Deletes all but one of each set of identical rows in the source, among the rows of the keys that
 * repeat (none, almost always: then it only groups the key columns). What SELECT DISTINCT * keeps.
 */
function collapseCopies(source: string, key: string[], columns: string[]): string {
  const keyCols = key.map(ident).join(', ');
  const on = key.map((k) => `s.${ident(k)} is not distinct from r.${ident(k)}`).join(' and ');
  return `delete from ${source} where rowid in (
    select s.rowid from ${source} as s
    inner join (select ${keyCols} from ${source} group by ${keyCols} having count(*) > 1) as r on ${on}
    qualify row_number() over (partition by ${columns.map((c) => `s.${ident(c)}`).join(', ')}) > 1
  )`;
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
