import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { loadInclude } from '../support/includes.ts';

interface Dimensions {
  seenSpan(at?: string): string;
  knownRows(table: string, key: string): string;
  unknownOnly(key: string): string;
  unionKnown(key: string, columns: string[]): string;
}

const dimensions = loadInclude<Dimensions>('dimensions');

let wh: Warehouse;
beforeAll(async () => {
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
  // A dimension built by an earlier run: key, looked-up value, span, and when its newest line was staged.
  await wh.connection.run(`create table dim as select * from (values
    ('a', 'looked up before', timestamptz '2026-11-01 10:00:00+00', timestamptz '2026-11-01 11:00:00+00', timestamptz '2026-11-01 11:05:00+00'),
    ('b', 'looked up before', timestamptz '2026-11-01 10:00:00+00', timestamptz '2026-11-01 10:00:00+00', timestamptz '2026-11-01 11:05:00+00')
  ) as t(k, v, first_seen_at, last_seen_at, last_staged_at)`);
});
afterAll(() => wh.close());

/** An incremental run of a dimension over `lines` (key, received_at), staged at 12:05, written as a model would with the fragments. */
const run = async (lines: [string, string][]) => {
  const values = lines.map(([k, at]) => `('${k}', timestamptz '${at}', timestamptz '2026-11-01 12:05:00+00')`).join(', ');
  const sql = `
    with lines as (select * from (values ${values}) as t(k, received_at, staged_at)),
    seen as (select k, ${dimensions.seenSpan()}, from lines group by 1),
    known as (${dimensions.knownRows('dim', 'k')}),
    new_keys as (select * from seen ${dimensions.unknownOnly('k')}),
    looked_up as (select k, 'looked up now' as v, first_seen_at, last_seen_at, last_staged_at from new_keys)
    select * from looked_up
    ${dimensions.unionKnown('k', ['k', 'v'])}
    order by k`;
  return (await wh.connection.runAndReadAll(sql)).getRowsJson().map((row) => row.map(String));
};

describe('the dimension fragments', () => {
  it('look up new keys only, widen the span of known ones, and leave untouched keys out of the merge', async () => {
    const rows = await run([
      ['a', '2026-11-01 12:00:00+00'],
      ['a', '2026-11-01 08:00:00+00'],
      ['c', '2026-11-01 09:00:00+00'],
    ]);
    expect(rows).toEqual([
      ['a', 'looked up before', '2026-11-01 08:00:00+00', '2026-11-01 12:00:00+00', '2026-11-01 12:05:00+00'],
      ['c', 'looked up now', '2026-11-01 09:00:00+00', '2026-11-01 09:00:00+00', '2026-11-01 12:05:00+00'],
    ]);
  });

  it('keep the stored span when the new lines fall inside it', async () => {
    expect(await run([['a', '2026-11-01 10:30:00+00']])).toEqual([
      ['a', 'looked up before', '2026-11-01 10:00:00+00', '2026-11-01 11:00:00+00', '2026-11-01 12:05:00+00'],
    ]);
  });
});

describe('seenSpan()', () => {
  it.each([
    [undefined, 'min(received_at) as first_seen_at,\n    max(received_at) as last_seen_at,\n    max(staged_at) as last_staged_at'],
    ['publish_time', 'min(publish_time) as first_seen_at,\n    max(publish_time) as last_seen_at,\n    max(staged_at) as last_staged_at'],
  ])('over %s', (at, expected) => {
    expect(dimensions.seenSpan(at)).toBe(expected);
  });
});
