import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Faker, base, en } from '@faker-js/faker';
import { differential, type FixtureTable, type ModelComparison } from '../support/differential.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';

// The request-field and latency panels (definitions/outputs/panels/request_panels.js) compiled for
// BigQuery and run in ZetaSQL's reference evaluator must give exactly what their DuckDB compilation
// gives in DuckDB, on a requests table with Contract 2's columns built here; and the percentiles must
// be the nearest-rank ones computed in JavaScript from the same times (ties, single requests,
// groups without times, NULL keys included).

const PANELS = [
  'latency_by_minute',
  'latency_by_path',
  'visitor_hosts',
  'virtual_hosts',
  'requested_hosts',
  'remote_users',
  'cache_statuses',
  'tls_settings',
  'mime_types',
];

interface Request {
  request_id: string;
  requested_at: Date;
  received_at: Date;
  staged_at: Date;
  path: string | null;
  client_ip: string;
  user_agent: string | null;
  country_code: string;
  response_bytes: number;
  request_time_us: number | null;
  vhost: string | null;
  host: string | null;
  auth_user: string | null;
  cache_status: string | null;
  tls_protocol: string | null;
  tls_cipher: string | null;
  mime_type: string | null;
}

function requestsOf(n: number): Request[] {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(1414);
  faker.setDefaultRefDate(new Date('2026-11-01T00:00:00Z'));
  const start = Date.UTC(2026, 9, 30, 23, 55);
  return Array.from({ length: n }, (_, i) => {
    // three busy minutes around midnight, plus single-request minutes
    const at = new Date(
      start + (i % 7 === 0 ? i * 61_000 : faker.number.int({ min: 0, max: 2 }) * 5 * 60_000 + faker.number.int({ min: 0, max: 59_999 })),
    );
    const timed = faker.number.float() < 0.8;
    return {
      request_id: `r${i}`,
      requested_at: at,
      received_at: new Date(at.getTime() + 1000),
      staged_at: new Date(at.getTime() + 2000),
      path: faker.helpers.arrayElement(['/', '/a', '/b', '/slow', null]),
      client_ip: faker.helpers.arrayElement(['192.0.2.1', '192.0.2.2', '2001:db8::1', 'proxy.example']),
      user_agent: faker.helpers.arrayElement(['curl/8', 'Mozilla/5.0', null]),
      country_code: faker.helpers.arrayElement(['GB', 'US', 'ZZ']),
      response_bytes: faker.number.int({ min: 0, max: 100_000 }),
      // ties on purpose (a small set of values), and a wide range
      request_time_us: timed
        ? faker.helpers.arrayElement([faker.number.int({ min: 0, max: 20 }) * 500, faker.number.int({ min: 1, max: 3_000_000_000 })])
        : null,
      vhost: faker.helpers.arrayElement(['www.example.com', 'api.example.com', null]),
      host: faker.helpers.arrayElement(['www.example.com', 'cdn.example.net', null]),
      auth_user: faker.helpers.arrayElement(['alice', 'bob', null, null]),
      cache_status: faker.helpers.arrayElement(['HIT', 'MISS', 'TCP_HIT', null]),
      tls_protocol: faker.helpers.arrayElement(['TLSv1.3', 'TLSv1.2', null]),
      tls_cipher: faker.helpers.arrayElement(['TLS_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', null]),
      mime_type: faker.helpers.arrayElement(['text/html; charset=utf-8', 'image/png', null]),
    };
  });
}

const COLUMNS: [keyof Request, string][] = [
  ['request_id', 'STRING'],
  ['requested_at', 'TIMESTAMP'],
  ['received_at', 'TIMESTAMP'],
  ['staged_at', 'TIMESTAMP'],
  ['path', 'STRING'],
  ['client_ip', 'STRING'],
  ['user_agent', 'STRING'],
  ['country_code', 'STRING'],
  ['response_bytes', 'INT64'],
  ['request_time_us', 'INT64'],
  ['vhost', 'STRING'],
  ['host', 'STRING'],
  ['auth_user', 'STRING'],
  ['cache_status', 'STRING'],
  ['tls_protocol', 'STRING'],
  ['tls_cipher', 'STRING'],
  ['mime_type', 'STRING'],
];

