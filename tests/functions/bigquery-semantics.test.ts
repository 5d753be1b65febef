import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { faker } from '@faker-js/faker';
import { isbot } from 'isbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../check/catalog.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { COLUMNS, loadIntoDuckDB } from '../../geo/load.ts';
import { bucketsOf, GEO, parseAsnFields, parseCountryFields, splitCsvLine } from '../../geo/ranges.ts';
import { ipKey } from '../../functions/ip-key.ts';
import { loadInclude } from '../../warehouse/includes.ts';
import { UA } from '../../functions/user-agent.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { PROJECT_DIR } from '../../warehouse/project.ts';

// The same SQL and patterns the models use, run by ZetaSQL's reference evaluator (BigQuery
// semantics) and compared with DuckDB / isbot.

const SAMPLE = resolve(PROJECT_DIR, '../shared/data/elastic-apache-10k.log');
const bots = loadInclude<{ BOT_PATTERN: string }>('bots');

let zetasql: ZetaSQL;
beforeAll(async () => {
  zetasql = await startZetaSQL();
}, 30_000);
afterAll(() => zetasql?.close());

const COUNTRY = [
  '8.6.113.0,8.10.5.255,US',
  '1.0.4.0,1.0.7.255,AU',
  '0.0.0.0,255.255.255.255,XX',
  '2001:4860:7:1736::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US',
  '2a00::,2a0f:ffff:ffff:ffff:ffff:ffff:ffff:ffff,EU',
];
const ASN = [
  '8.8.8.0,8.8.8.255,15169,Google LLC',
  '8.0.0.0,8.255.255.255,3356,"Level 3"',
  '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC',
];
const IPS = [
  '8.8.8.8',
  '8.1.2.3',
  '1.0.5.1',
  '10.0.0.1',
  '::ffff:8.8.8.8',
  '2001:4860:4860::8888',
  '2a03:2880::1',
  '2a10::1',
  '::1',
  'fe80::1',
  '203.0.113.1',
  '9.9.9.9',
];

describe('geo.ipLocationsSql() on BigQuery (ZetaSQL evaluator)', () => {
  it('gives the same rows as on DuckDB', async () => {
    const countryRows = COUNTRY.map((l) => parseCountryFields(splitCsvLine(l)!)).flatMap((r) =>
      bucketsOf(r.startKey, r.endKey).map((bucket) => ({ bucket, start_key: r.startKey, end_key: r.endKey, country_code: r.countryCode })),
    );
    const asnRows = ASN.map((l) => parseAsnFields(splitCsvLine(l)!)).flatMap((r) =>
      bucketsOf(r.startKey, r.endKey).map((bucket) => ({
        bucket,
        start_key: r.startKey,
        end_key: r.endKey,
        asn: BigInt(r.asn),
        as_org: r.org,
      })),
    );
    const keys = IPS.map((ip) => ({ ip_key: ipKey(ip) }));
    const sql = GEO.ipLocationsSql({
      ipKeys: '`p.logflow.ips`',
      countryRanges: '`p.logflow_ref.ip_country_ranges`',
      asnRanges: '`p.logflow_ref.ip_asn_ranges`',
    });
    const bigquery = await zetasql.evaluate(`select * from (${sql}) order by ip_key`, [
      { name: 'p.logflow.ips', columns: [{ name: 'ip_key', type: 'STRING' }], rows: keys },
      {
        name: 'p.logflow_ref.ip_country_ranges',
        columns: COLUMNS.country.map((c) => ({ name: c.name, type: c.bigquery })),
        rows: countryRows,
      },
      { name: 'p.logflow_ref.ip_asn_ranges', columns: COLUMNS.asn.map((c) => ({ name: c.name, type: c.bigquery })), rows: asnRows },
    ]);

    const db = await openWarehouse(':memory:');
    try {
      const dir = mkdtempSync(join(tmpdir(), 'logflow-geo-bq-'));
      writeFileSync(join(dir, 'c.csv'), COUNTRY.join('\n'));
      writeFileSync(join(dir, 'a.csv'), ASN.join('\n'));
      await loadIntoDuckDB(db.connection, 'country', [join(dir, 'c.csv')]);
      await loadIntoDuckDB(db.connection, 'asn', [join(dir, 'a.csv')]);
      rmSync(dir, { recursive: true });
      await db.connection.run('create temp table ips (ip_key varchar)');
      const appender = await db.connection.createAppender('ips', 'main', 'temp');
      for (const { ip_key } of keys) {
        appender.appendVarchar(ip_key!);
        appender.endRow();
      }
      appender.closeSync();
      const local = await db.connection.runAndReadAll(
        `select * from (${GEO.ipLocationsSql({ ipKeys: 'temp.main.ips', countryRanges: 'logflow_ref.ip_country_ranges', asnRanges: 'logflow_ref.ip_asn_ranges' })}) order by ip_key`,
      );
      const duckdbRows = local.getRowObjectsJson().map((r) => ({ ...r, asn: r.asn === null ? null : BigInt(r.asn as string) }));
      expect(bigquery.rows).toEqual(duckdbRows);
      expect(bigquery.rows.find((r) => r.ip_key === '08080808')).toEqual({
        ip_key: '08080808',
        country_code: 'US',
        asn: 15169n,
        as_org: 'Google LLC',
        region: null,
        city: null,
        ip_scope: 'public',
      });
      expect(bigquery.rows).toHaveLength(IPS.length);
    } finally {
      db.close();
    }
  }, 30_000);
});

