import { describe, expect, it } from 'vitest';
import { concatenateScript, mergeInto, insertInto } from '../../check/statements.ts';
import { compileProject } from '../../warehouse/compile.ts';
import type { Table } from '../../warehouse/graph.ts';

const bigquery = compileProject({ warehouse: 'bigquery' });
const duckdb = compileProject({ warehouse: 'duckdb' });
const name = (t: Table) => `${t.target.schema}.${t.target.name}`;
const deletes = (t: Table) => (t.incrementalPreOps ?? []).some((op) => /^\s*delete\s+from\b/i.test(op));

describe('delete + insert actions on BigQuery', () => {
  const rebuilt = (bigquery.tables ?? []).filter((t) => t.type === 'incremental' && deletes(t));

  it('are the sessions and every daily output', () => {
    expect(rebuilt.map(name).sort()).toEqual(
      expect.arrayContaining(['logflow.sessions', 'logflow.daily_visitors', 'logflow.pages', 'logflow.suspicious_clients']),
    );
    expect(rebuilt.length).toBeGreaterThanOrEqual(13);
  });

  it.each(rebuilt.map((t) => [name(t), t] as const))('%s runs its delete and its DML in one transaction', (_name, table) => {
    // The script `dataform run` sends: incremental pre-ops, the MERGE/INSERT, incremental post-ops.
    const dml = (table.uniqueKey ?? []).length > 0 ? mergeInto(table, ['x']) : insertInto(table, ['x']);
    const statements = [...(table.incrementalPreOps ?? []), dml.sql, ...(table.incrementalPostOps ?? [])]
      .map((s) => s.trim())
      .filter(Boolean);
    const kinds = statements.map((s) =>
      /^declare\b/i.test(s)
        ? 'declare'
        : /^begin transaction$/i.test(s)
          ? 'begin'
          : /^commit transaction$/i.test(s)
            ? 'commit'
            : /^delete\b/i.test(s)
              ? 'delete'
              : /^insert into \S*model_watermarks\b/i.test(s)
                ? 'mark'
                : /^(merge|insert)\b/i.test(s)
                  ? 'dml'
                  : 'other',
    );
    // DECLAREs first (BigQuery requires them at the start of a script), then BEGIN, the delete, the
    // DML, the run mark (committed with what it marks: includes/watermarks.js markRun), COMMIT last.
    const body = kinds.filter((k) => k !== 'declare');
    expect(kinds.slice(0, kinds.length - body.length).every((k) => k === 'declare')).toBe(true);
    expect(body).toEqual(['begin', 'delete', 'dml', 'mark', 'commit']);
    expect(concatenateScript(statements)).toMatch(
      /;\nbegin transaction;\ndelete from [\s\S]*;\n\s*(merge|insert into) [\s\S]*;\ninsert into \S*model_watermarks\S* [^;]*;\ncommit transaction$/,
    );
  });

  it('has no transaction on a full refresh (CREATE OR REPLACE is atomic) nor in the DuckDB spelling (the executor runs each action in one)', () => {
    for (const table of bigquery.tables ?? [])
      expect([...(table.preOps ?? []), ...(table.postOps ?? [])].join('\n'), name(table)).not.toMatch(/transaction/i);
    for (const table of duckdb.tables ?? []) {
      expect([...(table.incrementalPreOps ?? []), ...(table.incrementalPostOps ?? [])].join('\n'), name(table)).not.toMatch(/transaction/i);
    }
  });
});
