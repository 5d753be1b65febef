import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { LANDING_ARRIVAL, LANDING_COLUMNS, LANDING_DATASET, LANDING_TABLE } from '../../pipeline/landing.ts';
import { differential, type FixtureTable, type ModelComparison } from '../support/differential.ts';

// int_lines_parsed's fast paths (includes/fast_paths.js) on lines at their boundary: the model
// compiled with them (the default) and without them (var parseFastPath=false: every line through
// the full regexes) must give the same rows, every column, on DuckDB and in ZetaSQL's reference
// evaluator, and each compilation must agree across the two engines.

const HEAD = '203.0.113.7 - - [29/Nov/2026:10:00:00 +0000]';
const OK = `${HEAD} "GET /a?b=c HTTP/1.1" 200 512 "https://r.example/" "Mozilla/5.0 (X11; Linux x86_64)"`;

/** [format, line] (a Buffer for bytes that are not UTF-8). */
const LINES: [string, string | Buffer][] = [
  ['combined', OK],
  ['combined', `${OK} 0.004`],
  ['combined', `${OK} 0.004 "-"`],
  ['combined', `${OK}\t0.004`],
  ['combined', `${OK} \r`],
  ['combined', `${OK}\r`],
  ['combined', `${OK}   `],
  ['combined', `${OK} x\ny`],
  ['combined', `${OK}x`],
  ['combined', `${OK}"`],
  ['combined', OK.replace(/"$/, '')],
  ['combined', OK.replace(/"$/, '  ')],
  ['combined', OK.replace('Linux', 'Li\\"nux')],
  ['combined', OK.replace('Linux', 'Li\\\\nux')],
  ['combined', OK.replace('Linux', 'Li\\nux')],
  ['combined', OK.replace('https://r.example/', 'a \\"quoted\\" referrer')],
  ['combined', OK.replace('GET /a?b=c', 'GET /a?b=\\"c\\"')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET /a?b=c')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET  /a?b=c HTTP/1.1')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET /a?b=c  HTTP/1.1')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET /a?b c HTTP/1.1')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET /a?b=c HTTP/1.1 ')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET /a?b=c HTTP/1.1\\n')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET ?b=c HTTP/1.1')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET /a?? HTTP/1.1')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET HTTP/1.1')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', '-')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', '\\x16\\x03\\x01')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', 'GET /a\tb HTTP/1.1')],
  ['combined', OK.replace('GET /a?b=c HTTP/1.1', `GET /${'p'.repeat(70000)} HTTP/1.1`)],
  ['combined', OK.replace(' - - ', '  - - ')],
  ['combined', OK.replace(' - - ', ' "-" - ')],
  ['combined', OK.replace(' - - ', ' \\ - ')],
  ['combined', OK.replace(' - - ', ' [x] - ')],
  ['combined', OK.replace(' - - ', ' - ] ')],
  ['combined', OK.replace('203.0.113.7', '')],
  ['combined', OK.replace('+0000]', '+0000"]')],
  ['combined', OK.replace('[29/Nov/2026:10:00:00 +0000]', '[29/Nov/2026:10:00:00  +0000]')],
  ['combined', OK.replace('[29/Nov/2026:10:00:00 +0000]', '[2026-11-29 10:00:00]')],
  ['combined', OK.replace(' 200 512 ', ' 200  512 ')],
  ['combined', OK.replace(' 200 512 ', ' 200 - ')],
  ['combined', OK.replace(' 200 512 ', ' 2000 512 ')],
  ['combined', OK.replace(' 200 512 ', ' 200 ')],
  ['combined', OK.replace('" "Mozilla', '"  "Mozilla')],
  ['combined', OK.replace('" "Mozilla', '""Mozilla')],
  ['combined', OK.replace('Linux', 'Lin\uFFFDux é')],
  ['combined', Buffer.concat([Buffer.from(OK.slice(0, 60)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(OK.slice(60))])],
  ['combined', `${OK}${' pad'.repeat(20000)}`],
  ['combined', ''],
  ['combined', ' '],
  ['combined', '"'],
  ['combined', `${HEAD} "GET / HTTP/1.1" 200 1`],
  ['vcombined', `www.example.com:443 ${OK}`],
  ['vcombined', `www.example.com ${OK}`],
  ['vcombined', `www.example.com:- ${OK}`],
  ['vcombined', `www.example.com:x ${OK}`],
  ['vcombined', `www.example.com:443:1 ${OK}`],
  ['vcombined', OK],
  ['common', `${HEAD} "GET /a?b=c HTTP/1.1" 200 512`],
  ['common', `${HEAD} "GET /a?b=c HTTP/1.1" 200 -`],
  ['common', `${HEAD} "GET /a?b=c HTTP/1.1" 200 512 0.1 "x"`],
  ['common', `${HEAD} "GET /a?b=c HTTP/1.1" 200 512\t0.1`],
  ['common', `${HEAD} "GET /a?b=c HTTP/1.1" 200 512x`],
  ['common', `${HEAD} "GET /a?b=c HTTP/1.1" 200 -5`],
  ['common', OK],
  ['vcommon', `www.example.com:80 ${HEAD} "GET / HTTP/1.0" 304 0`],
  ['vcommon', `www.example.com ${HEAD} "GET / HTTP/1.0" 304 0 `],
  ['vcommon', `www.example.com:80 ${HEAD} "GET / HTTP/1.0" 304`],
];

