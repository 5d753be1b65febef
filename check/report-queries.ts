import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import type { CompiledGraph } from '../warehouse/graph.ts';
import { PROJECT_DIR, readProjectConfig } from '../warehouse/project.ts';
import { EXAMPLE_PARAMETERS, reportQueries, type ReportParameters } from '../report/queries.ts';
import { spelling } from '../report/source.ts';
import type { Catalog } from './catalog.ts';
import { partitionColumnOf, partitionReads, type PartitionRead } from './bounded.ts';
import { offsetAt, positionAt } from './script.ts';
import type { AnalysisError, ZetaSQL } from './zetasql.ts';

/**
 * The queries `logflow report --target bigquery` sends to BigQuery (report/queries.ts; `logflow
 * serve` runs the same texts on the local warehouse and sends nothing to BigQuery), analysed by
 * ZetaSQL like the models: against the analysed outputs of the compiled graph, with their named
 * parameters typed as @google-cloud/bigquery types the values buildReportData binds. A wrong
 * column, table, function or parameter type fails `logflow check`. Each read of a partitioned
 * table (through views too) must be bounded by its partition column (check/bounded.ts), unless
 * listed in REPORT_UNBOUNDED with why.
 */

/** Report queries allowed to read every partition, and why (the list only shrinks: the check fails on an entry that is bounded now). */
export const REPORT_UNBOUNDED: Readonly<Record<string, string>> = {
  bounds: 'finds the range itself: reads only request_date of daily_visitors, one row per day',
  parse_errors:
    'quarantined lines have no request date; the parse_errors view reads int_lines_parsed rows with is_parsed = false, its first cluster column, so the bytes follow the failed lines, not the requests',
  parse_error_samples: 'as parse_errors',
};

/** Where the report's queries are written (for problem locations). */
const QUERIES_FILE = 'report/queries.ts';

