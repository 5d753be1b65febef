import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { loadInclude } from '../support/includes.ts';
import type { Helpers } from './cases.ts';
import { escaped, fuzzCount, fuzzSeed, seededFaker } from './fuzz-values.ts';

// dialect.tupleKey() counts visitors (client IP, user agent) in the panels: DuckDB counts the
// tuple itself, BigQuery (no COUNT(DISTINCT struct)) its JSON text. Both must count exactly the
// distinct pairs, a NULL part being one value of its own (GoAccess counts visitors with no user
// agent), with no collisions between texts that a hash of joined parts would confuse.

type Row = [g: number, a: string | null, b: string | null];
type Counts = Record<string, { pairs: number; pairsWithA: number }>;

const dialect = loadInclude<{ forWarehouse(w: string): Helpers & { tupleKey(...p: string[]): string } }>('dialect');
const bigquery = dialect.forWarehouse('bigquery');
const duckdb = dialect.forWarehouse('duckdb');

const query = (d: typeof bigquery, table: string) => `select
    g,
    count(distinct ${d.tupleKey('a', 'b')}) as pairs,
    count(distinct case when a is not null then ${d.tupleKey('a', 'b')} end) as pairs_with_a,
  from ${table}
  group by g`;

/** What the counts must be: distinct (a, b) pairs per g, NULL equal to NULL and to nothing else. */
function expected(rows: Row[]): Counts {
  const out: Record<string, { pairs: Set<string>; pairsWithA: Set<string> }> = {};
  for (const [g, a, b] of rows) {
    const group = (out[String(g)] ??= { pairs: new Set(), pairsWithA: new Set() });
    const key = JSON.stringify([a, b]);
    group.pairs.add(key);
    if (a !== null) group.pairsWithA.add(key);
  }
  return Object.fromEntries(Object.entries(out).map(([g, s]) => [g, { pairs: s.pairs.size, pairsWithA: s.pairsWithA.size }]));
}

const toCounts = (rows: Record<string, unknown>[]): Counts =>
  Object.fromEntries(rows.map((r) => [String(r.g), { pairs: Number(r.pairs), pairsWithA: Number(r.pairs_with_a) }]));

let zetasql: ZetaSQL;
let wh: Warehouse;
beforeAll(async () => {
  zetasql = await startZetaSQL();
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
}, 30_000);
afterAll(async () => {
  wh?.close();
  await zetasql?.close();
});

async function onBigQuery(rows: Row[]): Promise<Counts> {
  const result = await zetasql.evaluate(query(bigquery, '`p.t.pairs`'), [
    {
      name: 'p.t.pairs',
      columns: [
        { name: 'g', type: 'INT64' },
        { name: 'a', type: 'STRING' },
        { name: 'b', type: 'STRING' },
      ],
      rows: rows.map(([g, a, b]) => ({ g: BigInt(g), a, b })),
    },
  ]);
  return toCounts(result.rows);
}

async function onDuckdb(rows: Row[]): Promise<Counts> {
  await wh.connection.run('create or replace temp table pairs (g bigint, a varchar, b varchar)');
  const appender = await wh.connection.createAppender('pairs', 'main', 'temp');
  for (const [g, a, b] of rows) {
    appender.appendBigInt(BigInt(g));
    for (const v of [a, b]) {
      if (v === null) appender.appendNull();
      else appender.appendVarchar(v);
    }
    appender.endRow();
  }
  appender.closeSync();
  const reader = await wh.connection.runAndReadAll(query(duckdb, 'temp.main.pairs'));
  return toCounts(reader.getRowObjects());
}

const US = '\u001f';
const FIXED: { name: string; rows: Row[] }[] = [
  {
    name: 'NULL parts are one value each, not absent',
    rows: [
      [1, '10.0.0.1', null],
      [1, '10.0.0.1', null],
      [1, '10.0.0.1', 'curl/8'],
      [2, null, null],
      [2, null, null],
      [2, null, 'x'],
      [3, null, 'x'],
    ],
  },
  {
    name: "NULL is not the text '\\N', 'null' or ''",
    rows: [
      [1, '10.0.0.1', null],
      [1, '10.0.0.1', '\\N'],
      [1, '10.0.0.1', 'null'],
      [1, '10.0.0.1', ''],
      [1, '\\N', null],
      [1, null, '\\N'],
    ],
  },
  {
    name: 'the parts are not joined: separators and quotes inside them do not collide',
    rows: [
      [1, `a${US}b`, 'c'],
      [1, 'a', `b${US}c`],
      [1, 'a,"k1":"b', 'c'],
      [1, 'a', '","k1":"b'],
      [1, '{"k0":"a","k1":"b"}', null],
      [1, 'a\\', '"b'],
      [1, 'a\\"', 'b'],
    ],
  },
  {
    name: 'odd strings: escapes, control characters, non-ASCII, NUL, case, spaces',
    rows: [
      [1, '2001:db8::1', 'Mozilla/5.0 (X11; Linux x86_64) "quoted" \\x16'],
      [1, '2001:DB8::1', 'Mozilla/5.0 (X11; Linux x86_64) "quoted" \\x16'],
      [1, '2001:db8::1', 'Mozilla/5.0 (X11; Linux x86_64) "quoted" \\x16 '],
      [1, '2001:db8::1', 'café 日本 😀'],
      [1, '2001:db8::1', 'cafe\u0301 日本 😀'],
      [1, '2001:db8::1', 'tab\there\nnewline'],
      [1, '2001:db8::1', 'nul\u0000inside'],
      [1, '2001:db8::1', 'nul'],
    ],
  },
];

describe('tupleKey()', () => {
  it.each(FIXED)('counts distinct pairs alike on both engines: $name', async ({ rows }) => {
    const want = expected(rows);
    expect(await onBigQuery(rows)).toEqual(want);
    expect(await onDuckdb(rows)).toEqual(want);
  });

  it('counts distinct pairs alike on both engines on generated pairs (seeded)', async () => {
    const f = seededFaker(fuzzSeed(20261130));
    // A small pool so that pairs repeat; NULL and look-alikes of NULL and of the separators in it.
    const pool: (string | null)[] = [
      null,
      null,
      '',
      '\\N',
      'null',
      US,
      `${US}${US}`,
      '"',
      ',',
      ...Array.from({ length: 12 }, () => escaped(f)),
    ];
    const rows: Row[] = Array.from({ length: fuzzCount(2000) }, () => [
      f.number.int({ min: 0, max: 9 }),
      f.helpers.arrayElement(pool),
      f.helpers.arrayElement(pool),
    ]);
    const want = expected(rows);
    expect(await onBigQuery(rows)).toEqual(want);
    expect(await onDuckdb(rows)).toEqual(want);
  });

  it('refuses an empty tuple', () => {
    expect(() => duckdb.tupleKey()).toThrow(/at least one part/);
    expect(() => bigquery.tupleKey()).toThrow(/at least one part/);
  });
});
