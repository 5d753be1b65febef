import { describe, expect, it } from 'vitest';
import { clusterProblems, partitionProblems } from '../../check/ddl-rules.ts';
import { parseType } from '../../check/types.ts';

const columns = [
  ['ts', 'TIMESTAMP'],
  ['dt', 'DATETIME'],
  ['d', 'DATE'],
  ['n', 'INT64'],
  ['s', 'STRING'],
  ['f', 'FLOAT64'],
  ['b', 'BYTES'],
  ['a', 'ARRAY<STRING>'],
  ['j', 'JSON'],
].map(([name, type]) => ({ name: name!, type: parseType(type!) }));

describe('partitionProblems()', () => {
  it.each([
    'DATE(ts)',
    'date( dt )',
    'd',
    '`d`',
    'TIMESTAMP_TRUNC(ts, HOUR)',
    'datetime_trunc(dt, month)',
    'DATE_TRUNC(d, YEAR)',
    'RANGE_BUCKET(n, GENERATE_ARRAY(0, 100, 10))',
    '_PARTITIONDATE',
    'DATE(_PARTITIONTIME)',
    'timestamp_trunc(_PARTITIONTIME, hour)',
  ])('accepts %s', (expression) => {
    expect(partitionProblems(expression, columns)).toEqual([]);
  });

  it.each([
    ['ts', 'ts is TIMESTAMP, a column partitions the table only when it is a DATE (use DATE(column) for a TIMESTAMP)'],
    ['DATE(d)', 'd is DATE, DATE() takes a TIMESTAMP or DATETIME column'],
    ['TIMESTAMP_TRUNC(ts, MINUTE)', 'TIMESTAMP_TRUNC partitions by DAY, HOUR, MONTH, YEAR only'],
    ['DATE_TRUNC(d, DAY)', 'DATE_TRUNC partitions by MONTH, YEAR only'],
    ['RANGE_BUCKET(s, GENERATE_ARRAY(0, 10))', 's is STRING, RANGE_BUCKET needs an INT64 column'],
    [
      'DATE(ts) + 1',
      'use a DATE column, DATE(ts), TIMESTAMP_TRUNC/DATETIME_TRUNC(col, DAY|HOUR|MONTH|YEAR), DATE_TRUNC(date, MONTH|YEAR) or RANGE_BUCKET(int64, GENERATE_ARRAY(...))',
    ],
  ])('rejects %s: %s', (expression, why) => {
    expect(partitionProblems(expression, columns)).toEqual([`partitionBy "${expression}" is not a partitioning BigQuery accepts: ${why}`]);
  });
});

describe('clusterProblems()', () => {
  it.each([[['s', 'n', 'd', 'ts']], [['`s`']], [[]]])('accepts %j', (list) => {
    expect(clusterProblems(list, columns)).toEqual([]);
  });

  it.each([
    [['s', 'n', 'd', 'ts', 'dt'], ['clusterBy has 5 columns; BigQuery clusters by at most 4']],
    [
      ['f'],
      [
        'clusterBy column f is FLOAT64; BigQuery clusters only by top-level STRING, INT64, NUMERIC, BIGNUMERIC, DATE, DATETIME, TIMESTAMP, BOOL or GEOGRAPHY columns',
      ],
    ],
    [
      ['a', 'j'],
      [
        'clusterBy column a is ARRAY; BigQuery clusters only by top-level STRING, INT64, NUMERIC, BIGNUMERIC, DATE, DATETIME, TIMESTAMP, BOOL or GEOGRAPHY columns',
        'clusterBy column j is JSON; BigQuery clusters only by top-level STRING, INT64, NUMERIC, BIGNUMERIC, DATE, DATETIME, TIMESTAMP, BOOL or GEOGRAPHY columns',
      ],
    ],
    [['nope'], ['clusterBy column nope is not a column of the table']],
  ])('rejects %j', (list, problems) => {
    expect(clusterProblems(list, columns)).toEqual(problems);
  });
});
