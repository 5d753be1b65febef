import { EXTRA_FUNCTIONS } from './bigquery-extras.ts';
import { cleanType, formatType, parseType, type TypeProto } from './types.ts';

/** A column: name and type (a TypeProto, or a BigQuery type name such as 'ARRAY<STRING>'). */
export interface Column {
  name: string;
  type: TypeProto | string;
  /** A pseudo-column (e.g. `_PARTITIONTIME` of an ingestion-time partitioned table): readable by name, not part of `*`. */
  pseudo?: boolean;
}

/** A column with its type resolved to a TypeProto. */
export interface TypedColumn {
  name: string;
  type: TypeProto;
  pseudo?: boolean;
}

/** A ZetaSQL FunctionSignatureProto, as the analyzer returns it for CREATE FUNCTION. */
export type FunctionSignature = Record<string, unknown>;

/** Prints columns as `name TYPE, ...` (for messages and --verbose output). */
export function describeColumns(columns: TypedColumn[]): string {
  return columns.map((c) => `${c.name} ${formatType(c.type)}`).join(', ');
}

function typed(columns: Column[]): TypedColumn[] {
  return columns.map((c) => ({
    name: c.name,
    type: typeof c.type === 'string' ? parseType(c.type) : cleanType(c.type),
    ...(c.pseudo ? { pseudo: true } : {}),
  }));
}

interface Node {
  tables: Map<string, TypedColumn[]>;
  functions: Map<string, FunctionSignature[]>;
  children: Map<string, Node>;
}

const emptyNode = (): Node => ({ tables: new Map(), functions: new Map(), children: new Map() });

/**
 * The tables and functions that exist when a statement runs, named as BigQuery SQL names them.
 * A name such as `my-project.logflow.sessions` is registered both as one identifier (how
 * ZetaSQL reads the backticked `` `my-project.logflow.sessions` `` that Dataform compiles) and
 * as nested catalogs my-project -> logflow -> sessions (how it reads my-project.logflow.sessions
 * or `my-project`.logflow.sessions); names in `defaultProject` are also reachable as
 * `logflow.sessions`, as in BigQuery.
 */
export class Catalog {
  readonly tables = new Map<string, TypedColumn[]>();
  readonly functions = new Map<string, FunctionSignature[]>();
  /** Script variables (DECLAREd in a BigQuery script), as named constants; `value` is a ValueProto when known. */
  readonly variables = new Map<string, { type: TypeProto; value?: Record<string, unknown> }>();

  constructor(readonly defaultProject?: string) {}

  /** Registers (or replaces) a table or view. */
  addTable(name: string, columns: Column[]): void {
    this.tables.set(name.toLowerCase(), typed(columns));
  }

  /** Registers (or replaces) a scalar function with one signature. */
  addFunction(name: string, signature: FunctionSignature): void {
    this.functions.set(name.toLowerCase(), [signature]);
  }

  /** Declares a script variable (visible as a bare name, like BigQuery script variables). */
  addVariable(name: string, type: TypeProto | string, value?: Record<string, unknown>): void {
    this.variables.set(name.toLowerCase(), {
      type: typeof type === 'string' ? parseType(type) : cleanType(type),
      ...(value ? { value } : {}),
    });
  }

  /** Forgets the script variables: each action is its own BigQuery script. */
  clearVariables(): void {
    this.variables.clear();
  }

  hasTable(name: string): boolean {
    return this.tables.has(name.toLowerCase());
  }

  columns(name: string): TypedColumn[] | undefined {
    return this.tables.get(name.toLowerCase());
  }

  /**
   * The SimpleCatalogProto to send with an analyze or evaluate request. With `sql`, only the
   * tables and functions whose last name part occurs in it are included (a reference always
   * spells it): a 70-table catalog made each request ~10x slower to send and rebuild.
   */
  toProto(languageOptions: unknown, sql?: string): Record<string, unknown> {
    const text = sql?.toLowerCase();
    const used = (name: string) => text === undefined || text.includes(name.slice(name.lastIndexOf('.') + 1));
    const root = emptyNode();
    const place = (name: string, put: (node: Node, leaf: string) => void) => {
      put(root, name);
      const parts = name.split('.');
      const paths = [parts];
      if (this.defaultProject && parts.length === 3 && parts[0] === this.defaultProject.toLowerCase()) paths.push(parts.slice(1));
      for (const path of paths) {
        if (path.length < 2) continue;
        let node = root;
        for (const part of path.slice(0, -1)) {
          let child = node.children.get(part);
          if (!child) node.children.set(part, (child = emptyNode()));
          node = child;
        }
        put(node, path[path.length - 1]!);
      }
    };
    for (const [name, columns] of this.tables) if (used(name)) place(name, (node, leaf) => node.tables.set(leaf, columns));
    for (const [name, signatures] of this.functions) if (used(name)) place(name, (node, leaf) => node.functions.set(leaf, signatures));
    const render = (node: Node, name: string): Record<string, unknown> => ({
      name,
      table: [...node.tables].map(([tableName, columns]) => ({
        name: tableName,
        column: columns.map((c) => ({ name: c.name, type: c.type, ...(c.pseudo ? { isPseudoColumn: true } : {}) })),
      })),
      customFunction: [...node.functions].map(([fnName, signature]) => ({ namePath: [fnName], group: 'UDF', mode: 'SCALAR', signature })),
      catalog: [...node.children].map(([childName, child]) => render(child, childName)),
    });
    for (const [name, signatures] of Object.entries(EXTRA_FUNCTIONS))
      if (used(name) && !root.functions.has(name)) root.functions.set(name, signatures);
    const constant = [...this.variables].map(([name, v]) => ({ namePath: [name], type: v.type, ...(v.value ? { value: v.value } : {}) }));
    return { ...render(root, 'bigquery'), constant, builtinFunctionOptions: { languageOptions } };
  }
}
