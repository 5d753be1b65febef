import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGeoTables } from '../../geo/load.ts';
import { generateLines } from '../../generator/index.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { landLines, queryRows, runModels, testWarehouse, type TestLine } from '../support/pipeline.ts';
import { comparableRows } from '../support/snapshot.ts';

// requests: derived fields, and incremental runs in batches equal to a full refresh.

const run = (wh: Warehouse, options: Parameters<typeof runModels>[1] = {}) =>
  runModels(wh, { tags: ['requests'], includeDeps: true, ...options });

async function freshWarehouse(): Promise<Warehouse> {
  const wh = await testWarehouse();
  await ensureGeoTables(wh.connection);
  return wh;
}

const HOUR = 3600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

/** Every table and view of the chain, with its key, compared row for row. */
const OUTPUTS = [
  ['stg_landing__lines', 'line_id'],
  ['int_lines_parsed', 'line_id'],
  ['requests', 'request_id'],
  ['parse_errors', 'line_id'],
  ['user_agents', 'user_agent_id'],
  ['ip_locations', 'client_ip'],
] as const;

async function snapshot(wh: Warehouse): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of OUTPUTS) out[table] = await queryRows(wh, comparableRows(`logflow.${table}`, key));
  return out;
}

describe('requests: incremental runs', () => {
  it('land in 3 batches with runs between (redeliveries, re-sends, late lines, malformed lines) and get what a full refresh gives', async () => {
    const generated = [...generateLines({ seed: 7, lines: 900, malformedShare: 0.02, start: new Date('2026-10-31T00:00:00Z') })];
    const message = (i: number) => `gen-${i}`;
    const item = (i: number, publishMs: number, messageId = message(i)): TestLine => ({
      data: generated[i]!,
      publishTime: new Date(T0 + publishMs),
      messageId,
      attributes: { line_number: String(i + 1), byte_offset: String(i * 1000), idempotency_key: `gen:${i}` },
    });
    const batches: TestLine[][] = [
      // Batch 1: lines 0-299, with a redelivery of line 5.
      [...generated.slice(0, 300).map((_, i) => item(i, i)), item(5, 5)],
      // Batch 2, two hours later: lines 300-599, a re-send of line 10 (new message id), and
      // line 299's twin published late but within the lookback of batch 1's last line.
      [...generated.slice(300, 600).map((_, j) => item(300 + j, 2 * HOUR + j)), item(10, 2 * HOUR + 400, 'resend-10')],
      // Batch 3: lines 600-899 and a redelivery of batch 2's line 450.
      [...generated.slice(600).map((_, j) => item(600 + j, 4 * HOUR + j)), item(450, 2 * HOUR + 150)],
    ];

    const incremental = await freshWarehouse();
    const full = await freshWarehouse();
    try {
      for (const batch of batches) {
        await landLines(incremental, batch);
        await run(incremental);
      }
      await landLines(full, batches.flat());
      await run(full);

      const a = await snapshot(incremental);
      const b = await snapshot(full);
      for (const [table] of OUTPUTS) expect(a[table], table).toEqual(b[table]);
      expect(a.requests!.length + a.parse_errors!.length).toBe(900);
      expect(a.parse_errors!.length).toBeGreaterThan(0);

      // And a full refresh of the incrementally built warehouse gives the same again.
      await run(incremental, { fullRefresh: true });
      expect(await snapshot(incremental)).toEqual(a);
    } finally {
      incremental.close();
      full.close();
    }
  });
});

describe('requests: derived fields', () => {
  let wh: Warehouse;
  const line = (
    request: string,
    status: number,
    referrer = '-',
    ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  ) => `198.51.100.7 - - [01/Nov/2026:10:00:00 +0000] "${request}" ${status} 10 "${referrer}" "${ua}"`;
  const CASES = [
    {
      name: 'page view',
      data: line('GET /blog/post HTTP/1.1', 200),
      expected: { is_page_view: true, is_static: false, status_class: '2xx', is_bot: false },
    },
    {
      name: 'static asset, upper-case extension',
      data: line('GET /img/Logo.PNG?v=2 HTTP/1.1', 200),
      expected: { is_page_view: false, is_static: true },
    },
    {
      name: 'webp image (beyond GoAccess 1.7 list)',
      data: line('GET /images/p-thumb.webp HTTP/1.1', 200),
      expected: { is_page_view: false, is_static: true },
    },
    { name: '304 page view', data: line('GET /about HTTP/1.1', 304), expected: { is_page_view: true, status_class: '3xx' } },
    { name: 'POST is not a page view', data: line('POST /cart HTTP/1.1', 302), expected: { is_page_view: false } },
    { name: '404 is not a page view', data: line('GET /missing HTTP/1.1', 404), expected: { is_page_view: false, status_class: '4xx' } },
    { name: 'robots.txt makes a bot', data: line('GET /robots.txt HTTP/1.1', 200), expected: { is_bot: true, is_static: true } },
    {
      name: 'internal referrer (site host)',
      data: line('GET /a HTTP/1.1', 200, 'https://www.Example.com/b?c=1'),
      expected: { referrer_host: 'www.example.com', is_internal_referrer: true },
    },
    {
      name: 'internal referrer (subdomain)',
      data: line('GET /a HTTP/1.1', 200, 'http://user@blog.example.com:8080/x'),
      expected: { referrer_host: 'blog.example.com', is_internal_referrer: true },
    },
    {
      name: 'external referrer',
      data: line('GET /a HTTP/1.1', 200, 'https://notexample.com/'),
      expected: { referrer_host: 'notexample.com', is_internal_referrer: false },
    },
    {
      name: 'relative referrer has no host',
      data: line('GET /a HTTP/1.1', 200, '/local'),
      expected: { referrer_host: null, is_internal_referrer: false },
    },
    { name: '5xx', data: line('GET /a HTTP/1.1', 503), expected: { status_class: '5xx' } },
  ];
  beforeAll(async () => {
    wh = await freshWarehouse();
    await landLines(
      wh,
      CASES.map((c) => c.data),
    );
    await run(wh, { vars: { siteHosts: 'example.com, shop.example.org' } });
  });
  afterAll(() => wh?.close());

  it.each(CASES.map((c, i) => ({ ...c, lineNumber: i + 1 })))('$name', async ({ lineNumber, expected }) => {
    const rows = await queryRows(wh, `select * from logflow.requests where line_number = ${lineNumber}`);
    expect(rows[0]).toMatchObject(expected);
  });
});
