/**
 * Which reads of partitioned tables a statement bounds by their partition column, read from
 * ZetaSQL's resolved AST. BigQuery prunes partitions only when the filter on the partition
 * column is a constant expression or uses script variables (DECLARE); a subquery in the filter
 * prunes nothing, and MERGE/DELETE scan the whole target unless their ON/WHEN/WHERE bound it.
 * A read counts as bounded when some conjunct of a WHERE, JOIN ON, MERGE ON/WHEN or DELETE/UPDATE
 * WHERE that applies to it gives its partition column a lower bound (`>`, `>=`, `=`, BETWEEN,
 * IN (...)) by such an expression, directly or through DATE()/TIMESTAMP_TRUNC()/CAST of the
 * column, through CTEs and renaming projections; `col >= x or col is null` counts (the NULL
 * partition is one partition). An upper bound alone still reads all history below it.
 * Pure functions over proto-loader objects.
 */

/** A node of the resolved AST with its base-class fields merged in and its kind named. */
interface Node {
  kind: string;
  [field: string]: unknown;
}

/** One read of a partitioned table and what bounds it. */
export interface PartitionRead {
  /** The table as the SQL names it (e.g. `project.logflow.requests`). */
  table: string;
  /** Its partition column. */
  column: string;
  /** The bounding predicate as written (trimmed), or undefined when the read is unbounded. */
  bound?: string;
  /** 0-based character offset of the table reference in the analysed text, when known. */
  offset?: number;
}

/**
 * Merges `parent` chains (ZetaSQL's proto encoding of base classes) and unwraps oneof wrappers
 * (`{ resolvedXNode: {...}, node: 'resolvedXNode' }`) into plain nodes with a `kind`.
 */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (!value || typeof value !== 'object') return value;
  let object = value as Record<string, unknown>;
  let kind: string | undefined;
  for (;;) {
    const key = Object.keys(object).find((k) => /^resolved\w+Node$/.test(k) && object[k] && typeof object[k] === 'object');
    if (!key) break;
    kind = key;
    object = object[key] as Record<string, unknown>;
  }
  const merged: Record<string, unknown> = {};
  let current: Record<string, unknown> | undefined = object;
  while (current) {
    for (const [k, v] of Object.entries(current)) if (k !== 'parent' && k !== 'node' && !(k in merged)) merged[k] = normalize(v);
    const parent: unknown = current.parent;
    current = parent && typeof parent === 'object' ? (parent as Record<string, unknown>) : undefined;
  }
  if (kind) merged.kind = kind.replace(/^resolved/, '').replace(/Node$/, '');
  // Fields typed with a concrete node (not a oneof) carry no wrapper: name them by their shape.
  else if ('table' in merged && 'columnIndexList' in merged) merged.kind = 'TableScan';
  else if ('withQueryName' in merged && 'withSubquery' in merged) merged.kind = 'WithEntry';
  else if ('column' in merged && 'expr' in merged) merged.kind = 'ComputedColumn';
  return merged;
}

function children(node: unknown): unknown[] {
  if (Array.isArray(node)) return node;
  if (node && typeof node === 'object') return Object.values(node);
  return [];
}

function* walk(node: unknown): Generator<Node> {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current && typeof current === 'object' && !Array.isArray(current) && typeof (current as Node).kind === 'string')
      yield current as Node;
    for (const child of children(current)) if (child && typeof child === 'object') stack.push(child);
  }
}

type Column = { columnId?: string; name?: string };
type Range = { start?: number; end?: number };

const range = (node: unknown): Range | undefined => (node as { parseLocationRange?: Range } | undefined)?.parseLocationRange;
const fn = (node: Node): string => ((node.function as { name?: string } | undefined)?.name ?? '').replace(/^ZetaSQL:/, '').toLowerCase();
const args = (node: Node): Node[] => (node.argumentList as Node[] | undefined) ?? [];

/** The conjuncts of an AND tree. */
function conjuncts(expr: Node | undefined): Node[] {
  if (!expr) return [];
  if (expr.kind === 'FunctionCall' && fn(expr) === '$and') return args(expr).flatMap(conjuncts);
  return [expr];
}

