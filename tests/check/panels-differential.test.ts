import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, type FixtureTable } from '../support/differential.ts';
import type { TypedColumn } from '../../check/catalog.ts';
import { formatProblem, runCheck } from '../../check/run.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { seededFaker } from '../dialect/fuzz-values.ts';

// The 14 daily outputs (GoAccess panels, traffic by hour and minute, daily_visitors,
// suspicious_clients) give the same rows on BigQuery (ZetaSQL's evaluator) and DuckDB, on
// requests whose user agents are NULL, look like NULL ('\N', 'null', ''), hold the unit
// separator, quotes, backslashes and non-ASCII text, and whose paths and queries are odd
// (NULL path, '?' with an empty query, injection and probe targets).

const PANELS = [
  'visitor_days',
  'pages',
  'static_files',
  'not_found',
  'status_codes',
  'referrers',
  'browsers',
  'operating_systems',
  'devices',
  'countries',
  'asns',
  'daily_visitors',
  'suspicious_clients',
  'traffic_by_hour',
  'traffic_by_minute',
];

const US = '\u001f';
const USER_AGENTS = [null, '\\N', 'null', '', `a${US}b`, 'Mozilla/5.0 "quoted" \\ back', 'café 日本 😀', 'Googlebot/2.1', 'curl/8.0'];
const IPS = ['10.0.0.1', '10.0.0.2', `10.0.0.1${US}a`, '2001:db8::1', '2001:DB8::1', '203.0.113.9'];
const TARGETS: [path: string | null, query: string | null][] = [
  ['/', null],
  ['/', ''],
  ['/about', 'a=1'],
  ['/app.css', null],
  ['/logo.png', 'v=2'],
  ['/wp-login.php', null],
  ['/.env', null],
  ['/search', 'q=1%27%20or%201=1'],
  ['/search', 'q=<script>'],
  ['/files/../../etc/passwd', null],
  [null, null],
];
const STATUSES = [200, 200, 200, 304, 403, 404, 500];
const REFERRERS = [null, null, 'example.com', 'ext.example.org'];

interface Hit {
  ip: string;
  ua: string | null;
  at: string | null;
  path: string | null;
  query: string | null;
  status: number;
}

/** Seeded requests over two UTC days, plus a scanner (many 404 paths) and a burst (130 requests in one minute). */
function hits(): Hit[] {
  const f = seededFaker(20261130);
  const t0 = Date.parse('2026-11-01T22:00:00Z');
  const out: Hit[] = [];
  for (let i = 0; i < 160; i++) {
    const [path, query] = f.helpers.arrayElement(TARGETS);
    out.push({
      ip: f.helpers.arrayElement(IPS),
      ua: f.helpers.arrayElement(USER_AGENTS),
      at: new Date(t0 + f.number.int({ min: 0, max: 4 * 3600 }) * 1000).toISOString(),
      path,
      query,
      status: f.helpers.arrayElement(STATUSES),
    });
  }
  for (let i = 0; i < 12; i++)
    out.push({ ip: '198.51.100.7', ua: null, at: '2026-11-02T01:00:00Z', path: `/probe${i}.bak`, query: null, status: 404 });
  for (let i = 0; i < 130; i++)
    out.push({
      ip: '198.51.100.8',
      ua: 'curl/8.0',
      at: `2026-11-02T01:30:${String(i % 60).padStart(2, '0')}Z`,
      path: '/',
      query: i % 2 ? '' : null,
      status: 200,
    });
  out.push({ ip: '10.0.0.1', ua: null, at: null, path: '/', query: null, status: 200 });
  return out;
}

/** A fixture of `columns` (the model's analysed BigQuery columns): the given values, NULL for the rest. */
function fixture(name: string, columns: TypedColumn[], rows: Record<string, unknown>[]): FixtureTable {
  return { name, columns, rows: rows.map((values) => Object.fromEntries(columns.map((c) => [c.name, values[c.name] ?? null]))) };
}

let zetasql: ZetaSQL;
beforeAll(async () => {
  zetasql = await startZetaSQL();
});
afterAll(async () => {
  await zetasql?.close();
});

