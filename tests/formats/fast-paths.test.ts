import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { clfTime, fuzzCount, fuzzSeed, seededFaker } from '../dialect/fuzz-values.ts';
import { loadInclude } from '../support/includes.ts';
import { FORMAT_CASES, REQUEST_LINE_CASES } from './cases.ts';

// includes/fast_paths.js reads well-formed lines by position instead of by the full regex. On
// lines at the boundary of each guard (well-formed lines mutated with spaces, tabs, quotes,
// backslashes, CR/LF, brackets, colons, U+FFFD, a missing protocol, trailing fields, huge and
// empty lines), every line the guard accepts must get from the positional SQL exactly the STRUCT
// the full regex gives, field for field, in DuckDB and in ZetaSQL's reference evaluator (BigQuery's
// spelling), and both engines must accept the same lines. LOGFLOW_FUZZ_CASES=N for more lines.

type Faker = ReturnType<typeof seededFaker>;
interface Compiled {
  kind: string;
  pattern: string;
  fields: string[];
}
interface Dialect {
  regexExtractFields(expr: string, pattern: string, names: string[]): string;
  regexContains(expr: string, pattern: string): string;
  parseTimestamp(format: string, expr: string): string;
  parseTimestampFast(format: string, expr: string): string;
}
interface FastPaths {
  APACHE_SHAPES: Record<string, unknown>;
  apacheNames(list: { name: string; compiled: Compiled }[]): string[];
  apacheGuard(shape: unknown): string;
  pieceGuard(d: Dialect, shape: unknown, line: string, pieces: string): string;
  piecesItem(d: Dialect, line: string, format: string, list: { name: string; compiled: Compiled }[], name: string): string;
  quotedItem(d: Dialect, line: string, format: string, list: { name: string; compiled: Compiled }[], name: string, pieces?: string): string;
  wordsItem(d: Dialect, quoted: string, name: string): string;
  apacheStruct(d: Dialect, name: string, compiled: Compiled, line: string, quoted: string, words: string): string;
  requestFastPath(): boolean;
  requestWords(d: Dialect, request: string): string;
  requestParts(d: Dialect, request: string, words: string): string;
}

const fast = loadInclude<FastPaths>('fast_paths');
const lf = loadInclude<{ predefinedFormat(n: string): Compiled; REQUEST_LINE_PATTERN: string; REQUEST_LINE_FIELDS: string[] }>(
  'log_formats',
);
const dialect = loadInclude<{ forWarehouse(w: string): Dialect }>('dialect');
const ENGINES = { duckdb: dialect.forWarehouse('duckdb'), bigquery: dialect.forWarehouse('bigquery') };
const APACHE = Object.keys(fast.APACHE_SHAPES);
const list = (name: string) => [{ name, compiled: lf.predefinedFormat(name) }];

const COUNT = fuzzCount(400);
const SEED = fuzzSeed(15);
const SPECIALS = [
  ' ',
  '  ',
  '"',
  '\\',
  '\\"',
  '\\\\',
  '\t',
  '\r',
  '\n',
  '[',
  ']',
  ':',
  '-',
  '?',
  'é',
  '\uFFFD',
  '\u00a0',
  '\v',
  '\f',
  '\x00',
];

const USER_AGENTS = [
  '-',
  'curl/8.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
];

/** A well-formed line of an Apache-family format. */
function wellFormed(f: Faker, format: string): string {
  const vhost = format.startsWith('v') ? `${f.internet.domainName()}${f.helpers.arrayElement(['', ':80', ':443', ':-'])} ` : '';
  const query = f.datatype.boolean(0.3) ? `?${f.word.noun()}=${f.word.noun()}` : '';
  const request = `${f.helpers.arrayElement(['GET', 'POST', 'HEAD'])} /${f.word.noun()}/${f.word.noun()}${query} HTTP/1.1`;
  const head = `${vhost}${f.internet.ip()} - ${f.helpers.arrayElement(['-', 'alice'])} [29/Nov/2026:10:${f.string.numeric(2)}:00 +0000] "${request}" ${f.helpers.arrayElement(['200', '404', '304'])} ${f.helpers.arrayElement(['-', '0', String(f.number.int(99999))])}`;
  const tail = f.helpers.arrayElement(['', '', ' 0.004', ' 0.004 "-"', '  x  ']);
  return format.endsWith('combined')
    ? `${head} "${f.helpers.arrayElement(['-', 'https://a.example/'])}" "${f.helpers.arrayElement(USER_AGENTS)}"${tail}`
    : `${head}${tail}`;
}

