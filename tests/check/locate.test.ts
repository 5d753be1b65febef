import { describe, expect, it } from 'vitest';
import { configEndLine, mapToSource, placeholders } from '../../check/locate.ts';

const sqlx = [
  'config {',
  '  type: "table",',
  '  bigquery: { partitionBy: "date(t)" },',
  '}',
  '',
  'js { const d = dialect; }',
  '',
  'with src as (',
  '  select * from ${ref("landing")}',
  '  ${when(incremental(), `where t > (select max(t) from ${self()})`)}',
  '),',
  '',
  'final as (',
  '  select',
  '    ${d.parse("line")} as parsed,',
  '    upper(method) as method,',
  '  from src',
  ')',
  '',
  'select * from final',
].join('\n');

// What Dataform compiles it to (config and js blocks become blank lines).
const compiled = [
  '',
  '',
  '',
  'with src as (',
  '  select * from `p.raw.landing`',
  '  where t > (select max(t) from `p.app.x`)',
  '),',
  '',
  'final as (',
  '  select',
  "    safe.parse_timestamp('%d', line) as parsed,",
  '    upper(method) as method,',
  '  from src',
  ')',
  '',
  'select * from final',
].join('\n');

describe('configEndLine()', () => {
  it.each([
    { text: sqlx, line: 4 },
    { text: 'config { type: "view" }\nselect 1', line: 1 },
    { text: 'select 1', line: 0 },
  ])('finds the line closing the config block ($line)', ({ text, line }) => {
    expect(configEndLine(text)).toBe(line);
  });
});

describe('placeholders()', () => {
  it('finds top-level ${...} expansions, with nested ones inside', () => {
    const text = 'a ${x} b ${when(i, `c ${self()}`)} d';
    expect(placeholders(text).map(([s, e]) => text.slice(s, e))).toEqual(['${x}', '${when(i, `c ${self()}`)}']);
  });
});

describe('mapToSource()', () => {
  it.each([
    { what: 'a column in literal text', line: 12, column: 11, expected: { line: 16, column: 11, exact: true } },
    { what: 'the literal text after an expansion', line: 11, column: 42, expected: { line: 15, column: 28, exact: true } },
    { what: 'a column inside an expansion', line: 11, column: 10, expected: { line: 15, column: 5, exact: false } },
    { what: 'a line produced wholly by a when() expansion', line: 6, column: 21, expected: { line: 10, column: 3, exact: false } },
    { what: 'a table name from ref()', line: 5, column: 17, expected: { line: 9, column: 17, exact: false } },
    { what: 'the last line', line: 16, column: 15, expected: { line: 20, column: 15, exact: true } },
  ])('maps $what', ({ line, column, expected }) => {
    expect(mapToSource(sqlx, compiled, line, column)).toEqual(expected);
  });

  it('prefers the occurrence nearest to where the compiled line should be when a line repeats', () => {
    const text = 'config { type: "view" }\nselect 1 as a\nunion all\nselect 1 as a\nunion all\nselect 1 as a';
    const out = '\nselect 1 as a\nunion all\nselect 1 as a\nunion all\nselect 1 as a';
    expect(mapToSource(text, out, 4, 8)).toEqual({ line: 4, column: 8, exact: true });
    expect(mapToSource(text, out, 6, 8)).toEqual({ line: 6, column: 8, exact: true });
  });

  it('returns undefined when no line of the file can have produced the compiled line', () => {
    expect(mapToSource('config {}\nselect 1', '\nselect 2', 2, 8)).toBeUndefined();
  });
});
