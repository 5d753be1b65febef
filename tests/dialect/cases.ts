/** Dialect helper cases with the value both warehouses must return (shared by the DuckDB and ZetaSQL runs). */
export type Helpers = Record<string, (...args: never[]) => string> & {
  str(v: string): string;
  safeCast(e: string, t: string): string;
  regexContains(e: string, p: string): string;
  regexExtract(e: string, p: string): string;
  regexExtractFields(e: string, p: string, n: string[]): string;
  regexReplace(e: string, p: string, r: string): string;
  nullIfEmpty(e: string): string;
  parseTimestamp(f: string, e: string): string;
  formatTimestamp(f: string, e: string): string;
  timestampLiteral(t: string): string;
  timestampDiff(a: string, b: string, u: string): string;
  timestampAdd(t: string, n: string | number, u: string): string;
  timestampSub(t: string, n: string | number, u: string): string;
  timestampTrunc(t: string, u: string): string;
  dateOf(t: string): string;
  unixMicros(t: string): string;
  cast(e: string, t: string): string;
  type(t: string): string;
  safeDivide(a: string, b: string): string;
  intDiv(a: string, b: string): string;
  md5Hex(e: string): string;
  hashId(...p: string[]): string;
  jsonValue(e: string, k: string): string;
  jsonValueAt(e: string, p: string): string;
  jsonNumberAt(e: string, p: string): string;
  timestampFromMicros(e: string): string;
  inList(e: string, v: string[]): string;
  parseJson(e: string): string;
  bytesToString(e: string): string;
  isValidUtf8(e: string): string;
  toHex(e: string): string;
  stringToBytes(e: string): string;
  ipKey(e: string): string;
  arrayAt(a: string, i: number): string;
  countIf(c: string): string;
  logicalOr(c: string): string;
  onOrAfterDate(t: string, date: string): string;
  hashIdPart(p: string): string;
};

export interface DialectCase {
  name: string;
  sql: (d: Helpers) => string;
  /** The value as DuckDB's JSON row conversion gives it (BIGINT as text, timestamps as text). */
  expected: unknown;
}

const ts = (d: Helpers, text: string) => d.timestampLiteral(text);