function landing(): FixtureTable {
  let offset = 0;
  const rows = LINES.map(([format, line], i) => {
    const data = typeof line === 'string' ? Buffer.from(line) : line;
    const attributes = {
      source: 'boundary.log',
      source_id: 'dev:1',
      line_number: String(i + 1),
      byte_offset: String(offset),
      format,
      ingest_host: 'h',
      idempotency_key: `dev:1:${offset}`,
    };
    offset += data.length + 1;
    return {
      subscription_name: 'projects/p/subscriptions/s',
      message_id: `m${i}`,
      publish_time: new Date(Date.UTC(2026, 10, 1, 0, 0, 0, i)),
      data,
      attributes,
      _PARTITIONTIME: new Date(Date.UTC(2026, 10, 1, 0)),
    };
  });
  return {
    name: `${LANDING_DATASET}.${LANDING_TABLE}`,
    columns: [...LANDING_COLUMNS.map((c) => ({ name: c.name, type: c.bigquery })), { name: LANDING_ARRIVAL, type: 'TIMESTAMP' }],
    rows,
  };
}

let zetasql: ZetaSQL;
let withFast: ModelComparison;
let withoutFast: ModelComparison;
beforeAll(async () => {
  zetasql = await startZetaSQL();
  const models = ['stg_landing__lines', 'int_lines_parsed'];
  [, withFast] = (await differential({ models, zetasql, tables: [landing()] })) as [ModelComparison, ModelComparison];
  [, withoutFast] = (await differential({ models, zetasql, tables: [landing()], vars: { parseFastPath: 'false' } })) as [
    ModelComparison,
    ModelComparison,
  ];
}, 240_000);
afterAll(async () => {
  await zetasql?.close();
});

describe('int_lines_parsed fast paths at their boundary', () => {
  it('agree across DuckDB and ZetaSQL, with and without the fast paths', () => {
    expect(withFast.differences).toEqual([]);
    expect(withoutFast.differences).toEqual([]);
    expect(withFast.duckdb).toHaveLength(LINES.length);
  });

  it.each(['duckdb', 'bigquery'] as const)('give the full regexes’ rows on %s, every column', (engine) => {
    expect(withFast.columns).toEqual(withoutFast.columns);
    expect(withFast[engine]).toEqual(withoutFast[engine]);
  });

  it('parse some boundary lines and quarantine others', () => {
    const column = withFast.columns.findIndex((c) => c.name === 'parse_error');
    const errors = withFast.duckdb.map((r) => (JSON.parse(r) as unknown[])[column]);
    expect(errors.filter((e) => e === null).length).toBeGreaterThan(20);
    expect(errors.filter((e) => e !== null).length).toBeGreaterThan(10);
  });
});