describe('BOT_PATTERN on BigQuery (ZetaSQL evaluator, RE2)', () => {
  it('REGEXP_CONTAINS agrees with isbot() on real and fuzzed user agents', async () => {
    faker.seed(77);
    const real = existsSync(SAMPLE)
      ? [
          ...new Set(
            readFileSync(SAMPLE, 'utf8')
              .split('\n')
              .map((l) => /" "([^"]*)"?\s*$/.exec(l)?.[1])
              .filter((u): u is string => !!u),
          ),
        ].slice(0, 600)
      : [];
    const fuzzed = Array.from({ length: 600 }, () => {
      const ua = faker.internet.userAgent();
      const at = faker.number.int({ min: 0, max: ua.length });
      return (
        ua.slice(0, at) +
        faker.helpers.arrayElement([
          'bot',
          'Googlebot',
          'google/',
          ' channel/google',
          'java;',
          'Java',
          'libhttp',
          'camscan',
          '\u017fcan',
          'CUbot',
          'newsapphire',
          'news',
          '\u212a',
          '\n',
        ]) +
        ua.slice(at)
      );
    });
    const uas = [...real, ...fuzzed, 'curl/8.5.0', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'];
    expect(bots.BOT_PATTERN).not.toMatch(/'/);
    const result = await zetasql.evaluate(
      `select i, coalesce(regexp_contains(ua, r'${bots.BOT_PATTERN}'), false) as b from \`p.d.uas\` order by i`,
      [
        {
          name: 'p.d.uas',
          columns: [
            { name: 'i', type: 'INT64' },
            { name: 'ua', type: 'STRING' },
          ],
          rows: uas.map((ua, i) => ({ i: BigInt(i), ua })),
        },
      ],
    );
    const disagreements = uas.filter((ua, i) => result.rows[i]?.b !== isbot(ua));
    expect(disagreements).toEqual([]);
    expect(result.rows.filter((r) => r.b === true).length).toBeGreaterThan(100);
  }, 30_000);
});

describe('parse_user_agent UDF on BigQuery (ZetaSQL analyzer)', () => {
  it('is a valid CREATE FUNCTION returning the STRUCT', async () => {
    const sql = `create or replace function \`p.logflow.parse_user_agent\`(ua string)
returns ${UA.UA_STRUCT_BIGQUERY}
language js
options (library = ["gs://bucket/ua-parser.min.js"])
as r"""
${UA.UA_FUNCTION_BODY}
"""`;
    const result = await zetasql.analyze(sql, new Catalog('p'));
    expect(result.ok).toBe(true);
  }, 30_000);
});