function tables(requests: Request[]): FixtureTable[] {
  return [
    { name: 'logflow.requests', columns: COLUMNS.map(([name, type]) => ({ name, type })), rows: requests.map((r) => ({ ...r })) },
    {
      name: 'logflow.int_lines_parsed',
      columns: [
        { name: 'requested_at', type: 'TIMESTAMP' },
        { name: 'received_at', type: 'TIMESTAMP' },
        { name: 'staged_at', type: 'TIMESTAMP' },
        { name: 'is_parsed', type: 'BOOL' },
      ],
      rows: requests.map((r) => ({ requested_at: r.requested_at, received_at: r.received_at, staged_at: r.staged_at, is_parsed: true })),
    },
  ];
}

/** Nearest rank: the time at rank ceil(p * n / 100) of the sorted times. */
function nearestRank(times: number[], p: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.ceil((p * sorted.length) / 100) - 1]!;
}

const utcDate = (d: Date) => d.toISOString().slice(0, 10);

function rowsOf(result: ModelComparison): Record<string, unknown>[] {
  const names = result.columns.map((c) => c.name);
  return result.bigquery.map((r) => Object.fromEntries((JSON.parse(r) as unknown[]).map((v, i) => [names[i], v])));
}

let zetasql: ZetaSQL;
beforeAll(async () => {
  zetasql = await startZetaSQL();
});
afterAll(async () => {
  await zetasql?.close();
});

describe('request panels on BigQuery (ZetaSQL) and DuckDB', () => {
  const requests = requestsOf(500);
  let results: ModelComparison[];
  beforeAll(async () => {
    results = await differential({ models: PANELS, zetasql, tables: tables(requests) });
  }, 120_000);

  it.each(PANELS)('%s: the same rows on both engines', (panel) => {
    const result = results.find((r) => r.model === `logflow.${panel}`)!;
    expect(result.differences).toEqual([]);
    expect(result.bigquery.length).toBeGreaterThan(1);
  });

  it.each([
    [
      'latency_by_path',
      (r: Request) => `${utcDate(r.requested_at)}|${r.path}`,
      (row: Record<string, unknown>) => `${row.request_date}|${row.path}`,
    ],
    [
      'latency_by_minute',
      (r: Request) => new Date(Math.floor(r.requested_at.getTime() / 60_000) * 60_000).toISOString(),
      (row: Record<string, unknown>) => new Date(String(row.minute_at)).toISOString(),
    ],
  ] as const)('%s: exact nearest-rank percentiles and time served, as computed in JavaScript', (panel, keyOfRequest, keyOfRow) => {
    const groups = new Map<string, number[]>();
    for (const r of requests) {
      if (r.request_time_us === null) continue;
      const key = keyOfRequest(r);
      groups.set(key, [...(groups.get(key) ?? []), r.request_time_us]);
    }
    const rows = rowsOf(results.find((r) => r.model === `logflow.${panel}`)!);
    expect(rows).toHaveLength(groups.size);
    for (const row of rows) {
      const times = groups.get(keyOfRow(row))!;
      expect(times, keyOfRow(row)).toBeDefined();
      const sum = times.reduce((a, b) => a + b, 0);
      expect({
        timed_hits: Number(row.timed_hits),
        p50_us: Number(row.p50_us),
        p95_us: Number(row.p95_us),
        p99_us: Number(row.p99_us),
        cum_time_served_us: Number(row.cum_time_served_us),
        max_time_served_us: Number(row.max_time_served_us),
        avg_time_served_us: Number(row.avg_time_served_us),
      }).toEqual({
        timed_hits: times.length,
        p50_us: nearestRank(times, 50),
        p95_us: nearestRank(times, 95),
        p99_us: nearestRank(times, 99),
        cum_time_served_us: sum,
        max_time_served_us: Math.max(...times),
        avg_time_served_us: sum / times.length,
      });
    }
  });

  it('field panels count every request with the field, and time served over the timed ones only', () => {
    const rows = rowsOf(results.find((r) => r.model === 'logflow.remote_users')!);
    for (const user of ['alice', 'bob']) {
      const mine = requests.filter((r) => r.auth_user === user);
      const timed = mine.filter((r) => r.request_time_us !== null).map((r) => r.request_time_us!);
      const got = rows.filter((r) => r.auth_user === user);
      expect(got.reduce((a, r) => a + Number(r.hits), 0)).toBe(mine.length);
      expect(got.reduce((a, r) => a + Number(r.timed_hits), 0)).toBe(timed.length);
      expect(got.reduce((a, r) => a + Number(r.cum_time_served_us), 0)).toBe(timed.reduce((a, b) => a + b, 0));
    }
    expect(rows.some((r) => r.auth_user === null)).toBe(false);
  });
});
