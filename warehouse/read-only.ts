import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { LogflowError, USAGE } from '../core/errors.ts';

/**
 * The guard for SQL a user (or a browser, through an HTTP endpoint) sends to the warehouse:
 * exactly one read-only statement, classified by DuckDB's own parser and planner (the type of
 * the prepared statement), never by matching text.
 *
 * Accepted: statements DuckDB's parser reads as a query, which covers SELECT, WITH ... SELECT,
 * FROM-first queries, VALUES, TABLE, DESCRIBE, SHOW and SUMMARIZE; and EXPLAIN [ANALYZE] of such
 * a statement (the statement after EXPLAIN is checked the same way, since EXPLAIN ANALYZE runs
 * it). Everything else is refused: several statements, INSERT/UPDATE/DELETE/MERGE (WITH ...
 * DELETE included), CREATE/DROP/ALTER, ATTACH/DETACH/USE, COPY, EXPORT, SET, PRAGMA, CALL
 * (CHECKPOINT), LOAD/INSTALL, transactions.
 *
 * Two policies for what a SELECT may read:
 * - `local` (logflow query): the warehouse, plus local files through DuckDB's table functions
 *   (read_csv, read_parquet, ...): the user runs the tool on their own machine with their own
 *   permissions, and joining a CSV to the warehouse is a normal thing to want.
 * - `http` (anything served over HTTP): the warehouse only. lockDown() turns off DuckDB's
 *   external access (files, ATTACH, COPY ... TO) and locks the configuration, so even a statement
 *   the parser check let through cannot reach the file system.
 *
 * Both rely on the warehouse being attached READ_ONLY (openWarehouse(..., { readOnly: true })):
 * the statement check keeps writes out, the read-only attachment is the second wall.
 */
export type ReadOnlyPolicy = 'local' | 'http';

/** What the guard accepts, for messages and help texts. */
export const READ_ONLY_STATEMENTS = 'SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN';

/**
 * Prepares `sql` if it is exactly one read-only statement; otherwise throws a one-line
 * LogflowError (exit code 2) saying what was refused. Run the returned statement with
 * `runAndReadAll()`.
 *
 * The statement is classified by DuckDB's parser before it is prepared (binding some statements
 * already acts: preparing EXPORT DATABASE creates its directory), then the prepared statement's
 * type is checked again.
 */
export async function prepareReadOnly(
  connection: DuckDBConnection,
  sql: string,
  policy: ReadOnlyPolicy = 'local',
): Promise<DuckDBPreparedStatement> {
  if (policy === 'http') await lockDown(connection);
  await checkParsed(connection, sql);
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await (await connection.extractStatements(sql)).prepare(0);
  } catch (error) {
    throw sqlError(error);
  }
  if (prepared.statementType !== StatementType.SELECT && prepared.statementType !== StatementType.EXPLAIN) {
    throw refuse(sql);
  }
  return prepared;
}

/** Turns off file and network access for this DuckDB instance and locks its settings (the `http` policy). */
export async function lockDown(connection: DuckDBConnection): Promise<void> {
  const current = await connection.runAndReadAll("select current_setting('lock_configuration') as locked");
  if (current.getRowObjects()[0]?.locked === true) return;
  await connection.run('set enable_external_access = false');
  await connection.run('set lock_configuration = true');
}

/**
 * Throws unless DuckDB's parser reads `sql` as one query (json_serialize_sql serialises query
 * statements only) or as EXPLAIN [ANALYZE] of one.
 */
async function checkParsed(connection: DuckDBConnection, sql: string): Promise<void> {
  if (stripTrivia(sql) === '') throw new LogflowError('no SQL statement given', USAGE);
  let count: number;
  try {
    count = (await connection.extractStatements(sql)).count;
  } catch (error) {
    throw sqlError(error);
  }
  if (count !== 1) throw new LogflowError(`give exactly one read-only statement (${READ_ONLY_STATEMENTS}), got ${count} statements`, USAGE);
  const reader = await connection.runAndReadAll('select json_serialize_sql($1::varchar)::varchar as tree', [sql]);
  const tree = JSON.parse(String(reader.getRowObjects()[0]?.tree)) as {
    error: boolean;
    error_type?: string;
    error_message?: string;
    statements?: unknown[];
  };
  if (!tree.error && tree.statements?.length === 1) return;
  if (tree.error && tree.error_type !== 'not implemented')
    throw new LogflowError(`SQL error: ${String(tree.error_message).split('\n')[0]}`);
  const inner = afterExplain(sql);
  if (inner === undefined) throw refuse(sql);
  await checkParsed(connection, inner);
}

function refuse(sql: string): LogflowError {
  const text = stripTrivia(sql).replace(/\s+/g, ' ');
  return new LogflowError(
    `only one read-only statement (${READ_ONLY_STATEMENTS}) is allowed, not: ${text.length > 60 ? text.slice(0, 57) + '...' : text}`,
    USAGE,
  );
}

function sqlError(error: unknown): LogflowError {
  return new LogflowError(`SQL error: ${(error as Error).message.split('\n')[0]}`);
}

/** The SQL without leading whitespace and comments. */
function stripTrivia(sql: string): string {
  let rest = sql;
  for (;;) {
    const trimmed = rest.replace(/^\s+/, '');
    if (trimmed.startsWith('--')) rest = trimmed.replace(/^--[^\n]*(\n|$)/, '');
    else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end < 0 ? '' : trimmed.slice(end + 2);
    } else return trimmed;
  }
}

/**
 * The statement an EXPLAIN statement explains: the text after `EXPLAIN`, an optional
 * `ANALYZE`/`ANALYSE` and an optional parenthesised option list. Only called on text DuckDB has
 * already parsed as one EXPLAIN statement; what it returns is parsed and classified again.
 */
export function afterExplain(sql: string): string | undefined {
  let rest = stripTrivia(sql);
  const keyword = /^explain\b/i.exec(rest);
  if (!keyword) return undefined;
  rest = stripTrivia(rest.slice(keyword[0].length));
  const analyze = /^analy[sz]e\b/i.exec(rest);
  if (analyze) rest = stripTrivia(rest.slice(analyze[0].length));
  if (rest.startsWith('(')) {
    let depth = 0;
    let end = -1;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '(') depth++;
      else if (rest[i] === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    // Option lists are words, commas and parentheses; a quote or comment could hide a ')'.
    if (end < 0 || /['"]|--|\/\*/.test(rest.slice(0, end))) return undefined;
    rest = stripTrivia(rest.slice(end + 1));
  }
  return rest === '' ? undefined : rest;
}
