import { LogflowError } from '../core/errors.ts';
import { fullName, shortName, type CompiledGraph, type Table, type Operation, type Assertion, type Target } from './graph.ts';

/** One runnable node of the compiled graph. */
export type Action =
  | { kind: 'table'; key: string; target: Target; deps: string[]; tags: string[]; disabled: boolean; fileName?: string; table: Table }
  | {
      kind: 'operation';
      key: string;
      target: Target;
      deps: string[];
      tags: string[];
      disabled: boolean;
      fileName?: string;
      operation: Operation;
    }
  | {
      kind: 'assertion';
      key: string;
      target: Target;
      deps: string[];
      tags: string[];
      disabled: boolean;
      fileName?: string;
      assertion: Assertion;
    };

export interface Selection {
  /** Action names: `name`, `schema.name` or `database.schema.name`. */
  actions?: string[];
  tags?: string[];
  includeDeps?: boolean;
  includeDependents?: boolean;
}

export interface Plan {
  /** Selected actions in dependency order (deterministic: ties broken by name). */
  order: Action[];
  /** Every action of the graph by key. */
  all: Map<string, Action>;
  /** Declared sources by key. */
  declarations: Map<string, Target>;
}

/** Turns the compiled graph into actions, applies the selection, and orders them topologically. */
export function planGraph(graph: CompiledGraph, selection: Selection = {}): Plan {
  const all = new Map<string, Action>();
  const keyOf = (t: Target) => fullName(t);
  const depsOf = (targets: Target[] | undefined) => (targets ?? []).map(keyOf);
  for (const table of graph.tables ?? []) {
    const key = keyOf(table.target);
    all.set(key, {
      kind: 'table',
      key,
      target: table.target,
      deps: depsOf(table.dependencyTargets),
      tags: table.tags ?? [],
      disabled: !!table.disabled,
      fileName: table.fileName,
      table,
    });
  }
  for (const operation of graph.operations ?? []) {
    const key = keyOf(operation.target);
    all.set(key, {
      kind: 'operation',
      key,
      target: operation.target,
      deps: depsOf(operation.dependencyTargets),
      tags: operation.tags ?? [],
      disabled: !!operation.disabled,
      fileName: operation.fileName,
      operation,
    });
  }
  for (const assertion of graph.assertions ?? []) {
    const key = keyOf(assertion.target);
    all.set(key, {
      kind: 'assertion',
      key,
      target: assertion.target,
      deps: depsOf(assertion.dependencyTargets),
      tags: assertion.tags ?? [],
      disabled: !!assertion.disabled,
      fileName: assertion.fileName,
      assertion,
    });
  }
  const declarations = new Map((graph.declarations ?? []).map((d) => [keyOf(d.target), d.target]));

  let selected = new Set(all.keys());
  if ((selection.actions?.length ?? 0) > 0 || (selection.tags?.length ?? 0) > 0) {
    selected = new Set();
    for (const name of selection.actions ?? []) {
      const matches = [...all.values()].filter((a) => a.target.name === name || shortName(a.target) === name || a.key === name);
      if (matches.length === 0) {
        throw new LogflowError(
          `no action named '${name}'; known actions: ${[...all.values()]
            .map((a) => shortName(a.target))
            .sort()
            .join(', ')}`,
        );
      }
      for (const m of matches) selected.add(m.key);
    }
    for (const tag of selection.tags ?? []) {
      const matches = [...all.values()].filter((a) => a.tags.includes(tag));
      if (matches.length === 0) throw new LogflowError(`no action has the tag '${tag}'`);
      for (const m of matches) selected.add(m.key);
    }
    if (selection.includeDeps) closure(selected, (key) => all.get(key)?.deps ?? []);
    if (selection.includeDependents) {
      const dependents = new Map<string, string[]>();
      for (const a of all.values()) for (const d of a.deps) dependents.set(d, [...(dependents.get(d) ?? []), a.key]);
      closure(selected, (key) => dependents.get(key) ?? []);
    }
  }
  for (const key of [...selected]) if (!all.has(key)) selected.delete(key);

  return { order: topologicalOrder(all, selected), all, declarations };
}

function closure(set: Set<string>, next: (key: string) => string[]): void {
  const stack = [...set];
  while (stack.length > 0) {
    const key = stack.pop()!;
    for (const n of next(key)) {
      if (!set.has(n)) {
        set.add(n);
        stack.push(n);
      }
    }
  }
}

function topologicalOrder(all: Map<string, Action>, selected: Set<string>): Action[] {
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const key of selected) {
    const deps = all.get(key)!.deps.filter((d) => selected.has(d));
    indegree.set(key, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), key]);
  }
  const ready = [...selected].filter((k) => indegree.get(k) === 0).sort();
  const order: Action[] = [];
  while (ready.length > 0) {
    const key = ready.shift()!;
    order.push(all.get(key)!);
    for (const d of dependents.get(key) ?? []) {
      const n = indegree.get(d)! - 1;
      indegree.set(d, n);
      if (n === 0) {
        ready.push(d);
        ready.sort();
      }
    }
  }
  if (order.length !== selected.size) {
    const stuck = [...selected].filter((k) => !order.some((a) => a.key === k));
    throw new LogflowError(`the graph has a cycle among: ${stuck.join(', ')}`);
  }
  return order;
}
