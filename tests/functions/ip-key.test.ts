import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipKey } from '../../functions/ip-key.ts';

const oracle = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'zetasql-oracle.json'), 'utf8')) as {
  ipCases: Array<{ ip: string; key: string | null }>;
};

describe('ipKey()', () => {
  it.each([
    ['1.2.3.4', '01020304'],
    ['8.8.8.8', '08080808'],
    ['255.255.255.255', 'ffffffff'],
    ['0.0.0.0', '00000000'],
    ['01.2.3.4', null],
    ['1.2.3.00', null],
    ['256.1.1.1', null],
    ['1.2.3', null],
    ['1.2.3.4.', null],
    [' 1.2.3.4', null],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['::192.0.2.128', '000000000000000000000000c0000280'],
    ['::ffff:01.2.3.4', null],
    ['1.2.3.4::', null],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['1:2:3:4:5:6:7:1.2.3.4', null],
    ['2001:DB8::1', '20010db8000000000000000000000001'],
    ['2001:db8::1%eth0', null],
    ['fe80::1%1', null],
    ['[2001:db8::1]', null],
    ['2001:db8::1/64', null],
    ['2001::db8::1', null],
    ['12345::1', null],
    ['1:2:3:4:5:6:7:8::', null],
    ['', null],
    ['-', null],
    [null, null],
  ])('%j -> %j', (ip, key) => {
    expect(ipKey(ip)).toBe(key);
  });

  it(`agrees with BigQuery (ZetaSQL evaluator) on all ${oracle.ipCases.length} recorded strings`, () => {
    const disagreements = oracle.ipCases.filter((c) => ipKey(c.ip) !== c.key);
    expect(disagreements).toEqual([]);
    expect(oracle.ipCases.filter((c) => c.key !== null).length).toBeGreaterThan(100);
  });
});