/** One to three random edits of a line. */
function mutated(f: Faker, line: string): string {
  let out = line;
  for (let n = f.number.int({ min: 1, max: 3 }); n > 0; n--) {
    const at = f.number.int({ min: 0, max: out.length });
    out = f.helpers.arrayElement([
      () => out.slice(0, at) + f.helpers.arrayElement(SPECIALS) + out.slice(at),
      () => out.slice(0, at) + out.slice(at + 1),
      () => out.replace(' ', f.helpers.arrayElement(['  ', '\t', '"', ''])),
      () => out.replace(/ HTTP\/1\.1/, ''),
      () => out.replace(/"$/, ''),
      () => out + f.helpers.arrayElement(['\r', ' \r', '\t0.1', ' x\ny', '"', ' \\"', '\\', ' "a b"', ' ']),
      () => out.replace(/"([^"]*)"$/, '"$1\\"x"'),
    ])();
  }
  return out;
}

function lines(format: string): string[] {
  const f = seededFaker(SEED + APACHE.indexOf(format));
  const out = FORMAT_CASES.filter((c) => c.format === format).map((c) => c.line);
  out.push('', ' ', `${wellFormed(f, format)}${'a'.repeat(70000)}`, wellFormed(f, format).replace('/', `/${'p'.repeat(70000)}`));
  for (let i = 0; i < COUNT; i++) out.push(f.datatype.boolean(0.25) ? wellFormed(f, format) : mutated(f, wellFormed(f, format)));
  return out;
}

function requests(): string[] {
  const f = seededFaker(SEED);
  const out = REQUEST_LINE_CASES.map((c) => c.request);
  for (let i = 0; i < COUNT; i++) {
    const base = `${f.helpers.arrayElement(['GET', 'POST', 'M-SEARCH'])} /${f.word.noun()}${f.datatype.boolean(0.4) ? `?a=${f.word.noun()}&b=?` : ''} ${f.helpers.arrayElement(['HTTP/1.1', 'HTTP/2.0', 'RTSP/1.0'])}`;
    out.push(f.datatype.boolean(0.25) ? base : mutated(f, base));
  }
  return out;
}

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let zetasql: ZetaSQL;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  zetasql = await startZetaSQL();
}, 30_000);
afterAll(async () => {
  connection?.closeSync();
  instance?.closeSync();
  await zetasql?.close();
});

interface Row {
  id: number;
  guarded: boolean;
  fast: string | null;
  full: string | null;
}

/** A STRUCT as JSON text with its keys in order, for comparing the two paths' values exactly (NULL stays null, '' stays ''). */
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
}

/** Runs `select` (reading table `t` of id, s) on both engines; rows by engine, sorted by id. */
async function onBoth(values: string[], select: (d: Dialect) => string): Promise<Record<'duckdb' | 'bigquery', Row[]>> {
  await connection.run('create or replace table t (id integer, s varchar)');
  const appender = await connection.createAppender('t');
  values.forEach((s, id) => {
    appender.appendInteger(id);
    appender.appendVarchar(s);
    appender.endRow();
  });
  appender.closeSync();
  const duck = (await connection.runAndReadAll(select(ENGINES.duckdb))).getRowObjectsJson() as unknown as Row[];
  const bq = await zetasql.evaluate(select(ENGINES.bigquery), [
    {
      name: 't',
      columns: [
        { name: 'id', type: 'INT64' },
        { name: 's', type: 'STRING' },
      ],
      rows: values.map((s, id) => ({ id: String(id), s })),
    },
  ]);
  const normal = (rows: Record<string, unknown>[]) =>
    rows
      .map((r) => ({ id: Number(r.id), guarded: r.guarded === true, fast: text(r.fast), full: text(r.whole) }))
      .sort((a, b) => a.id - b.id);
  return { duckdb: normal(duck as unknown as Record<string, unknown>[]), bigquery: normal(bq.rows as Record<string, unknown>[]) };
}

function expectSamePaths(rows: Record<'duckdb' | 'bigquery', Row[]>, values: string[]) {
  for (const engine of ['duckdb', 'bigquery'] as const) {
    const wrong = rows[engine]
      .filter((r) => r.guarded && r.fast !== r.full)
      .map((r) => ({ line: values[r.id], fast: r.fast, full: r.full }));
    expect(wrong, engine).toEqual([]);
  }
  // Both engines send the same lines down the fast path, and both paths are taken.
  expect(rows.bigquery.map((r) => r.guarded)).toEqual(rows.duckdb.map((r) => r.guarded));
  const guarded = rows.duckdb.filter((r) => r.guarded).length;
  expect(guarded).toBeGreaterThan(values.length / 5);
  expect(values.length - guarded).toBeGreaterThan(values.length / 5);
}

