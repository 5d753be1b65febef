import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { registerFunctions } from '../../pipeline/functions.ts';
import { loadInclude } from '../support/includes.ts';
import type { Helpers } from './cases.ts';
import { compareExpression, type ExpressionCase } from './fuzz-runner.ts';
import {
  clfTime,
  escaped,
  fuzzCount,
  fuzzSeed,
  integer,
  ip,
  isoTime,
  jsonText,
  many,
  offset,
  requestLine,
  seededFaker,
  utf8Bytes,
  type Gen,
} from './fuzz-values.ts';

// Property test: generated adversarial field values through every dialect helper the parse
// model relies on, and through the formats.js rules built on them, must give the same answer
// in ZetaSQL's reference evaluator (BigQuery semantics) as in DuckDB. Seeded and reproducible:
// LOGFLOW_FUZZ_CASES=20000 (cases per helper) and LOGFLOW_FUZZ_SEED=N explore further.

const COUNT = fuzzCount(400);
const SEED = fuzzSeed(20261129);

type Formats = Record<string, (d: Helpers, ...args: string[]) => string> & { CLF_TIME_FORMAT: string };
const dialect = loadInclude<{ forWarehouse(w: string): Helpers }>('dialect');
const formats = loadInclude<Formats>('formats');
const helpers = { bigquery: dialect.forWarehouse('bigquery'), duckdb: dialect.forWarehouse('duckdb') };

let zetasql: ZetaSQL;
let wh: Warehouse;
beforeAll(async () => {
  zetasql = await startZetaSQL();
  wh = await openWarehouse(':memory:', { catalog: 'test-project' });
  await registerFunctions(wh.connection);
}, 30_000);
afterAll(async () => {
  wh?.close();
  await zetasql?.close();
});

const CASES: (ExpressionCase & { gen: Gen | ((f: ReturnType<typeof seededFaker>) => Buffer) })[] = [
  { name: 'safeCast to int64', input: 'string', gen: integer, sql: (d, x) => d.safeCast(x, 'int64') },
  { name: 'parseTimestamp (Apache %t)', input: 'string', gen: clfTime, sql: (d, x) => d.parseTimestamp(formats.CLF_TIME_FORMAT, x) },
  {
    name: 'parseTimestamp with bent offsets',
    input: 'string',
    gen: (f) => `10/Oct/2026:13:55:36 ${offset(f)}`,
    sql: (d, x) => d.parseTimestamp(formats.CLF_TIME_FORMAT, x),
  },
  { name: 'formats.clfTimestamp', input: 'string', gen: clfTime, sql: (d, x) => formats.clfTimestamp!(d, x) },
  { name: 'formats.isoTimestamp', input: 'string', gen: isoTime, sql: (d, x) => formats.isoTimestamp!(d, x) },
  {
    name: 'timestamp arithmetic on parsed timestamps',
    input: 'string',
    gen: isoTime,
    sql: (d, x) => {
      const t = formats.isoTimestamp!(d, x);
      const epoch = d.timestampLiteral('1970-01-01 00:00:00+00');
      return `[${d.cast(d.timestampDiff(t, epoch, 'second'), 'string')}, ${d.cast(d.timestampDiff(epoch, t, 'day'), 'string')}, ${d.cast(d.unixMicros(t), 'string')}, ${d.cast(d.dateOf(t), 'string')}, ${d.formatTimestamp('%Y-%m-%d %H:%M:%S', d.timestampTrunc(t, 'hour'))}]`;
    },
  },
  {
    name: 'hashId / md5Hex / stringToBytes of strings',
    input: 'string',
    gen: escaped,
    sql: (d, x) => `[${d.hashId(x, 'null', x)}, ${d.md5Hex(x)}, ${d.toHex(d.stringToBytes(x))}, coalesce(${d.nullIfEmpty(x)}, '<null>')]`,
  },
  { name: 'ipKey', input: 'string', gen: ip, sql: (d, x) => d.ipKey(x) },
  { name: 'formats.unescapeApache', input: 'string', gen: escaped, sql: (d, x) => formats.unescapeApache!(d, x) },
  {
    name: 'formats.requestParts',
    input: 'string',
    gen: requestLine,
    sql: (d, x) =>
      `[${['method', 'path', 'query', 'protocol'].map((k) => `coalesce(${d.nullIfEmpty(`${formats.requestParts!(d, x)}.${k}`)}, '<null>')`).join(', ')}]`,
  },
  {
    name: 'regexContains / regexExtract',
    input: 'string',
    gen: escaped,
    sql: (d, x) => `${d.regexContains(x, '\\\\"')} and ${d.regexExtract(x, '([^\\\\]+)$')} is not null`,
  },
  { name: 'bytesToString', input: 'bytes', gen: utf8Bytes, sql: (d, x) => d.bytesToString(x) },
  { name: 'isValidUtf8', input: 'bytes', gen: utf8Bytes, sql: (d, x) => d.isValidUtf8(x) },
  { name: 'toHex / md5Hex', input: 'bytes', gen: utf8Bytes, sql: (d, x) => `${d.toHex(x)} || ${d.md5Hex(x)}` },
  { name: 'parseJson is NULL exactly when invalid', input: 'string', gen: jsonText, sql: (d, x) => `${d.parseJson(x)} is null` },
  { name: 'jsonValue of status', input: 'string', gen: jsonText, sql: (d, x) => d.jsonValue(d.parseJson(x), 'status') },
  {
    name: 'jsonValue of status through safeCast',
    input: 'string',
    gen: jsonText,
    sql: (d, x) => d.safeCast(d.jsonValue(d.parseJson(x), 'status'), 'int64'),
  },
];

describe('dialect helpers on adversarial values (ZetaSQL evaluator vs DuckDB)', () => {
  it.each(CASES.map((c, index) => ({ ...c, index })))(
    `$name agree on ${COUNT} generated values`,
    async (c) => {
      const f = seededFaker(SEED + c.index);
      const inputs = Array.from({ length: COUNT }, () => c.gen(f));
      const disagreements = await compareExpression(zetasql, wh, helpers, c, inputs);
      expect(disagreements.slice(0, 8), `${disagreements.length} of ${COUNT} inputs disagree (seed ${SEED + c.index})`).toEqual([]);
    },
    120_000,
  );
});