/** True when the expression reads no column and runs no subquery: literals, parameters, script variables and functions of them. */
function isConstant(expr: Node): boolean {
  for (const node of walk(expr)) {
    if (node.kind === 'ColumnRef' || node.kind === 'SubqueryExpr' || /Scan$/.test(node.kind)) return false;
  }
  return true;
}

/** The column id an expression is a function of, when it is one column seen through DATE/TIMESTAMP_TRUNC/CAST-like wrappers. */
function columnOf(expr: Node): string | undefined {
  if (expr.kind === 'ColumnRef') return (expr.column as Column | undefined)?.columnId;
  if (expr.kind === 'Cast') return columnOf(expr.expr as Node);
  if (
    expr.kind === 'FunctionCall' &&
    /^(date|timestamp|datetime|timestamp_trunc|date_trunc|datetime_trunc|extract_date|\$extract_date)$/.test(fn(expr))
  ) {
    const [first, ...rest] = args(expr);
    if (first && rest.every(isConstant)) return columnOf(first);
  }
  return undefined;
}

const LOWER = new Set(['$greater', '$greater_or_equal', '$equal', '$between', '$in']);
const FLIP: Record<string, string> = { $less: '$greater', $less_or_equal: '$greater_or_equal', $equal: '$equal' };

/** The column ids a conjunct gives a lower bound by constants (several for an OR of bounds). */
function boundedColumns(expr: Node): string[] {
  if (expr.kind !== 'FunctionCall') return [];
  const name = fn(expr);
  const list = args(expr);
  if (name === '$or') {
    const branches = list.map((branch): { bounds: string[]; nullOf?: string } =>
      branch.kind === 'FunctionCall' && fn(branch) === '$is_null'
        ? { bounds: [], nullOf: columnOf(args(branch)[0]!) }
        : { bounds: boundedColumns(branch) },
    );
    const ids = new Set(branches.flatMap((b) => b.bounds));
    if (ids.size !== 1) return [];
    const [id] = [...ids];
    return branches.every((b) => b.bounds.includes(id!) || (b.nullOf !== undefined && b.nullOf === id)) ? [id!] : [];
  }
  if (LOWER.has(name)) {
    const [left, ...rest] = list;
    const id = left ? columnOf(left) : undefined;
    if (id && rest.length > 0 && rest.every(isConstant)) return [id];
  }
  const flipped = FLIP[name];
  if (flipped && list.length === 2) {
    const id = columnOf(list[1]!);
    if (id && isConstant(list[0]!)) return [id];
  }
  return [];
}

/** Where conditions that can prune a scan live. */
function predicates(node: Node): Node[] {
  switch (node.kind) {
    case 'FilterScan':
      return [node.filterExpr as Node];
    case 'JoinScan':
      return [node.joinExpr as Node];
    case 'MergeStmt':
      return [node.mergeExpr as Node, ...((node.whenClauseList as Node[] | undefined) ?? []).map((w) => w.matchExpr as Node)];
    case 'DeleteStmt':
    case 'UpdateStmt':
      return [node.whereExpr as Node];
    default:
      return [];
  }
}

/**
 * Every read of a partitioned table in one analysed statement, with what bounds it.
 * @param resolved the statement's resolved AST as the analyzer returned it
 * @param partitionColumn the partition column of a table named as in the SQL (lower case), or undefined
 * @param text the SQL text the AST's byte offsets refer to
 */
