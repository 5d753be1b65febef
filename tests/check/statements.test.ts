import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { concatenateScript, insertInto, mergeInto, resolveTarget } from '../../check/statements.ts';
import type { Table } from '../../warehouse/graph.ts';

/**
 * The SQL `dataform run` sends, taken from the installed @dataform/cli itself: its ExecutionSql
 * methods (mergeInto, insertInto, buildIncrementalPredicatesString) and formatStatement /
 * concatenateQueries are cut out of the CLI bundle and run as they are, so a CLI upgrade that
 * changes the shape fails this test.
 */
const bundle = readFileSync(createRequire(import.meta.url).resolve('@dataform/cli/bundle.js'), 'utf8');

function method(name: string): string {
  const start = bundle.search(new RegExp(`\\n    ${name}\\([^)]*\\) \\{\\n`));
  if (start < 0) throw new Error(`@dataform/cli bundle has no method ${name}: its execution SQL changed, re-read it`);
  const end = bundle.indexOf('\n    }\n', start + 1);
  return bundle.slice(start, end + 7);
}

function topLevel(name: string): string {
  const start = bundle.indexOf(`\nfunction ${name}(`);
  if (start < 0) throw new Error(`@dataform/cli bundle has no function ${name}`);
  return bundle.slice(start, bundle.indexOf('\n}\n', start) + 3);
}

type Cli = {
  mergeInto(target: unknown, columns: string[], query: string, uniqueKey: string[], bigquery: unknown): string;
  insertInto(target: unknown, columns: string[], query: string): string;
  concatenate(statements: string[]): string;
};
const cli = new Function(`
  ${topLevel('formatStatement')}
  ${topLevel('concatenateQueries')}
  class ExecutionSql {
    resolveTarget(target) { return '\`' + [target.database, target.schema, target.name].filter(Boolean).join('.') + '\`'; }
    ${method('mergeInto')}
    ${method('insertInto')}
    ${method('buildIncrementalPredicatesString')}
    concatenate(statements) { return concatenateQueries(statements); }
  }
  return new ExecutionSql();
`)() as Cli;

const target = { database: 'my-project', schema: 'logflow', name: 'requests' };
const query = 'select 1 as request_id, timestamp "2026-01-01" as requested_at';

describe('mergeInto()', () => {
  it.each([
    { case: 'a unique key only', bigquery: {} },
    { case: 'updatePartitionFilter', bigquery: { updatePartitionFilter: 'requested_at >= requests_from' } },
    { case: 'incrementalPredicates', bigquery: { incrementalPredicates: ['DATAFORM_DEST.requested_at >= requests_from', ' '] } },
    {
      case: 'both',
      bigquery: { updatePartitionFilter: 'requested_at >= x', incrementalPredicates: ['DATAFORM_DEST.a > 1', 'DATAFORM_DEST.b < 2'] },
    },
  ])('builds exactly the MERGE the installed Dataform CLI sends ($case)', ({ bigquery }) => {
    const table = { target, uniqueKey: ['request_id'], incrementalQuery: query, bigquery } as unknown as Table;
    const statement = mergeInto(table, ['request_id', 'requested_at']);
    expect(statement.sql).toBe(cli.mergeInto(target, ['request_id', 'requested_at'], query, ['request_id'], bigquery));
    expect(statement.sql).toContain('DATAFORM_DEST');
    expect(statement.sql.slice(statement.offset, statement.offset + query.length)).toBe(query);
  });

  it('uses two key columns like the CLI', () => {
    const table = { target, uniqueKey: ['a', 'b'], incrementalQuery: query } as unknown as Table;
    expect(mergeInto(table, ['a', 'b', 'c']).sql).toBe(cli.mergeInto(target, ['a', 'b', 'c'], query, ['a', 'b'], undefined));
  });
});

describe('insertInto()', () => {
  it('builds exactly the INSERT the installed Dataform CLI sends', () => {
    const table = { target, incrementalQuery: query } as unknown as Table;
    expect(insertInto(table, ['a', 'b']).sql).toBe(cli.insertInto(target, ['`a`', '`b`'], query));
  });
});

describe('concatenateScript()', () => {
  it.each([
    { case: 'statements without semicolons', statements: ['declare x int64 default 1', 'select x', 'select 2'] },
    {
      case: 'blank and already terminated statements',
      statements: ['  begin transaction;  ', '', 'delete from t where true', 'commit transaction'],
    },
    { case: 'a trailing line comment', statements: ['select 1 -- note', 'select 2 -- last'] },
    { case: 'a statement that is only a comment', statements: ['-- nothing', 'select 1'] },
  ])('joins an action the way the CLI does ($case)', ({ statements }) => {
    expect(concatenateScript(statements)).toBe(cli.concatenate(statements));
  });
});

describe('resolveTarget()', () => {
  it('backticks the dotted name once', () => {
    expect(resolveTarget(target)).toBe('`my-project.logflow.requests`');
  });
});
