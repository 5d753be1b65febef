import { describe, expect, it } from 'vitest';
import { isBigQueryJson } from '../../functions/json-valid.ts';

describe('isBigQueryJson()', () => {
  it.each([
    ['{"a":1}', true],
    [' {"a":[1,2,{"b":null}]} ', true],
    ['{"a":0.30000000000000004441}', true],
    ['{"a":123456789012345678901234567890}', true],
    ['{"a":1.7976931348623157e308}', true],
    ['{"a":1e400}', false],
    ['{"a":-1e400}', false],
    ['{"a":1e400,"a":1}', false],
    ['{"s":"1e400"}', true],
    ['{"s":"x\\"1e400"}', true],
    ['{"a":1,}', false],
    ['\ufeff{"a":1}', false],
    ['{"a":NaN}', false],
    ['{nope', false],
    [null, null],
  ])('%j -> %j', (text, expected) => {
    expect(isBigQueryJson(text)).toBe(expected);
  });
});
