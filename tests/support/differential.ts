import type { DuckDBConnection } from '@duckdb/node-api';
import { compileProject } from '../../warehouse/compile.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import type { CompiledGraph, Table } from '../../warehouse/graph.ts';
import { registerFunctions } from '../../pipeline/functions.ts';
import { ident, toDuckdbNames } from '../../warehouse/sql.ts';
import type { Column, TypedColumn } from '../../check/catalog.ts';
import { canonicalRow, compareCanonical } from '../../check/compare.ts';
import { readVariableStatement, skipTrivia, statementEnd } from '../../check/script.ts';
import { formatType, parseType, type TypeProto } from '../../check/types.ts';
import { formatTimestamp, timestampMicros } from '../../check/values.ts';
import type { EvaluateTable, ZetaSQL } from '../../check/zetasql.ts';

export { canonical, canonicalRow, compareCanonical } from '../../check/compare.ts';

/**
 * Differential tests of BigQuery semantics against DuckDB: a model's compiled BigQuery query
 * runs in ZetaSQL's reference evaluator and its compiled DuckDB query in DuckDB, on the same
 * fixture tables, and the results must be equal as multisets of rows. Values are compared in a
 * canonical form per BigQuery type (TIMESTAMP to the microsecond in UTC, INT64 exactly, BYTES as
 * hex, JSON parsed, ARRAY/STRUCT recursively). Models that call JavaScript UDFs, GENERATE_UUID,
 * APPROX_* or HLL_COUNT.* cannot be evaluated by ZetaSQL and so cannot be compared this way.
 */

/** A fixture table named by `dataset.table` as its declaration or model names it (the project id is added). */
export interface FixtureTable {
  name: string;
  /** BigQuery column types; the DuckDB table gets the matching DuckDB types. */
  columns: Column[];
  /** Value forms as for ZetaSQL.evaluate() (see encodeValue() in check/values.ts). */
  rows: (Record<string, unknown> | unknown[])[];
}

export interface DifferentialOptions {
  /** Models to run in this order, each reading the fixtures and the models before it: `name` or `dataset.name`. */
  models: string[];
  tables: FixtureTable[];
  zetasql: ZetaSQL;
  projectDir?: string;
  /** Dataform vars for both compilations. */
  vars?: Record<string, string>;
}

export interface ModelComparison {
  model: string;
  columns: TypedColumn[];
  /** Canonical rows, sorted (see canonicalRow()). */
  bigquery: string[];
  duckdb: string[];
  /** Empty when the results agree; otherwise one line per difference (column names, rows only on one side). */
  differences: string[];
}

// ---- DuckDB side --------------------------------------------------------------------------------

/** The DuckDB type the local warehouse uses for a BigQuery type (as pipeline/landing.ts does for the landing table). */
export function duckdbType(type: TypeProto): string {
  switch (type.typeKind) {
    case 'TYPE_STRING':
      return 'VARCHAR';
    case 'TYPE_INT64':
      return 'BIGINT';
    case 'TYPE_DOUBLE':
      return 'DOUBLE';
    case 'TYPE_BOOL':
      return 'BOOLEAN';
    case 'TYPE_BYTES':
      return 'BLOB';
    case 'TYPE_TIMESTAMP':
      return 'TIMESTAMPTZ';
    case 'TYPE_DATETIME':
      return 'TIMESTAMP';
    case 'TYPE_DATE':
      return 'DATE';
    case 'TYPE_TIME':
      return 'TIME';
    case 'TYPE_NUMERIC':
      return 'DECIMAL(38, 9)';
    case 'TYPE_JSON':
      return 'JSON';
    case 'TYPE_ARRAY':
      return `${duckdbType(type.arrayType!.elementType)}[]`;
    case 'TYPE_STRUCT':
      return `STRUCT(${type.structType!.field.map((f) => `${ident(f.fieldName)} ${duckdbType(f.fieldType)}`).join(', ')})`;
    default:
      throw new Error(`no DuckDB type for ${formatType(type)} in differential fixtures`);
  }
}