export function partitionReads(resolved: unknown, partitionColumn: (table: string) => string | undefined, text: string): PartitionRead[] {
  const root = normalize(resolved);
  const bytes = Buffer.from(text);
  const charOffset = (byte: number) => bytes.subarray(0, byte).toString().length;
  const slice = (r: Range | undefined) =>
    r?.start !== undefined && r.end !== undefined ? bytes.subarray(r.start, r.end).toString().replace(/\s+/g, ' ').trim() : undefined;

  // Column ids that stand for another column: CTE references (positional) and renaming projections.
  const alias = new Map<string, string>();
  const withEntries = new Map<string, Column[]>();
  for (const node of walk(root)) {
    if (node.kind === 'WithEntry')
      withEntries.set(
        String(node.withQueryName).toLowerCase(),
        ((node.withSubquery as Node | undefined)?.columnList as Column[] | undefined) ?? [],
      );
  }
  for (const node of walk(root)) {
    if (node.kind === 'WithRefScan') {
      const source = withEntries.get(String(node.withQueryName).toLowerCase()) ?? [];
      ((node.columnList as Column[] | undefined) ?? []).forEach((c, i) => {
        const target = source[i]?.columnId;
        if (c.columnId && target) alias.set(c.columnId, target);
      });
    }
    if (node.kind === 'ComputedColumn') {
      const expr = node.expr as Node | undefined;
      const id = (node.column as Column | undefined)?.columnId;
      if (id && expr?.kind === 'ColumnRef') {
        const target = (expr.column as Column | undefined)?.columnId;
        if (target) alias.set(id, target);
      }
    }
  }
  const resolve = (id: string): string => {
    let current = id;
    for (let i = 0; i < 100 && alias.has(current); i++) current = alias.get(current)!;
    return current;
  };

  // Bounds by the column they bound (resolved to its origin).
  const bounds = new Map<string, string>();
  for (const node of walk(root)) {
    for (const predicate of predicates(node)) {
      for (const conjunct of conjuncts(predicate)) {
        for (const id of boundedColumns(conjunct)) {
          const origin = resolve(id);
          if (!bounds.has(origin)) bounds.set(origin, slice(range(conjunct)) ?? 'a constant bound');
        }
      }
    }
  }

  // An INSERT's target is written, not read (BigQuery bills only the SELECT's reads).
  const written = new Set<unknown>();
  for (const node of walk(root)) if (node.kind === 'InsertStmt' && node.tableScan) written.add(node.tableScan);

  const reads: PartitionRead[] = [];
  for (const node of walk(root)) {
    if (node.kind !== 'TableScan' || written.has(node)) continue;
    const table = String(
      (node.table as { fullName?: string; name?: string } | undefined)?.fullName ??
        (node.table as { name?: string } | undefined)?.name ??
        '',
    );
    const column = partitionColumn(table.toLowerCase());
    if (!column) continue;
    const scanned = ((node.columnList as Column[] | undefined) ?? []).find((c) => c.name?.toLowerCase() === column.toLowerCase());
    const bound = scanned?.columnId ? bounds.get(resolve(scanned.columnId)) : undefined;
    const r = range(node);
    reads.push({ table, column, ...(bound ? { bound } : {}), ...(r?.start !== undefined ? { offset: charOffset(r.start) } : {}) });
  }
  return reads.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
}

/** The partition column of a `partitionBy` expression: `DATE(received_at)` -> received_at, `request_date` -> request_date. */
export function partitionColumnOf(partitionBy: string): string | undefined {
  const names = partitionBy.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  const keywords = /^(date|timestamp_trunc|datetime_trunc|date_trunc|range_bucket|generate_array|day|hour|month|year)$/i;
  return names.find((n) => !keywords.test(n));
}

/**
 * What a view stands for when an action reads it: BigQuery expands a view into the reading
 * statement, so a read of a view over a partitioned table is a read of that table, pruned only
 * when the reading statement bounds the column the view passes through. Returns the column to
 * treat as the view's partition column: the partition column of the first table the view reads
 * unbounded when the view outputs it under the same name, a name no column has when it does not
 * (then every read through the view is unbounded), or undefined when the view reads no
 * partitioned table unbounded (its reads are bounded inside it, or there are none).
 * @param reads the view query's reads of partitioned tables (partitionReads)
 * @param outputColumns the view's output column names
 */
export function viewPartitionColumn(reads: PartitionRead[], outputColumns: string[]): string | undefined {
  const unbounded = reads.find((r) => !r.bound);
  if (!unbounded) return undefined;
  const passed = outputColumns.some((c) => c.toLowerCase() === unbounded.column.toLowerCase());
  return passed ? unbounded.column : `${unbounded.column} (of ${unbounded.table}; the view does not select it)`;
}