describe('differential() on the daily outputs', () => {
  it('gives identical rows on BigQuery and DuckDB for all 14 (and visitor_days, which six of them read), with NULL and odd user agents and paths', async () => {
    const check = await runCheck({ zetasql, actions: ['int_lines_parsed', 'requests', 'sessions'] });
    expect(check.problems.map(formatProblem)).toEqual([]);
    const columnsOf = (action: string) => check.outputs.find((o) => o.action === `logflow.${action}`)!.columns;
    const f = seededFaker(7);
    const requests = hits().map((h, i) => {
      const isStatic = /\.(css|png)$/.test(h.path ?? '');
      return {
        request_id: `r${String(i).padStart(4, '0')}`,
        line_id: `r${String(i).padStart(4, '0')}`,
        is_parsed: true,
        client_ip: h.ip,
        user_agent: h.ua,
        path: h.path,
        query: h.query,
        method: 'GET',
        status: h.status,
        status_class: `${String(h.status)[0]}xx`,
        response_bytes: 100 + i,
        referrer_host: f.helpers.arrayElement(REFERRERS),
        is_internal_referrer: false,
        is_bot: h.ua === 'Googlebot/2.1',
        is_static: isStatic,
        is_page_view: !isStatic && h.status < 400,
        browser_name: h.ua?.startsWith('Mozilla') ? 'Firefox' : null,
        browser_major: h.ua?.startsWith('Mozilla') ? '120' : null,
        os_name: h.ua === null ? null : 'Linux',
        device_type: 'desktop',
        country_code: h.ip.startsWith('10.') ? null : 'NL',
        asn: h.ip.startsWith('10.') ? null : 64500,
        as_org: h.ip.startsWith('10.') ? null : 'Example AS',
        requested_at: h.at,
        received_at: `2026-11-02T0${i % 5}:00:00Z`,
      };
    });
    const sessions = [
      { session_id: 's1', started_at: '2026-11-01T22:00:00Z', is_bot: false },
      { session_id: 's2', started_at: '2026-11-02T01:00:00Z', is_bot: true },
    ];
    const results = await differential({
      models: PANELS,
      zetasql,
      tables: [
        fixture('logflow.requests', columnsOf('requests'), requests),
        // The daily outputs find the new requests' dates in int_lines_parsed (by arrival): the same rows.
        fixture(
          'logflow.int_lines_parsed',
          columnsOf('int_lines_parsed'),
          requests.filter((r) => r.requested_at !== null),
        ),
        fixture('logflow.sessions', columnsOf('sessions'), sessions),
      ],
    });
    expect(results.map((r) => r.model)).toEqual(PANELS.map((p) => `logflow.${p}`));
    for (const r of results) expect(r.differences, r.model).toEqual([]);
    for (const r of results) expect(r.bigquery.length, r.model).toBeGreaterThan(0);

    // The visitors are the distinct (IP, user agent) pairs of the day, a NULL user agent being one
    // value of its own, unlike '\N' and '' (no hash of joined parts).
    const daily = results.find((r) => r.model === 'logflow.daily_visitors')!;
    const col = (name: string) => daily.columns.findIndex((c) => c.name === name);
    const want = new Map<string, Set<string>>();
    for (const h of hits()) {
      if (h.at === null) continue;
      const day = h.at.slice(0, 10);
      if (!want.has(day)) want.set(day, new Set());
      want.get(day)!.add(JSON.stringify([h.ip, h.ua]));
    }
    const got = new Map(
      daily.bigquery
        .map((row) => JSON.parse(row) as unknown[])
        .map((r) => [String(r[col('request_date')]), Number(r[col('unique_visitors_with_4xx')])]),
    );
    expect(got).toEqual(new Map([...want].map(([day, pairs]) => [day, pairs.size])));

    // The scanner, the burst and the injections are flagged, with every request of theirs counted once.
    const suspicious = results.find((r) => r.model === 'logflow.suspicious_clients')!;
    for (const reason of ['scanning', 'burst', 'injection']) expect(suspicious.bigquery.join('\n')).toContain(reason);
    const s = (name: string) => suspicious.columns.findIndex((c) => c.name === name);
    for (const row of suspicious.bigquery.map((r) => JSON.parse(r) as unknown[])) {
      const sameClient = hits().filter((h) => h.at?.slice(0, 10) === String(row[s('request_date')]) && h.ip === row[s('client_ip')]);
      expect(Number(row[s('hits')]), String(row[s('client_ip')])).toBe(sameClient.length);
    }
  }, 240_000);
});
