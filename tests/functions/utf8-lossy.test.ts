import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8Lossy } from '../../functions/utf8-lossy.ts';

const oracle = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'zetasql-oracle.json'), 'utf8')) as {
  utf8Cases: Array<{ hex: string; text: string | null }>;
};
const R = '\uFFFD';

describe('utf8Lossy()', () => {
  it.each([
    ['', ''],
    ['616263', 'abc'],
    ['610062', 'a\u0000b'],
    ['c3a9', 'é'],
    ['f09f9880', '😀'],
    ['80', R],
    ['61e28262', `a${R}${R}b`], // truncated 3-byte sequence: one U+FFFD per byte
    ['c0af', `${R}${R}`], // overlong
    ['eda080', `${R}${R}${R}`], // surrogate
    ['f4908080', `${R}${R}${R}${R}`], // above U+10FFFF
    ['efbbbf61', '\uFEFFa'], // BOM kept
    ['ffc3a9', `${R}é`],
  ])('%s -> %j', (hex, text) => {
    expect(utf8Lossy(Buffer.from(hex, 'hex'))).toBe(text);
  });

  it('returns null for null', () => {
    expect(utf8Lossy(null)).toBeNull();
  });

  it(`agrees with BigQuery (ZetaSQL evaluator) on all ${oracle.utf8Cases.length} recorded byte strings`, () => {
    const disagreements = oracle.utf8Cases.filter((c) => utf8Lossy(Buffer.from(c.hex, 'hex')) !== c.text);
    expect(disagreements).toEqual([]);
  });
});