export interface ReportQueryProblem {
  action: string;
  statement: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ReportQueryCheck {
  /** Queries analysed. */
  queries: number;
  problems: ReportQueryProblem[];
  /** Reads of partitioned tables per query, with their bound (undefined: unbounded); `exempt` says why that is allowed. */
  reads: { action: string; statement: string; reads: PartitionRead[]; exempt?: string }[];
  /** Why the queries were not analysed (an output table they read did not pass). */
  skipped?: string;
}

/** The BigQuery type @google-cloud/bigquery gives each parameter value (what jobs.query receives as parameterType). */
export function parameterTypes(values: ReportParameters = EXAMPLE_PARAMETERS): { name: string; type: string }[] {
  return Object.entries(values).map(([name, value]) => {
    const type = BigQuery.valueToQueryParameter_(value).parameterType?.type;
    if (!type) throw new Error(`no BigQuery type for the report parameter ${name}`);
    return { name, type };
  });
}

/**
 * Analyses every report query for BigQuery against `catalog` (which must hold the graph's analysed
 * outputs). `partitionColumn` names the partition column of a table (full name, lower case).
 */
export async function checkReportQueries(
  graph: CompiledGraph,
  catalog: Catalog,
  zetasql: ZetaSQL,
  options: {
    /** Partition column of a table by full name in lower case (default: the graph's tables' partitionBy). */
    partitionColumn?: (table: string) => string | undefined;
    /** Query texts by name (default: report/queries.ts for BigQuery; tests pass broken ones). */
    queries?: Record<string, string>;
    unbounded?: Readonly<Record<string, string>>;
  } = {},
): Promise<ReportQueryCheck> {
  const partitionColumn = options.partitionColumn ?? tablePartitions(graph);
  const project = graph.projectConfig?.defaultDatabase ?? readProjectConfig().database;
  const outputs = (graph.tables ?? []).filter((t) => t.target.name === 'daily_visitors');
  const dataset = outputs[0]?.target.schema ?? readProjectConfig().schema;
  const queries = options.queries ?? reportQueries(spelling('bigquery', dataset, project));
  const unbounded = options.unbounded ?? REPORT_UNBOUNDED;
  const queryParameters = parameterTypes();
  const views = new Map(
    (graph.tables ?? [])
      .filter((t) => t.type === 'view' && t.query)
      .map((t) => [`\`${[t.target.database, t.target.schema, t.target.name].filter(Boolean).join('.')}\``, t.query!]),
  );
  const source = readQueriesFile();
  const result: ReportQueryCheck = { queries: 0, problems: [], reads: [] };

  const read = [...new Set(Object.values(queries).flatMap((sql) => [...sql.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)))];
  const defined = new Set(
    (graph.tables ?? []).map((t) => [t.target.database, t.target.schema, t.target.name].filter(Boolean).join('.').toLowerCase()),
  );
  // Another Dataform project (--project-dir), without the report's tables: nothing to check.
  if (outputs.length === 0) return result;
  // Tables of the graph that did not pass: the queries reading them would only repeat that problem.
  const missing = read.filter((name) => defined.has(name.toLowerCase()) && !catalog.hasTable(name));
  if (missing.length > 0) {
    result.skipped = `the output table(s) ${missing.join(', ')} did not pass the check`;
    return result;
  }

  for (const [name, sql] of Object.entries(queries)) {
    result.queries++;
    const statement = `report query ${name}`;
    const where = locateQuery(source, name);
    const analysed = await zetasql.analyze(sql, catalog, { queryParameters });
    if (!analysed.ok) {
      result.problems.push({ action: 'report', statement, ...where, message: withPosition(analysed.error, sql) });
      continue;
    }
    // Reads through views: analyse the query with each view it reads replaced by the view's own query.
    let text = sql;
    for (const [view, query] of views) text = text.replaceAll(view, `(\n${query}\n)`);
    const expanded = text === sql ? analysed : await zetasql.analyze(text, catalog, { queryParameters });
    if (!expanded.ok) {
      result.problems.push({
        action: 'report',
        statement,
        ...where,
        message: `with its views expanded: ${withPosition(expanded.error, text)}`,
      });
      continue;
    }
    const reads = expanded.statements.flatMap((s) =>
      s.resolved && s.text !== undefined ? partitionReads(s.resolved, partitionColumn, s.text) : [],
    );
    const exempt = unbounded[name];
    if (reads.length > 0)
      result.reads.push({
        action: `report ${name}`,
        statement,
        reads,
        ...(exempt ? { exempt: `allowed in check/report-queries.ts: ${exempt}` } : {}),
      });
    const open = reads.filter((r) => !r.bound);
    if (exempt && open.length === 0)
      result.problems.push({
        action: 'report',
        statement,
        ...where,
        message: `reads only pruned partitions now: remove ${name} from REPORT_UNBOUNDED in check/report-queries.ts`,
      });
    if (exempt) continue;
    for (const read of open)
      result.problems.push({
        action: 'report',
        statement,
        ...where,
        message: `reads ${read.table.split('.').slice(-2).join('.')} without a bound on its partition column ${read.column} (every report would scan its whole history): filter ${read.column} by the @from/@to parameters`,
      });
  }
  for (const name of Object.keys(unbounded))
    if (!(name in queries))
      result.problems.push({
        action: 'report',
        statement: `report query ${name}`,
        file: 'check/report-queries.ts',
        line: 1,
        column: 1,
        message: `REPORT_UNBOUNDED names ${name}, which is no report query: remove it`,
      });
  return result;
}

/** The partition column of each partitioned table of the graph, by full name in lower case. */
export function tablePartitions(graph: CompiledGraph): (table: string) => string | undefined {
  const columns = new Map<string, string>();
  for (const table of graph.tables ?? []) {
    const column = table.bigquery?.partitionBy ? partitionColumnOf(table.bigquery.partitionBy) : undefined;
    if (column)
      columns.set([table.target.database, table.target.schema, table.target.name].filter(Boolean).join('.').toLowerCase(), column);
  }
  return (table) => columns.get(table);
}

function readQueriesFile(): string {
  try {
    return readFileSync(join(PROJECT_DIR, QUERIES_FILE), 'utf8');
  } catch {
    return '';
  }
}

/** The position of a query's definition in report/queries.ts (`name:`, or the panel template for `panel_*`). */
function locateQuery(source: string, name: string): { file: string; line: number; column: number } {
  const key = name.startsWith('panel_') ? (name.endsWith('_human') ? 'q[`panel_${p.id}_human`]' : 'q[`panel_${p.id}`]') : `    ${name}: `;
  const at = source.indexOf(key);
  if (at < 0) return { file: QUERIES_FILE, line: 1, column: 1 };
  const position = positionAt(source, name.startsWith('panel_') ? at : at + 4);
  return { file: QUERIES_FILE, ...position };
}

/** ZetaSQL's message with the line of the query text it points at. */
function withPosition(error: AnalysisError, sql: string): string {
  if (error.line === undefined || error.column === undefined) return error.message;
  const line = sql.split('\n')[error.line - 1]?.trim() ?? '';
  const offset = offsetAt(sql, error.line, error.column);
  const near = sql.slice(offset, offset + 40).split('\n')[0];
  return `${error.message} [at ${error.line}:${error.column} of the query, near "${near}" in "${line.length > 100 ? `${line.slice(0, 97)}...` : line}"]`;
}
