import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, type FixtureTable } from '../support/differential.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { LANDING_ARRIVAL, LANDING_COLUMNS, LANDING_DATASET, LANDING_TABLE } from '../../pipeline/landing.ts';
import {
  clfTime,
  escaped,
  fuzzCount,
  fuzzSeed,
  integer,
  ip,
  isoTime,
  requestLine,
  seededFaker,
  utf8Bytes,
} from '../dialect/fuzz-values.ts';

// Property test of the parse model: landed lines built from adversarial field values (numbers,
// timestamps, offsets, addresses, escapes, UTF-8), in the Apache and JSON formats, through the
// compiled BigQuery SQL of stg_landing__lines and int_lines_parsed in ZetaSQL's reference
// evaluator and the compiled DuckDB SQL in DuckDB: every line must come out the same (parsed
// with the same fields, or quarantined with the same reason). LOGFLOW_FUZZ_LINES=N for more.

const COUNT = fuzzCount(600, 'LOGFLOW_FUZZ_LINES');
const SEED = fuzzSeed(11);

type Faker = ReturnType<typeof seededFaker>;

/** Digits as the Apache regex accepts them (\d{3} status, \d+ bytes), big ones included. */
function apacheBytes(f: Faker): string {
  return f.helpers.arrayElement([
    '0',
    '-',
    '512',
    '1099511627776',
    '1099511627777',
    '9223372036854775807',
    '9223372036854775808',
    '99999999999999999999',
    f.string.numeric({ length: { min: 1, max: 20 } }),
  ]);
}

/** A JSON member value for a numeric field: a number when the text is a JSON number, else a string. */
function jsonNumberish(f: Faker): string {
  const text = integer(f);
  const isJsonNumber = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text);
  return isJsonNumber && f.datatype.boolean(0.6) ? text : JSON.stringify(text);
}

function line(f: Faker): { data: Buffer; format: string } {
  const kind = f.helpers.weightedArrayElement([
    { value: 'combined', weight: 5 },
    { value: 'json', weight: 4 },
    { value: 'bytes', weight: 1 },
  ]);
  if (kind === 'bytes')
    return {
      data: Buffer.concat([Buffer.from(`${ip(f)} - - [${clfTime(f)}] "GET /`), utf8Bytes(f), Buffer.from(`" 200 1 "-" "x"`)]),
      format: 'combined',
    };
  if (kind === 'combined') {
    const status = f.datatype.boolean(0.8) ? f.helpers.arrayElement(['200', '404', '099', '000', '999', '304']) : f.string.numeric(3);
    const ua = f.datatype.boolean(0.5) ? escaped(f).replace(/"/g, '\\"') : 'Mozilla/5.0';
    const head = `${ip(f) || '-'} - - [${clfTime(f)}] "${requestLine(f).replace(/(?<!\\)"/g, '\\"')}" ${status} ${apacheBytes(f)}`;
    return {
      data: Buffer.from(`${head} "${f.helpers.arrayElement(['-', 'https://a.example/', escaped(f).replace(/"/g, '\\"')])}" "${ua}"`),
      format: 'combined',
    };
  }
  const members = [
    `"remote_addr":${JSON.stringify(ip(f))}`,
    f.datatype.boolean(0.5) ? `"time_local":${JSON.stringify(clfTime(f))}` : `"time_iso8601":${JSON.stringify(isoTime(f))}`,
    `"request":${JSON.stringify(requestLine(f))}`,
    `"status":${jsonNumberish(f)}`,
    `"body_bytes_sent":${f.datatype.boolean(0.3) ? (apacheBytes(f) === '-' ? '"-"' : apacheBytes(f)) : jsonNumberish(f)}`,
    `"http_user_agent":${JSON.stringify(escaped(f))}`,
  ];
  if (f.datatype.boolean(0.1))
    members.push(`"request_time":${f.helpers.arrayElement(['1e400', '0.30000000000000004441', '123456789012345678901234567890', '0.5'])}`);
  return { data: Buffer.from(`{${f.helpers.shuffle(members).join(',')}}`), format: 'json' };
}

function landing(lines: { data: Buffer; format: string }[]): FixtureTable {
  let offset = 0;
  const rows = lines.map(({ data, format }, i) => {
    const attributes = {
      source: 'fuzz.log',
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
  // _PARTITIONTIME: BigQuery's ingestion-time pseudo-column (the hour a row landed), a column here.
  return {
    name: `${LANDING_DATASET}.${LANDING_TABLE}`,
    columns: [...LANDING_COLUMNS.map((c) => ({ name: c.name, type: c.bigquery })), { name: LANDING_ARRIVAL, type: 'TIMESTAMP' }],
    rows,
  };
}

let zetasql: ZetaSQL;
beforeAll(async () => {
  zetasql = await startZetaSQL();
}, 30_000);
afterAll(async () => {
  await zetasql?.close();
});

describe('int_lines_parsed on adversarial lines (ZetaSQL evaluator vs DuckDB)', () => {
  it(`parses or quarantines ${COUNT} generated lines identically (seed ${SEED})`, async () => {
    const f = seededFaker(SEED);
    const lines = Array.from({ length: COUNT }, () => line(f));
    const [, parsed] = await differential({ models: ['stg_landing__lines', 'int_lines_parsed'], zetasql, tables: [landing(lines)] });
    expect(parsed!.differences).toEqual([]);
    expect(parsed!.bigquery).toHaveLength(COUNT);
    // The generator reaches both outcomes and the reasons under test.
    const column = parsed!.columns.findIndex((c) => c.name === 'parse_error');
    const reasons = new Set(parsed!.bigquery.map((row) => (JSON.parse(row) as unknown[])[column]));
    for (const reason of [
      null,
      'invalid timestamp',
      'invalid status code',
      'invalid byte count',
      'byte count too large (over 1 TiB)',
      'not valid JSON',
    ]) {
      expect([...reasons], String(reason)).toContain(reason);
    }
  }, 300_000);
});