/** A fixture value as a bound text parameter (or null) and the SQL that turns `$n` into the column's DuckDB type. */
function bindValue(value: unknown, type: TypeProto): { param: string | null; sql: (placeholder: string) => string } {
  const target = duckdbType(type);
  const cast = (suffix: string) => (p: string) => `${p}${suffix}`;
  if (value === null || value === undefined) return { param: null, sql: cast(`::${target}`) };
  switch (type.typeKind) {
    case 'TYPE_BYTES': {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value as Uint8Array);
      return { param: bytes.toString('hex'), sql: (p) => `unhex(${p}::VARCHAR)` };
    }
    case 'TYPE_TIMESTAMP':
      return { param: formatTimestamp(timestampMicros(value as string | Date | bigint)), sql: cast(`::${target}`) };
    case 'TYPE_JSON':
      return { param: typeof value === 'string' ? value : JSON.stringify(value), sql: cast('::JSON') };
    case 'TYPE_ARRAY':
    case 'TYPE_STRUCT':
      return { param: JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)), sql: cast(`::JSON::${target}`) };
    default:
      return { param: value instanceof Date ? value.toISOString() : String(value), sql: cast(`::${target}`) };
  }
}

async function createDuckdbTable(
  connection: DuckDBConnection,
  catalog: string,
  name: string,
  columns: TypedColumn[],
  rows: FixtureTable['rows'],
): Promise<void> {
  const [dataset, table] = name.split('.');
  const qualified = `${ident(catalog)}.${ident(dataset!)}.${ident(table!)}`;
  await connection.run(`create schema if not exists ${ident(catalog)}.${ident(dataset!)}`);
  await connection.run(`create or replace table ${qualified} (${columns.map((c) => `${ident(c.name)} ${duckdbType(c.type)}`).join(', ')})`);
  for (const row of rows) {
    const params: (string | null)[] = [];
    const exprs = columns.map((c, i) => {
      const value = Array.isArray(row) ? row[i] : row[c.name];
      const { param, sql } = bindValue(value, c.type);
      params.push(param);
      return sql(`$${params.length}`);
    });
    await connection.run(`insert into ${qualified} values (${exprs.join(', ')})`, params);
  }
}

// ---- driver -------------------------------------------------------------------------------------

type Variable = { name: string; type: TypeProto; value: unknown };

/**
 * Script variables holding the time of the run (stg_landing__lines' staged_at): the two engines
 * would read two clocks, so both get this one value.
 */
const RUN_TIME_VARIABLES: Record<string, string> = { stg_landing__lines_staged_at: '2026-11-01 00:00:00+00' };

/** Evaluates a model's BigQuery pre_operations: DECLAREs become variables with their values; other statements are refused. */
async function bigqueryPreOps(zetasql: ZetaSQL, model: Table, tables: EvaluateTable[]): Promise<Variable[]> {
  const variables: Variable[] = [];
  for (const op of model.preOps ?? []) {
    for (let position = skipTrivia(op, 0); position < op.length; position = skipTrivia(op, statementEnd(op, position))) {
      const end = statementEnd(op, position);
      const statement = readVariableStatement(op, position, end);
      if (!statement || statement.expression === undefined) {
        throw new Error(
          `differential: cannot evaluate this pre_operations statement of ${model.target.name} in ZetaSQL: ${op.slice(position, end).trim().slice(0, 80)}`,
        );
      }
      const pinned = statement.names.map((name) => RUN_TIME_VARIABLES[name]).find((v) => v !== undefined);
      const expression = pinned === undefined ? statement.expression : `timestamp '${pinned}'`;
      const result = await zetasql.evaluate(`select (${expression}\n) as v`, tables, { variables });
      const type = statement.type ? parseType(statement.type) : result.columns[0]!.type;
      for (const name of statement.names) {
        const index = variables.findIndex((v) => v.name === name);
        if (index >= 0) variables.splice(index, 1);
        variables.push({ name, type, value: result.rows[0]?.v ?? null });
      }
    }
  }
  return variables;
}

function findModel(graph: CompiledGraph, name: string): Table {
  const matches = (graph.tables ?? []).filter((t) => t.target.name === name || `${t.target.schema}.${t.target.name}` === name);
  if (matches.length !== 1) {
    const known = (graph.tables ?? [])
      .map((t) => t.target.name)
      .sort()
      .join(', ');
    throw new Error(`model '${name}' ${matches.length === 0 ? 'not found' : 'is ambiguous'} in the compiled graph (models: ${known})`);
  }
  return matches[0]!;
}

/**
 * Runs each model's full-refresh query on both engines over the fixtures and compares the
 * results. The BigQuery side evaluates the compiled BigQuery SQL in ZetaSQL with each earlier
 * model's evaluated rows as a table; the DuckDB side creates each model as a table in an
 * in-memory warehouse (local JavaScript functions registered, as `logflow transform` does).
 * A model that a listed model reads and that is neither listed nor a fixture (int_w3c_fields for
 * int_lines_parsed) runs just before it, on both engines, and must agree too; it is not returned.
 */