describe('pieceGuard()', () => {
  it.each(APACHE)(
    '%s: accepts exactly the lines the whole-line guard (apacheGuard) accepts, on both engines',
    async (format) => {
      const values = lines(format);
      const shape = fast.APACHE_SHAPES[format];
      const rows = await onBoth(values, (d) => {
        return `with a as (select id, s, ${fast.piecesItem(d, 's', `'${format}'`, list(format), 'p')} from t)
        select id, coalesce(${fast.pieceGuard(d, shape, 's', 'p')}, false) as guarded,
          coalesce(${d.regexContains('s', fast.apacheGuard(shape))}, false) as whole
        from a`;
      });
      for (const engine of ['duckdb', 'bigquery'] as const) {
        const wrong = rows[engine].filter((r) => String(r.guarded) !== r.full).map((r) => ({ line: values[r.id], pieces: r.guarded }));
        expect(wrong, engine).toEqual([]);
      }
      expect(rows.bigquery.map((r) => r.guarded)).toEqual(rows.duckdb.map((r) => r.guarded));
      const accepted = rows.duckdb.filter((r) => r.guarded).length;
      expect(accepted).toBeGreaterThan(values.length / 5);
      expect(values.length - accepted).toBeGreaterThan(values.length / 5);
    },
    120_000,
  );
});

describe('apacheStruct()', () => {
  it('applies to the four Apache-family predefined patterns, and to nothing else', () => {
    expect(APACHE.flatMap((n) => fast.apacheNames(list(n)))).toEqual(['combined', 'vcombined', 'common', 'vcommon']);
    expect(fast.apacheNames(list('w3c'))).toEqual([]);
    const changed = {
      ...lf.predefinedFormat('combined'),
      pattern: lf.predefinedFormat('combined').pattern.replace('(\\d{3})', '(\\d{3}|-)'),
    };
    expect(fast.apacheNames([{ name: 'combined', compiled: changed }])).toEqual([]);
  });

  it.each(APACHE)(
    '%s: every line its guard accepts gets the full regex values, on both engines',
    async (format) => {
      const values = lines(format);
      const compiled = lf.predefinedFormat(format);
      const rows = await onBoth(values, (d) => {
        const fmt = `'${format}'`;
        return `with ps as (select id, s, ${fast.piecesItem(d, 's', fmt, list(format), 'p')} from t),
        a as (select *, ${fast.quotedItem(d, 's', fmt, list(format), 'q', 'p')} from ps),
        b as (select *, ${fast.wordsItem(d, 'q', 'w')} from a)
        select id, q is not null as guarded,
          case when q is not null then ${fast.apacheStruct(d, format, compiled, 's', 'q', 'w')} end as fast,
          ${d.regexExtractFields('s', compiled.pattern, compiled.fields)} as whole
        from b`;
      });
      expectSamePaths(rows, values);
    },
    120_000,
  );
});

describe('requestParts()', () => {
  it('applies to the current request-line pattern', () => {
    expect(fast.requestFastPath()).toBe(true);
  });

  it('every request line its guard accepts gets the full regex values, on both engines', async () => {
    const values = requests();
    const rows = await onBoth(values, (d) => {
      return `with a as (select id, s, ${fast.requestWords(d, 's')} as w from t)
        select id, w is not null as guarded, case when w is not null then ${fast.requestParts(d, 's', 'w')} end as fast,
          ${d.regexExtractFields('s', lf.REQUEST_LINE_PATTERN, lf.REQUEST_LINE_FIELDS)} as whole
        from a`;
    });
    expectSamePaths(rows, values);
  }, 120_000);
});

describe('parseTimestampFast()', () => {
  it('gives parseTimestamp’s values in DuckDB (years 0001 and 9999 at every offset included)', async () => {
    const f = seededFaker(SEED);
    const texts = Array.from({ length: COUNT * 5 }, () => clfTime(f));
    for (const year of ['0001', '0002', '9998', '9999'])
      for (const offset of ['-1400', '-0001', '+0000', '+0001', '+1400'])
        texts.push(`01/Jan/${year}:00:00:00 ${offset}`, `31/Dec/${year}:23:59:59 ${offset}`);
    const format = '%d/%b/%Y:%H:%M:%S %z';
    const d = ENGINES.duckdb;
    await connection.run('create or replace table t (s varchar)');
    const appender = await connection.createAppender('t');
    for (const s of texts) {
      appender.appendVarchar(s);
      appender.endRow();
    }
    appender.closeSync();
    const reader = await connection.runAndReadAll(
      `select s, ${d.parseTimestamp(format, 's')} as slow, ${d.parseTimestampFast(format, 's')} as quick from t where ${d.parseTimestamp(format, 's')} is distinct from ${d.parseTimestampFast(format, 's')}`,
    );
    expect(reader.getRowObjectsJson()).toEqual([]);
    const parsed = await connection.runAndReadAll(`select count(${d.parseTimestampFast(format, 's')}), count(*) from t`);
    const [valid, all] = parsed.getRows()[0]!.map(Number);
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(all!);
  });
});
