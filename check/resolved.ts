import type { FunctionSignature, TypedColumn } from './catalog.ts';
import { cleanType, type TypeProto } from './types.ts';

/**
 * Reading the analyzer's answers: the resolved statement (kind, output columns, what a CREATE
 * makes) and errors (message and line:column). Pure functions over proto-loader objects.
 */

/** What a created object is, after a CREATE statement has been analysed. */
export type Created =
  | { kind: 'table' | 'view'; name: string; columns: TypedColumn[] }
  | { kind: 'function'; name: string; signature: FunctionSignature };

/** One analysed statement: its kind (e.g. resolvedQueryStmtNode), output columns if it returns rows, and what it creates. */
export interface AnalyzedStatement {
  kind: string;
  columns: TypedColumn[];
  created?: Created;
  /** The resolved AST as the analyzer returned it (proto-loader object), for checks that read it (check/bounded.ts). */
  resolved?: Record<string, unknown>;
  /** The text the AST's byte ranges refer to, and the character offset of its start in the analysed SQL (a DECLARE's expression is analysed inside a wrapper). */
  text?: string;
  textOffset?: number;
}

/** An analysis error, with ZetaSQL's message (location suffix removed) and its 1-based line:column in the SQL text. */
export interface AnalysisError {
  message: string;
  line?: number;
  column?: number;
}

/** Splits ZetaSQL's one-line error text into the message and its first `[at line:column]`. */
export function locate(details: string): AnalysisError {
  const message = details.replace(/\s*\[at \d+:\d+\]/g, '').trim();
  const m = /\[at (\d+):(\d+)\]/.exec(details);
  return m ? { message, line: Number(m[1]), column: Number(m[2]) } : { message };
}

/** Finds the shallowest value under `key` in a resolved AST (breadth first). */
function findKey(root: unknown, key: string): unknown {
  const queue: unknown[] = [root];
  while (queue.length > 0) {
    const node = queue.shift();
    if (!node || typeof node !== 'object') continue;
    if (key in node) return (node as Record<string, unknown>)[key];
    for (const value of Object.values(node)) if (value && typeof value === 'object') queue.push(value);
  }
  return undefined;
}

type ColumnList = { name?: string; column?: { name?: string; type?: TypeProto } }[];

function columnsOf(list: unknown): TypedColumn[] {
  return ((list as ColumnList | undefined) ?? []).map((c) => ({
    name: c.name ?? c.column?.name ?? '',
    type: cleanType(c.column?.type ?? { typeKind: 'TYPE_UNKNOWN' }),
  }));
}

/** What one resolved statement is, returns and creates. */
export function describeStatement(resolved: Record<string, unknown>): AnalyzedStatement {
  // The statement proto nests one wrapper per base class (resolvedCreateStatementNode ->
  // resolvedCreateTableStmtBaseNode -> resolvedCreateTableAsSelectStmtNode): descend to the leaf.
  let kind = 'unknown';
  let inner: Record<string, unknown> = resolved;
  for (;;) {
    const key = Object.keys(inner).find((k) => /^resolved\w+Node$/.test(k));
    if (!key) break;
    kind = key;
    inner = inner[key] as Record<string, unknown>;
  }
  const statement: AnalyzedStatement = { kind, columns: columnsOf(findKey(inner, 'outputColumnList')) };
  const namePath = findKey(inner, 'namePath') as string[] | undefined;
  const name = namePath?.join('.');
  if (name && kind === 'resolvedCreateFunctionStmtNode') {
    statement.created = { kind: 'function', name, signature: cleanSignature(findKey(inner, 'signature') as FunctionSignature) };
  } else if (name && /CreateTable|CreateExternalTable|CreateSnapshotTable/.test(kind)) {
    const definitions = (findKey(inner, 'columnDefinitionList') as { name?: string; type?: TypeProto }[] | undefined) ?? [];
    const columns =
      definitions.length > 0
        ? definitions.map((d) => ({ name: d.name ?? '', type: cleanType(d.type ?? { typeKind: 'TYPE_UNKNOWN' }) }))
        : statement.columns;
    statement.created = { kind: 'table', name, columns };
  } else if (name && /CreateView|CreateMaterializedView/.test(kind)) {
    statement.created = { kind: 'view', name, columns: statement.columns };
  }
  return statement;
}

type ArgumentProto = {
  kind?: string;
  type?: TypeProto;
  numOccurrences?: number;
  options?: { cardinality?: string; argumentName?: string };
};

/** Keeps the parts of a FunctionSignatureProto the catalog needs (drops parse locations). */
function cleanSignature(signature: FunctionSignature | undefined): FunctionSignature {
  const arg = (a: ArgumentProto) => ({
    kind: a.kind,
    ...(a.type ? { type: cleanType(a.type) } : {}),
    numOccurrences: a.numOccurrences ?? -1,
    options: {
      cardinality: a.options?.cardinality ?? 'REQUIRED',
      ...(a.options?.argumentName ? { argumentName: a.options.argumentName } : {}),
    },
  });
  const s = (signature ?? {}) as { argument?: ArgumentProto[]; returnType?: ArgumentProto };
  return { argument: (s.argument ?? []).map(arg), returnType: arg(s.returnType ?? { kind: 'ARG_TYPE_ARBITRARY' }), contextId: '0' };
}
