import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, safeJson } from '../../report/html.ts';
import { foldOther, OTHER, topKeys } from '../../report/data.ts';
import { lookerStudioUrl, LOOKER_STUDIO_TABLES } from '../../report/looker-studio.ts';
import { usedParams } from '../../report/sources.ts';
import { dateFlag } from '../../cli/commands/report.ts';
import { countryInfo } from '../../report/countries.ts';

describe('safeJson()', () => {
  it.each([
    ['</script><script>alert(1)</script>'],
    ['<!-- <script>'],
    ['a\u2028b\u2029c'],
    ['<img src=x onerror=alert(1)>'],
    ['&amp; "quoted" \\ back'],
  ])('keeps %j intact and free of <, >, &, U+2028/9', (text) => {
    const json = safeJson({ text });
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual({ text });
  });
});

describe('contentSecurityPolicy()', () => {
  it('allows nothing to load and only the hashed scripts to run', () => {
    const csp = contentSecurityPolicy(['a()', 'b()'], 'body{}', false);
    expect(csp).toMatch(
      /^default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+'; style-src 'sha256-[^']+'; img-src data:; connect-src 'none'/,
    );
    expect(csp).not.toMatch(/unsafe/);
  });
  it('lets the live page connect to its own server only', () => {
    expect(contentSecurityPolicy([], '', true)).toContain("connect-src 'self'");
  });
});

describe('topKeys()', () => {
  const rows = [
    { k: 'a', hits: 5 },
    { k: 'b', hits: 3 },
    { k: 'a', hits: 1 },
    { k: 'c', hits: 4 },
  ];
  const human = [{ k: 'd', hits: 9 }];
  it.each([
    [1, ['a', 'd']],
    [2, ['a', 'c', 'd']],
    [3, ['a', 'b', 'c', 'd']],
  ])('keeps the top %i of each set', (k, expected) => {
    expect([...topKeys([rows, human], (r) => String(r.k), k)].sort()).toEqual(expected);
  });
});

describe('foldOther()', () => {
  it('sums items beyond the kept ones into one (other) row per day, visitors unknown', () => {
    const rows = [
      { d: 0, k: 'a', h: 5, v: 2, b: 10 },
      { d: 0, k: 'b', h: 3, v: 1, b: 7 },
      { d: 0, k: 'c', h: 2, v: 1, b: 1 },
      { d: 1, k: 'c', h: 1, v: 1, b: 4 },
    ];
    const out = foldOther(
      rows,
      new Set(['a']),
      (r) => String(r.k),
      (r) => [r.d as number, r.k as string, r.h as number, r.v as number, r.b as number],
      1,
    );
    expect(out).toEqual([
      [0, 'a', 5, 2, 10],
      [0, OTHER, 5, null, 8],
      [1, OTHER, 1, null, 4],
    ]);
  });
});

describe('usedParams()', () => {
  it.each([
    ['select $from, $to', '$', { from: '1', to: '2' }],
    ['select @from', '@', { from: '1' }],
    ['select @fromage', '@', {}],
  ] as const)('%s binds only the named parameters', (sql, sigil, expected) => {
    expect(usedParams(sql, { from: '1', to: '2' }, sigil)).toEqual(expected);
  });
});

describe('dateFlag()', () => {
  it.each(['2026-11-01', '2024-02-29'])('accepts %s', (d) => expect(dateFlag('from', d)).toBe(d));
  it.each(['2026-13-01', '2025-02-29', '2026-1-1', 'yesterday', "2026-11-01' or 1=1"])('rejects %j with a usage error', (d) => {
    expect(() => dateFlag('from', d)).toThrow(/--from must be a date as YYYY-MM-DD/);
  });
});

describe('lookerStudioUrl()', () => {
  it('wires one BigQuery TABLE data source per output table', () => {
    const url = new URL(lookerStudioUrl({ project: 'my-proj', dataset: 'logflow' }));
    expect(url.origin + url.pathname).toBe('https://lookerstudio.google.com/reporting/create');
    expect(url.searchParams.get('c.mode')).toBe('edit');
    LOOKER_STUDIO_TABLES.forEach((table, i) => {
      expect(url.searchParams.get(`ds.ds${i}.connector`)).toBe('bigQuery');
      expect(url.searchParams.get(`ds.ds${i}.type`)).toBe('TABLE');
      expect(url.searchParams.get(`ds.ds${i}.projectId`)).toBe('my-proj');
      expect(url.searchParams.get(`ds.ds${i}.datasetId`)).toBe('logflow');
      expect(url.searchParams.get(`ds.ds${i}.tableId`)).toBe(table);
    });
    expect(url.searchParams.has('c.reportId')).toBe(false);
  });
  it('copies a template report when given one', () => {
    expect(new URL(lookerStudioUrl({ project: 'p', dataset: 'd', templateReportId: 'abc' })).searchParams.get('c.reportId')).toBe('abc');
  });
});

describe('countryInfo()', () => {
  it.each([
    ['US', 'United States of America', '840'],
    ['af', 'Afghanistan', '004'],
    ['ZZ', 'unknown', null],
    ['A1', 'A1', null],
  ])('%s -> %s (%s)', (code, name, numeric) => expect(countryInfo(code)).toEqual({ name, numeric }));
});