export const DIALECT_CASES: DialectCase[] = [
  { name: 'str escapes quotes', sql: (d) => d.str("it's"), expected: "it's" },
  { name: 'safeCast gives NULL on bad input', sql: (d) => d.safeCast(d.str('12x'), 'int64'), expected: null },
  { name: 'safeCast casts good input', sql: (d) => d.cast(d.safeCast(d.str('12'), 'int64'), 'string'), expected: '12' },
  { name: 'regexContains is a partial match', sql: (d) => d.regexContains(d.str('GET /a HTTP/1.1'), '/a '), expected: true },
  { name: 'regexExtract gives NULL without a match', sql: (d) => d.regexExtract(d.str('abc'), 'x(y)'), expected: null },
  { name: 'regexExtract gives the group', sql: (d) => d.regexExtract(d.str('user=bob;'), 'user=([a-z]+)'), expected: 'bob' },
  {
    name: 'regexExtractFields extracts all groups',
    sql: (d) => `${d.regexExtractFields(d.str('GET /x?q=1 HTTP/1.1'), '^(\\S+) ([^ ?]*)(?:\\?(\\S*))? (\\S+)$', ['m', 'p', 'q', 'v'])}.q`,
    expected: 'q=1',
  },
  { name: 'regexReplace replaces every match', sql: (d) => d.regexReplace(d.str('a-b-c'), '-', '+'), expected: 'a+b+c' },
  { name: 'nullIfEmpty', sql: (d) => d.nullIfEmpty(d.str('')), expected: null },
  {
    name: 'parseTimestamp converts an offset to UTC',
    sql: (d) => d.formatTimestamp('%Y-%m-%d %H:%M:%S', d.parseTimestamp('%d/%b/%Y:%H:%M:%S %z', d.str('10/Oct/2026:13:55:36 -0700'))),
    expected: '2026-10-10 20:55:36',
  },
  {
    name: 'parseTimestamp handles +0530',
    sql: (d) => d.formatTimestamp('%Y-%m-%d %H:%M:%S', d.parseTimestamp('%d/%b/%Y:%H:%M:%S %z', d.str('01/Jan/2026:00:10:00 +0530'))),
    expected: '2025-12-31 18:40:00',
  },
  {
    name: 'parseTimestamp gives NULL on garbage',
    sql: (d) => d.parseTimestamp('%d/%b/%Y:%H:%M:%S %z', d.str('32/Foo/2026:99:00:00 +0000')),
    expected: null,
  },
  // Issue 11: values BigQuery refuses that DuckDB alone accepted.
  { name: 'safeCast to int64 refuses a fraction (200.5)', sql: (d) => d.safeCast(d.str('200.5'), 'int64'), expected: null },
  { name: 'safeCast to int64 refuses an exponent (1e3)', sql: (d) => d.safeCast(d.str('1e3'), 'int64'), expected: null },
  { name: 'safeCast to int64 refuses underscores and spaces', sql: (d) => d.safeCast(d.str(' 1_000'), 'int64'), expected: null },
  { name: 'safeCast to int64 takes a minus sign', sql: (d) => d.cast(d.safeCast(d.str('-12'), 'int64'), 'string'), expected: '-12' },
  { name: 'safeCast to int64 is NULL beyond int64', sql: (d) => d.safeCast(d.str('9223372036854775808'), 'int64'), expected: null },
  {
    name: 'parseTimestamp is NULL past 9999-12-31 UTC',
    sql: (d) => d.parseTimestamp('%d/%b/%Y:%H:%M:%S %z', d.str('31/Dec/9999:23:59:59 -1200')),
    expected: null,
  },
  {
    name: 'parseTimestamp is NULL before 0001-01-01 UTC',
    sql: (d) => d.parseTimestamp('%d/%b/%Y:%H:%M:%S %z', d.str('01/Jan/0001:00:00:00 +0100')),
    expected: null,
  },
  {
    name: 'parseTimestamp reaches 9999-12-31 23:59:59 UTC',
    sql: (d) => d.formatTimestamp('%Y-%m-%d %H:%M:%S', d.parseTimestamp('%d/%b/%Y:%H:%M:%S %z', d.str('31/Dec/9999:23:59:59 +0000'))),
    expected: '9999-12-31 23:59:59',
  },
  {
    name: 'formatTimestamp writes four-digit years',
    sql: (d) => d.formatTimestamp('%Y-%m-%d', ts(d, '0001-01-01 00:00:00+00')),
    expected: '0001-01-01',
  },
  {
    name: 'parseTimestamp refuses offset +9999',
    sql: (d) => d.parseTimestamp('%d/%b/%Y:%H:%M:%S %z', d.str('10/Oct/2026:13:55:36 +9999')),
    expected: null,
  },
  {
    name: 'parseTimestamp refuses offset +1500',
    sql: (d) => d.parseTimestamp('%d/%b/%Y:%H:%M:%S %z', d.str('10/Oct/2026:13:55:36 +1500')),
    expected: null,
  },
  {
    name: 'parseJson rounds a wide number (wide_number_mode round)',
    sql: (d) => d.jsonValue(d.parseJson(d.str('{"n":0.30000000000000004441,"status":"200"}')), 'status'),
    expected: '200',
  },
  { name: 'parseJson refuses a number beyond FLOAT64', sql: (d) => d.parseJson(d.str('{"n":1e400}')), expected: null },
  { name: 'parseJson refuses a trailing comma', sql: (d) => d.parseJson(d.str('{"n":1,}')), expected: null },
  { name: 'jsonValue reads an integer number', sql: (d) => d.jsonValue(d.parseJson(d.str('{"status":404}')), 'status'), expected: '404' },
  {
    name: 'jsonValue of a fractional number is NULL',
    sql: (d) => d.jsonValue(d.parseJson(d.str('{"status":200.5}')), 'status'),
    expected: null,
  },
  {
    name: 'timestampDiff truncates toward zero',
    sql: (d) => d.cast(d.timestampDiff(ts(d, '2026-01-01 00:00:01.9+00'), ts(d, '2026-01-01 00:00:00+00'), 'second'), 'string'),
    expected: '1',
  },
  {
    name: 'timestampDiff negative truncates toward zero',
    sql: (d) => d.cast(d.timestampDiff(ts(d, '2026-01-01 00:00:00+00'), ts(d, '2026-01-01 00:00:01.9+00'), 'second'), 'string'),
    expected: '-1',
  },
  {
    name: 'timestampDiff in minutes',
    sql: (d) => d.cast(d.timestampDiff(ts(d, '2026-01-01 01:00:00+00'), ts(d, '2026-01-01 00:00:30+00'), 'minute'), 'string'),
    expected: '59',
  },
  {
    name: 'timestampSub',
    sql: (d) => d.formatTimestamp('%Y-%m-%d %H:%M:%S', d.timestampSub(ts(d, '2026-01-01 00:10:00+00'), 30, 'minute')),
    expected: '2025-12-31 23:40:00',
  },
  {
    name: 'timestampAdd',
    sql: (d) => d.formatTimestamp('%Y-%m-%d %H:%M:%S', d.timestampAdd(ts(d, '2026-01-01 00:10:00+00'), '2 * 3', 'second')),
    expected: '2026-01-01 00:10:06',
  },
  {
    name: 'timestampTrunc to the minute',
    sql: (d) => d.formatTimestamp('%Y-%m-%d %H:%M:%S', d.timestampTrunc(ts(d, '2026-01-01 10:11:12+00'), 'minute')),
    expected: '2026-01-01 10:11:00',
  },
  {
    name: 'timestampTrunc to the hour and day from an offset, and before 1970',
    sql: (d) =>
      `concat(${['2026-03-29 01:30:00.5+02', '1969-12-31 23:59:59.999999+00', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00']
        .flatMap((t) => ['hour', 'day'].map((u) => d.formatTimestamp('%Y-%m-%d %H:%M:%S ', d.timestampTrunc(ts(d, t), u))))
        .join(', ')})`,
    expected:
      '2026-03-28 23:00:00 2026-03-28 00:00:00 1969-12-31 23:00:00 1969-12-31 00:00:00 0001-01-01 00:00:00 0001-01-01 00:00:00 9999-12-31 23:00:00 9999-12-31 00:00:00 ',
  },
  { name: 'dateOf is the UTC date', sql: (d) => d.cast(d.dateOf(ts(d, '2026-01-01 23:30:00-05')), 'string'), expected: '2026-01-02' },
  {
    name: 'dateOf before 1970 and at the ends of the range',
    sql: (d) =>
      `concat(${['1969-12-31 23:59:59.999999+00', '1970-01-01 00:30:00+01', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00']
        .map((t) => `${d.cast(d.dateOf(ts(d, t)), 'string')}, ' '`)
        .join(', ')})`,
    expected: '1969-12-31 1969-12-31 0001-01-01 9999-12-31 ',
  },
  { name: 'dateOf of NULL is NULL', sql: (d) => d.dateOf(`cast(null as ${d.type('timestamp')})`), expected: null },
  {
    name: 'onOrAfterDate compares with the start of the UTC date (offsets, the last microsecond before, before 1970)',
    sql: (d) =>
      `concat(${[
        ['2026-01-01 23:59:59.999999+00', '2026-01-02'],
        ['2026-01-02 00:00:00+00', '2026-01-02'],
        ['2026-01-01 23:30:00-05', '2026-01-02'],
        ['2026-01-02 00:30:00+01', '2026-01-02'],
        ['1969-12-31 23:59:59.999999+00', '1970-01-01'],
        ['1969-12-31 00:00:00+00', '1969-12-31'],
      ]
        .map(([t, date]) => `${d.cast(d.onOrAfterDate(ts(d, t!), d.cast(d.str(date!), 'date')), 'string')}, ' '`)
        .join(', ')})`,
    expected: 'false true true false false true ',
  },
  {
    name: 'onOrAfterDate of a NULL date is NULL',
    sql: (d) => d.onOrAfterDate(ts(d, '2026-01-02 00:00:00+00'), `cast(null as ${d.type('date')})`),
    expected: null,
  },
  { name: 'unixMicros', sql: (d) => d.cast(d.unixMicros(ts(d, '1970-01-01 00:00:01.5+00')), 'string'), expected: '1500000' },
  { name: 'safeDivide by zero is NULL', sql: (d) => d.safeDivide('1', '0'), expected: null },
  { name: 'safeDivide', sql: (d) => d.safeDivide('1', '4'), expected: 0.25 },
  { name: 'intDiv truncates toward zero', sql: (d) => d.cast(d.intDiv('-7', '2'), 'string'), expected: '-3' },
  { name: 'md5Hex of a string', sql: (d) => d.md5Hex(d.str('abc')), expected: '900150983cd24fb0d6963f7d28e17f72' },
  {
    name: 'hashId joins parts and NULLs the same way',
    sql: (d) => d.hashId(d.str('a'), 'null', d.str('b')),
    expected: md5('a\x1f\\N\x1fb'),
  },
  {
    name: 'hashIdPart is the text hashId hashes (NULL as \\N), so hashId of the parts is hashId of the values',
    sql: (d) =>
      `concat(${d.hashIdPart('null')}, '|', ${d.hashIdPart('42')}, '|', ${d.hashId(d.hashIdPart(d.str('a')), d.hashIdPart('null'), d.hashIdPart('7'))})`,
    expected: `\\N|42|${md5('a\x1f\\N\x1f7')}`,
  },
  {
    name: 'jsonValueAt reads a nested, quoted and indexed path',
    sql: (d) =>
      d.jsonValueAt(d.parseJson(d.str('{"request":{"headers":{"User-Agent":["curl/8","x"]}}}')), '$.request.headers."User-Agent"[0]'),
    expected: 'curl/8',
  },
  {
    name: 'jsonValueAt of a boolean',
    sql: (d) => d.jsonValueAt(d.parseJson(d.str('{"h":{"cacheHit":true}}')), '$.h.cacheHit'),
    expected: 'true',
  },
  { name: 'jsonValueAt of a fraction is NULL', sql: (d) => d.jsonValueAt(d.parseJson(d.str('{"ts":1.5}')), '$.ts'), expected: null },
  {
    name: 'jsonNumberAt reads a fraction as the same double',
    sql: (d) => d.cast(d.cast(`round(${d.jsonNumberAt(d.parseJson(d.str('{"d":0.000929675}')), '$.d')} * 1000000000)`, 'int64'), 'string'),
    expected: '929675',
  },
  { name: 'jsonNumberAt of a string is NULL', sql: (d) => d.jsonNumberAt(d.parseJson(d.str('{"d":"0.5"}')), '$.d'), expected: null },
  {
    name: 'timestampFromMicros',
    sql: (d) => d.formatTimestamp('%Y-%m-%d %H:%M:%S', d.timestampFromMicros('1646861401524102')),
    expected: '2022-03-09 21:30:01',
  },
  { name: 'timestampFromMicros out of range is NULL', sql: (d) => d.timestampFromMicros('253402300800000000'), expected: null },
  {
    name: 'inList',
    sql: (d) => d.inList(d.str('w3c'), ['combined', 'common', 'vcombined', 'vcommon', 'w3c', 'squid', 'json']),
    expected: true,
  },
  {
    name: 'inList without the value',
    sql: (d) => d.inList(d.str('x'), ['combined', 'common', 'vcombined', 'vcommon', 'w3c', 'squid']),
    expected: false,
  },
  { name: 'jsonValue reads a key', sql: (d) => d.jsonValue(d.parseJson(d.str('{"source":"a.log","n":"3"}')), 'source'), expected: 'a.log' },
  { name: 'jsonValue of a missing key is NULL', sql: (d) => d.jsonValue(d.parseJson(d.str('{"a":"1"}')), 'b'), expected: null },
  { name: 'parseJson of bad text is NULL', sql: (d) => d.parseJson(d.str('{nope')), expected: null },
  { name: 'bytesToString keeps valid UTF-8', sql: (d) => d.bytesToString(d.stringToBytes(d.str('café'))), expected: 'café' },
  { name: 'isValidUtf8 on valid text', sql: (d) => d.isValidUtf8(d.stringToBytes(d.str('ok'))), expected: true },
  { name: 'toHex', sql: (d) => d.toHex(d.stringToBytes(d.str('AB'))), expected: '4142' },
  { name: 'ipKey of IPv4', sql: (d) => d.ipKey(d.str('192.168.0.1')), expected: 'c0a80001' },
  { name: 'ipKey of IPv6', sql: (d) => d.ipKey(d.str('2001:db8::1')), expected: '20010db8000000000000000000000001' },
  { name: 'ipKey of garbage is NULL', sql: (d) => d.ipKey(d.str('300.1.1.1')), expected: null },
  { name: 'arrayAt out of range is NULL', sql: (d) => d.arrayAt('[1, 2]', 5), expected: null },
  { name: 'arrayAt is 0-based', sql: (d) => d.arrayAt('[10, 20]', 1), expected: 20 },
  {
    name: 'countIf',
    sql: (d) =>
      `(select ${d.cast(d.countIf('x > 1'), 'string')} from (select 1 as x union all select 2 as x union all select 3 as x) as t)`,
    expected: '2',
  },
  { name: 'logicalOr', sql: (d) => `(select ${d.logicalOr('x > 2')} from (select 1 as x union all select 3 as x) as t)`, expected: true },
];

import { createHash } from 'node:crypto';
function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
