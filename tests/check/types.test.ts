import { describe, expect, it } from 'vitest';
import { formatType, parseType } from '../../check/types.ts';
import { decodeValue, encodeValue, formatTimestamp, timestampMicros } from '../../check/values.ts';

describe('parseType()', () => {
  it.each([
    ['STRING', 'STRING'],
    ['int64', 'INT64'],
    ['INTEGER', 'INT64'],
    ['boolean', 'BOOL'],
    ['STRING(10)', 'STRING'],
    ['NUMERIC(10, 2)', 'NUMERIC'],
    ['ARRAY<STRING>', 'ARRAY<STRING>'],
    ['struct<a string, b array<struct<c date>>>', 'STRUCT<a STRING, b ARRAY<STRUCT<c DATE>>>'],
  ])('reads %s as %s', (text, formatted) => {
    expect(formatType(parseType(text))).toBe(formatted);
  });

  it.each(['VARCHAR', 'ARRAY<STRING', 'STRING STRING'])('rejects %s with the reason', (text) => {
    expect(() => parseType(text)).toThrow(/cannot parse BigQuery type/);
  });
});

describe('timestampMicros()', () => {
  it.each([
    ['2015-05-17T10:05:03Z', '2015-05-17T10:05:03.000000Z'],
    ['2015-05-17 10:05:03.000001', '2015-05-17T10:05:03.000001Z'],
    ['2015-05-17T10:05:03.5+0200', '2015-05-17T08:05:03.500000Z'],
    ['1969-12-31T23:59:59.999999Z', '1969-12-31T23:59:59.999999Z'],
  ])('reads %s', (text, iso) => {
    expect(formatTimestamp(timestampMicros(text))).toBe(iso);
  });
});

describe('encodeValue()/decodeValue()', () => {
  it.each([
    ['NUMERIC', '-1234.000000001'],
    ['NUMERIC', '0.5'],
    ['NUMERIC', '128'],
    ['BIGNUMERIC', '-0.00000000000000000000000000000000000001'],
    ['DATE', '1970-01-01'],
    ['DATETIME', '2015-05-17T10:05:03.123456'],
    ['TIME', '00:00:00.000001'],
  ])('round-trips %s %s', (type, value) => {
    const t = parseType(type);
    expect(decodeValue(encodeValue(value, t), t)).toBe(value);
  });

  it('rejects a value the type cannot hold with the reason', () => {
    expect(() => encodeValue('17/May/2015', parseType('TIMESTAMP'))).toThrow(/cannot read timestamp '17\/May\/2015'/);
  });
});
