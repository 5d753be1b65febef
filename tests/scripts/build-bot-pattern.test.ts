import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { faker } from '@faker-js/faker';
import { isbot, list } from 'isbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsPatternWithoutLookarounds, renderModule, withoutLookarounds } from '../../scripts/build-bot-pattern.ts';
import { loadInclude } from '../../warehouse/includes.ts';
import { PROJECT_DIR } from '../../warehouse/project.ts';

const bots = loadInclude<{ BOT_PATTERN: string; BOT_NAME_PATTERN: string; BOT_PRODUCT_PATTERN: string; ISBOT_VERSION: string }>('bots');
const SAMPLE = resolve(PROJECT_DIR, '../shared/data/elastic-apache-10k.log');

/** The user agents of a combined-format log (the last quoted field, closed or not). */
function sampleUserAgents(): string[] {
  if (!existsSync(SAMPLE)) return [];
  return readFileSync(SAMPLE, 'utf8')
    .split('\n')
    .map((line) => /" "([^"]*)"?\s*$/.exec(line)?.[1])
    .filter((ua): ua is string => ua !== undefined);
}

/** Seeded fuzz: faker user agents and isbot's own literal fragments, spliced, re-cased, with tricky characters. */
function fuzz(count: number, seeds: readonly string[]): string[] {
  faker.seed(20260601);
  const fragments = list.flatMap((entry) => entry.replace(/\\[bsdw]|[\\^$()?*+{}[\]|:<!=]/g, ' ').split(/ {2,}/)).filter(Boolean);
  const tricky = [
    '\u017f',
    '\u212a',
    '\u00a0',
    '\u000b',
    '\n',
    '\r',
    '\u2028',
    '\u0130',
    ';',
    '/',
    ' ',
    '_',
    '-',
    '.',
    '()',
    'sapphire',
    'channel/',
    'google/',
    'cu',
    'cam',
    'lib',
    ';java',
    'pixel',
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = faker.helpers.arrayElement([faker.internet.userAgent(), faker.helpers.arrayElement(seeds), '']);
    for (let k = faker.number.int({ min: 0, max: 4 }); k > 0; k--) {
      const at = faker.number.int({ min: 0, max: s.length });
      const piece = faker.helpers.arrayElement([
        faker.helpers.arrayElement(fragments),
        faker.helpers.arrayElement(tricky),
        faker.string.alphanumeric(3),
      ]);
      s = s.slice(0, at) + piece + s.slice(at + (faker.datatype.boolean() ? 0 : faker.number.int({ min: 0, max: 3 })));
    }
    if (faker.number.int(9) === 0) s = faker.datatype.boolean() ? s.toUpperCase() : s.toLowerCase();
    if (faker.number.int(19) === 0) s = s.slice(0, faker.number.int({ min: 0, max: 60 }));
    out.push(s);
  }
  return out;
}

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** regexp_matches(ua, BOT_PATTERN) in DuckDB (RE2) for each user agent, in order. */
async function duckdbIsBot(uas: readonly string[]): Promise<boolean[]> {
  await connection.run('create or replace temp table uas (i integer, ua varchar)');
  const appender = await connection.createAppender('uas');
  uas.forEach((ua, i) => {
    appender.appendInteger(i);
    appender.appendVarchar(ua);
    appender.endRow();
  });
  appender.closeSync();
  const reader = await connection.runAndReadAll('select coalesce(regexp_matches(ua, $1), false) as b from uas order by i', [
    bots.BOT_PATTERN,
  ]);
  return reader.getRowObjects().map((row) => row.b as boolean);
}

function disagreements(uas: readonly string[], got: readonly boolean[]): string[] {
  return uas.filter((ua, i) => isbot(ua) !== got[i]).slice(0, 10);
}

describe('BOT_PATTERN', () => {
  it('is what scripts/build-bot-pattern.ts generates from the installed isbot', () => {
    expect(readFileSync(resolve(PROJECT_DIR, 'includes/bots.js'), 'utf8')).toBe(renderModule());
  });

  it('uses only RE2 syntax: no lookarounds, backreferences, inline flags or quotes', () => {
    for (const pattern of [bots.BOT_PATTERN, bots.BOT_NAME_PATTERN, bots.BOT_PRODUCT_PATTERN]) {
      expect(pattern).not.toMatch(/\(\?<?[=!]|\\[1-9]|\(\?[a-z]|['\n]/);
    }
  });

  it.each(list.filter((entry) => /\(\?<?[=!]/.test(entry)))('rewrites the lookaround entry %s (JS check)', (entry) => {
    const rewritten = new RegExp(withoutLookarounds(entry), 'i');
    const original = new RegExp(entry, 'i');
    const probes = fuzz(3000, [entry.replace(/[()?<!:^$\\|]/g, '')]);
    expect(probes.filter((ua) => original.test(ua) !== rewritten.test(ua))).toEqual([]);
  });

  it('the lookaround-free JS pattern agrees with isbot() on 10,000 fuzzed strings', () => {
    const pattern = new RegExp(jsPatternWithoutLookarounds(), 'i');
    const uas = fuzz(10_000, ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)']);
    expect(uas.filter((ua) => (ua !== '' && pattern.test(ua)) !== isbot(ua))).toEqual([]);
  });

  it.each([
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', true],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', true],
    ['curl/8.5.0', true],
    ['python-requests/2.31.0', true],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36', false],
    ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) GoogleApp/15.1 Mobile Safari/537.36', false],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', false],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      false,
    ],
    ['', false],
  ])('DuckDB regexp_matches(%j) = %s, like isbot()', async (ua, expected) => {
    expect(isbot(ua)).toBe(expected);
    expect(await duckdbIsBot([ua])).toEqual([expected]);
  });

  it('agrees with isbot() in DuckDB (RE2) on every user agent of the real sample', async (context) => {
    const uas = [...new Set(sampleUserAgents())];
    if (uas.length === 0) {
      context.skip(`sample log ${SAMPLE} not found; skipping the real-sample comparison`);
      return;
    }
    const got = await duckdbIsBot(uas);
    expect(disagreements(uas, got)).toEqual([]);
    expect(got.filter(Boolean).length).toBeGreaterThan(10);
  });

  it('agrees with isbot() in DuckDB (RE2) on 20,000 fuzzed strings (Unicode case folding, spaces, newlines)', async () => {
    const uas = fuzz(20_000, [...new Set(sampleUserAgents())].slice(0, 2000).concat(['Mozilla/5.0 (compatible; Googlebot/2.1)']));
    const got = await duckdbIsBot(uas);
    expect(disagreements(uas, got)).toEqual([]);
    const positives = got.filter(Boolean).length;
    expect(positives).toBeGreaterThan(2000);
    expect(positives).toBeLessThan(18000);
  });
});

describe('BOT_NAME_PATTERN', () => {
  it.each([
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Googlebot'],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'bingbot'],
    ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', 'AhrefsBot'],
    ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'facebookexternalhit'],
    ['Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)', 'Slurp'],
    ['curl/8.5.0', null],
  ])('%s -> %s', async (ua, name) => {
    const reader = await connection.runAndReadAll(
      `select case when regexp_matches($1, $2) then regexp_extract($1, $2, 1) end as name, regexp_extract($1, $3, 1) as product`,
      [ua, bots.BOT_NAME_PATTERN, bots.BOT_PRODUCT_PATTERN],
    );
    const row = reader.getRowObjects()[0]!;
    expect(row.name).toBe(name);
    if (name === null) expect(row.product).toBe('curl');
  });
});
