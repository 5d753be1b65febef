import { describe, expect, it } from 'vitest';
import { bucketsOf, isHeader, parseAsnFields, parseCountryFields, splitCsvLine } from '../../geo/ranges.ts';

describe('splitCsvLine()', () => {
  it.each([
    ['1.0.0.0,1.0.0.255,AU', ['1.0.0.0', '1.0.0.255', 'AU']],
    ['1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."', ['1.0.0.0', '1.0.0.255', '13335', 'Cloudflare, Inc.']],
    ['a,"say ""hi""",c', ['a', 'say "hi"', 'c']],
    ['a,,', ['a', '', '']],
    ['a,"open', null],
    ['a,"x"y', null],
  ])('%j -> %j', (line, fields) => {
    expect(splitCsvLine(line)).toEqual(fields);
  });
});

describe('parseCountryFields()', () => {
  it.each([
    [['1.0.4.0', '1.0.7.255', 'AU'], { startKey: '01000400', endKey: '010007ff', countryCode: 'AU' }],
    [
      ['2001:200::', '2001:200:ffff:ffff:ffff:ffff:ffff:ffff', 'jp'],
      { startKey: '20010200000000000000000000000000', endKey: '20010200ffffffffffffffffffffffff', countryCode: 'JP' },
    ],
  ])('%j', (fields, range) => {
    expect(parseCountryFields(fields)).toEqual(range);
  });

  it.each([
    [['1.0.4.0', '1.0.7.255'], /expected 3 columns/],
    [['1.0.4', '1.0.7.255', 'AU'], /start '1.0.4' is not an IPv4\/IPv6 address/],
    [['1.0.8.0', '1.0.7.255', 'AU'], /is after end/],
    [['1.0.4.0', '::1', 'AU'], /different IP versions/],
    [['1.0.4.0', '1.0.7.255', 'Australia'], /not a two-letter ISO 3166 code/],
  ])('rejects %j', (fields, message) => {
    expect(() => parseCountryFields(fields)).toThrow(message);
  });
});

describe('parseAsnFields()', () => {
  it.each([
    [['8.8.8.0', '8.8.8.255', '15169', 'Google LLC'], { asn: 15169, org: 'Google LLC' }],
    [['8.8.8.0', '8.8.8.255', 'AS15169', ''], { asn: 15169, org: null }],
    [['8.8.8.0', '8.8.8.255', '15169'], { asn: 15169, org: null }],
  ])('%j', (fields, expected) => {
    expect(parseAsnFields(fields)).toMatchObject(expected);
  });

  it('rejects a non-numeric AS number', () => {
    expect(() => parseAsnFields(['8.8.8.0', '8.8.8.255', 'Google', 'x'])).toThrow(/not an AS number/);
  });
});

describe('isHeader()', () => {
  it.each([
    [['start', 'end', 'country_code'], true],
    [['ip_range_start', 'ip_range_end', 'asn', 'org'], true],
    [['1.0.0.0', '1.0.0.255', 'AU'], false],
    [['::', '::ff', 'AU'], false],
  ])('%j -> %s', (fields, header) => {
    expect(isHeader(fields)).toBe(header);
  });
});

describe('bucketsOf()', () => {
  it.each([
    ['a range inside one /24 is stored under its /24', '08080800', '080808ff', ['4080808']],
    ['a /23 is stored under its /16', '08080800', '080809ff', ['40808']],
    ['a /12 is stored under its /8', '0a000000', '0affffff', ['40a']],
    ['a range over three /8s is repeated under each', '08ff0000', '0a000000', ['408', '409', '40a']],
    ['an IPv6 /64 is stored under its /64', '20010db8000000010000000000000000', '20010db800000001ffffffffffffffff', ['620010db800000001']],
    ['an IPv6 /48 is stored under its /48', '20014860000000000000000000000000', '20014860000000ffffffffffffffffff', ['6200148600000']],
    ['an IPv6 /20 is stored under its /16', '2a000000000000000000000000000000', '2a000fffffffffffffffffffffffffff', ['62a00']],
    ['an IPv6 range over two /16s is repeated', '2a00ff00000000000000000000000000', '2a0100ffffffffffffffffffffffffff', ['62a00', '62a01']],
  ])('%s', (_label, start, end, buckets) => {
    expect(bucketsOf(start, end)).toEqual(buckets);
  });
});
