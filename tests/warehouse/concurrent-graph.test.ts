import { describe, expect, it } from 'vitest';
import { compileProject } from '../../warehouse/compile.ts';
import { actionSql, sharesSessionState } from '../../warehouse/executor.ts';
import { fullName } from '../../warehouse/graph.ts';
import { planGraph } from '../../warehouse/plan.ts';

/**
 * `logflow transform` runs independent actions at the same time (warehouse/executor.ts). That is
 * only right when every table an action reads is among its dependencies, so that it starts after
 * that table's action committed, and when no action reads session state another one left.
 * These hold for the project as compiled, on both warehouses (Dataform runs BigQuery actions at
 * once as well).
 */
describe.each(['duckdb', 'bigquery'] as const)('the logflow graph compiled for %s', (warehouse) => {
  const plan = planGraph(compileProject({ warehouse }));
  const upstream = (key: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(plan.all.get(key)?.deps ?? [])];
    while (stack.length > 0) {
      const k = stack.pop()!;
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(...(plan.all.get(k)?.deps ?? []));
    }
    return seen;
  };

  it('names no table of another action in an action that does not depend on it', () => {
    const undeclared: string[] = [];
    for (const action of plan.all.values()) {
      const deps = upstream(action.key);
      for (const sql of actionSql(action)) {
        for (const [, name] of sql.matchAll(/`([^`\n]+)`/g)) {
          const other = plan.all.get(name!);
          if (other && other.key !== action.key && !deps.has(other.key)) undeclared.push(`${fullName(action.target)} reads ${name}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });

  it.runIf(warehouse === 'duckdb')('has no action that reads a variable or temporary table another action left', () => {
    expect(sharesSessionState([...plan.all.values()])).toBe(false);
  });
});