export async function differential(options: DifferentialOptions): Promise<ModelComparison[]> {
  const bigqueryGraph = compileProject({ warehouse: 'bigquery', projectDir: options.projectDir, vars: options.vars });
  const duckdbGraph = compileProject({ warehouse: 'duckdb', projectDir: options.projectDir, vars: options.vars });
  const project = bigqueryGraph.projectConfig?.defaultDatabase ?? '';
  const duckdbProject = duckdbGraph.projectConfig?.defaultDatabase ?? project;
  const tables: EvaluateTable[] = options.tables.map((t) => ({ name: `${project}.${t.name}`, columns: t.columns, rows: t.rows }));
  const wh = await openWarehouse(':memory:', { catalog: duckdbProject });
  try {
    await registerFunctions(wh.connection);
    for (const t of options.tables) {
      const columns = t.columns.map((c) => ({ name: c.name, type: typeof c.type === 'string' ? parseType(c.type) : c.type }));
      await createDuckdbTable(wh.connection, duckdbProject, t.name, columns, t.rows);
    }
    const comparisons: ModelComparison[] = [];
    const evaluatedNames = new Set<string>();
    const run = async (name: string, compared: boolean): Promise<void> => {
      const bq = findModel(bigqueryGraph, name);
      const dd = findModel(duckdbGraph, name);
      evaluatedNames.add(`${bq.target.schema}.${bq.target.name}`);
      // A model it reads that is neither a fixture nor listed before it runs first, uncompared (e.g. int_w3c_fields for int_lines_parsed).
      for (const dep of bq.dependencyTargets ?? []) {
        const key = `${dep.schema}.${dep.name}`;
        const isModel = (bigqueryGraph.tables ?? []).some((t) => `${t.target.schema}.${t.target.name}` === key);
        const listed = options.models.some((m) => m === dep.name || m === key);
        if (isModel && !listed && !evaluatedNames.has(key) && !options.tables.some((t) => t.name === key)) await run(key, false);
      }
      // pre_operations run first, in the same script (e.g. DECLARE of a watermark variable).
      const variables = await bigqueryPreOps(options.zetasql, bq, tables);
      for (const op of dd.preOps ?? []) await wh.connection.run(toDuckdbNames(op));
      for (const [name, value] of Object.entries(RUN_TIME_VARIABLES)) {
        if ((dd.preOps ?? []).some((op) => op.includes(`set variable ${name} `)))
          await wh.connection.run(`set variable ${name} = timestamptz '${value}'`);
      }
      const evaluated = await options.zetasql.evaluate(bq.query ?? '', tables, { variables });
      tables.push({ name: `${project}.${bq.target.schema}.${bq.target.name}`, columns: evaluated.columns, rows: evaluated.rows });

      const target = `${ident(duckdbProject)}.${ident(dd.target.schema!)}.${ident(dd.target.name!)}`;
      await wh.connection.run(`create schema if not exists ${ident(duckdbProject)}.${ident(dd.target.schema!)}`);
      await wh.connection.run(`create or replace table ${target} as ${toDuckdbNames(dd.query ?? '')}`);
      // post_operations run after, as `logflow transform` runs them (stg_landing__lines deduplicates its first build there).
      for (const op of dd.postOps ?? []) if (op.trim()) await wh.connection.run(toDuckdbNames(op));
      const reader = await wh.connection.runAndReadAll(`select * from ${target}`);
      const duckdbColumns = reader.columnNames();
      const duckdbRows = reader.getRowObjects();

      const differences: string[] = [];
      const names = evaluated.columns.map((c) => c.name);
      if (names.join(',') !== duckdbColumns.join(','))
        differences.push(`columns: BigQuery (${names.join(', ')}), DuckDB (${duckdbColumns.join(', ')})`);
      const bigqueryCanonical = evaluated.rows.map((r) => canonicalRow(r, evaluated.columns)).sort();
      const duckdbCanonical = duckdbRows.map((r) => canonicalRow(r as Record<string, unknown>, evaluated.columns)).sort();
      differences.push(...compareCanonical(bigqueryCanonical, duckdbCanonical));
      if (!compared) {
        if (differences.length > 0)
          throw new Error(`differential: ${name} (run for a model that reads it) differs:\n${differences.join('\n')}`);
        return;
      }
      comparisons.push({
        model: `${bq.target.schema}.${bq.target.name}`,
        columns: evaluated.columns,
        bigquery: bigqueryCanonical,
        duckdb: duckdbCanonical,
        differences,
      });
    };
    for (const name of options.models) await run(name, true);
    return comparisons;
  } finally {
    wh.close();
  }
}
