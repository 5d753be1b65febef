/**
 * The BigQuery scripting statements ZetaSQL's analyzer service does not take (DECLARE and
 * SET of script variables), read here so the check can analyse their expressions and give the
 * statements after them the variables (as named constants in the catalog). Dataform sends an
 * action's pre_operations, main statement and post_operations to BigQuery as one script, so a
 * variable declared in pre_operations is visible to the model's query. Pure functions.
 */

/** 0-based offset just past the statement starting at `start`: its `;` (excluded) or the end of the text. */
export function statementEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.slice(i, i + 3);
    if (c === '-' && sql[i + 1] === '-') i = lineEnd(sql, i);
    else if (c === '#') i = lineEnd(sql, i);
    else if (c === '/' && sql[i + 1] === '*') i = (sql.indexOf('*/', i + 2) + 1 || sql.length - 1) + 1;
    else if (rest === "'''" || rest === '"""') i = (sql.indexOf(rest, i + 3) + 1 || sql.length - 2) + 2;
    else if (c === "'" || c === '"' || c === '`') i = quoteEnd(sql, i, c, /[rR]/.test(sql[i - 1] ?? ''));
    else {
      if (c === '(' || c === '[') depth++;
      else if ((c === ')' || c === ']') && depth > 0) depth--;
      else if (c === ';' && depth === 0) return i;
      i++;
    }
  }
  return sql.length;
}

function lineEnd(sql: string, i: number): number {
  const n = sql.indexOf('\n', i);
  return n < 0 ? sql.length : n + 1;
}

function quoteEnd(sql: string, i: number, quote: string, raw: boolean): number {
  for (let j = i + 1; j < sql.length; j++) {
    if (sql[j] === '\\' && !raw) j++;
    else if (sql[j] === quote) return j + 1;
  }
  return sql.length;
}

/** 0-based offset of the first character that is not whitespace, a comment or a `;` at or after `from`. */
export function skipTrivia(sql: string, from: number): number {
  let i = from;
  for (;;) {
    const m = /^(?:\s+|--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/|;)/.exec(sql.slice(i));
    if (!m || m[0].length === 0) return i;
    i += m[0].length;
  }
}

/** A DECLARE or SET of script variables, with offsets into the script. */
export interface VariableStatement {
  kind: 'declare' | 'set';
  names: string[];
  /** The declared type text (DECLARE), if any. */
  type?: string;
  /** The DEFAULT (DECLARE) or assigned (SET) expression and its 0-based offset in the script. */
  expression?: string;
  expressionOffset?: number;
}

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';

/** Index of a keyword at parenthesis depth 0 outside strings, or -1. */
function keywordAt(text: string, keyword: RegExp): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = quoteEnd(text, i, c, false) - 1;
      continue;
    }
    if (c === '(' || c === '<' || c === '[') depth++;
    else if ((c === ')' || c === '>' || c === ']') && depth > 0) depth--;
    else if (depth === 0 && /\s/.test(text[i - 1] ?? ' ') && keyword.test(text.slice(i))) return i;
  }
  return -1;
}

/**
 * Reads the statement at [start, end) of `sql` as a DECLARE or a simple SET of script variables
 * (`SET x = expr`, `SET (x, y) = expr`); undefined for any other statement (including SET of
 * system variables, `SET @@...`, which the analyzer takes).
 */
export function readVariableStatement(sql: string, start: number, end: number): VariableStatement | undefined {
  const text = sql.slice(start, end);
  const declare = new RegExp(`^declare\\s+(${IDENT}(?:\\s*,\\s*${IDENT})*)`, 'i').exec(text);
  if (declare) {
    const names = declare[1]!.split(',').map((n) => n.trim());
    const rest = text.slice(declare[0].length);
    const at = keywordAt(rest, /^default\b/i);
    const type = (at >= 0 ? rest.slice(0, at) : rest).trim() || undefined;
    if (at < 0) return { kind: 'declare', names, type };
    const exprStart = declare[0].length + at + 'default'.length;
    return { kind: 'declare', names, type, expression: text.slice(exprStart), expressionOffset: start + exprStart };
  }
  const set = new RegExp(`^set\\s+(?:(${IDENT})|\\(\\s*(${IDENT}(?:\\s*,\\s*${IDENT})*)\\s*\\))\\s*=`, 'i').exec(text);
  if (set) {
    const names = (set[1] ?? set[2]!).split(',').map((n) => n.trim());
    return { kind: 'set', names, expression: text.slice(set[0].length), expressionOffset: start + set[0].length };
  }
  return undefined;
}

/** Converts a 1-based line:column of `text` to a 0-based offset. */
export function offsetAt(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset + column - 1;
}

/** Converts a 0-based offset of `text` to a 1-based line:column. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}
