import { faker } from '@faker-js/faker';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../support/pipeline.ts';
import { addHits, downstreamGraph, requestsWarehouse, runDownstream, type Hit } from '../support/sessions.ts';
import { comparableRows, RUN_STATE_TABLES } from '../support/snapshot.ts';

// Recent (the watermarks look back lateArrivalDays from today), on an hour boundary so runs are repeatable within the hour.
const REF = Math.floor(Date.now() / (60 * 60_000)) * 60 * 60_000 - 4 * 24 * 60 * 60_000;
const MIN = 60_000;

/** Three days of mixed traffic (statuses, static files, referrers, a scanner), in batches with late arrivals. */
function batches(seed: number): Hit[][] {
  faker.seed(seed);
  faker.setDefaultRefDate(new Date(REF));
  const clients = [
    { ip: '192.0.2.1', ua: 'Mozilla/5.0 Firefox/120.0' },
    { ip: '192.0.2.1', ua: 'Mozilla/5.0 Chrome/119.0' },
    { ip: '2001:db8::7', ua: null },
    { ip: '203.0.113.66', ua: 'zgrab/0.x' },
  ];
  const hits: Hit[] = Array.from({ length: 160 }, (_, i) => {
    const c = faker.helpers.arrayElement(clients);
    const scanner = c.ua === 'zgrab/0.x';
    return {
      id: `r${String(i).padStart(4, '0')}`,
      at: new Date(REF + faker.number.int({ min: 0, max: 3 * 24 * 60 }) * MIN + faker.number.int({ min: 0, max: 59_999 })),
      ip: c.ip,
      ua: c.ua,
      path: scanner
        ? `/probe-${faker.number.int({ min: 1, max: 15 })}.php`
        : faker.helpers.arrayElement(['/', '/a', '/b.css', '/c.png', '/search']),
      query: faker.helpers.maybe(() => faker.helpers.arrayElement(['q=1', 'q=1%27+or+1=1']), { probability: 0.2 }) ?? null,
      status: scanner ? 404 : faker.helpers.arrayElement([200, 200, 200, 304, 404, 500]),
      bytes: faker.number.int({ min: 0, max: 5000 }),
      referrer:
        faker.helpers.maybe(() => faker.helpers.arrayElement(['https://www.google.com/', 'https://news.example.net/x']), {
          probability: 0.3,
        }) ?? null,
    };
  });
  // Arrival follows request time (+ a few minutes), except for a share that arrives late,
  // then batches are cut by arrival time, 90 minutes apart: late rows are within the lookback
  // of their batch or re-read from the previous one.
  const arrived = hits.map((h) => {
    const at = (h.at as Date).getTime();
    const late = faker.number.float() < 0.15 ? faker.number.int({ min: 60, max: 24 * 60 }) * MIN : 0;
    return { ...h, receivedAt: new Date(at + faker.number.int({ min: 0, max: 5 }) * MIN + late) };
  });
  arrived.sort((a, b) => (a.receivedAt as Date).getTime() - (b.receivedAt as Date).getTime());
  const out: Hit[][] = [];
  let cut = REF;
  for (const h of arrived) {
    const t = (h.receivedAt as Date).getTime();
    if (out.length === 0 || t >= cut) {
      out.push([]);
      cut = t + faker.number.int({ min: 30, max: 12 * 60 }) * MIN;
    }
    out[out.length - 1]!.push(h);
  }
  return out;
}

async function snapshot(wh: Awaited<ReturnType<typeof requestsWarehouse>>, tables: string[]) {
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = await queryRows(wh, comparableRows(`"your-gcp-project"."logflow"."${t}"`));
  return out;
}

describe('output tables after incremental runs', () => {
  const tables = (downstreamGraph().tables ?? [])
    .filter((t) => t.type === 'incremental' && t.target.schema === 'logflow' && t.target.name !== 'requests')
    .map((t) => t.target.name!);
  const upstream = ['requests', 'stg_landing__lines', 'int_w3c_fields', 'int_lines_parsed', 'user_agents', 'ip_locations'];
  const ours = tables.filter((t) => !upstream.includes(t) && !RUN_STATE_TABLES.includes(t));

  it('cover every output model', () => {
    expect(ours).toEqual(
      expect.arrayContaining([
        'sessions',
        'daily_visitors',
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
        'suspicious_clients',
        'traffic_by_minute',
        'traffic_by_hour',
      ]),
    );
  });

  it.each([11, 12])(
    'equal a full refresh row for row (seed %i)',
    async (seed) => {
      const wh = await requestsWarehouse();
      try {
        const list = batches(seed);
        expect(list.length).toBeGreaterThan(3);
        for (const batch of list) {
          await addHits(wh, batch);
          await runDownstream(wh);
        }
        const incremental = await snapshot(wh, ours);
        await runDownstream(wh, { fullRefresh: true });
        const full = await snapshot(wh, ours);
        for (const t of ours) expect({ table: t, rows: incremental[t] }).toEqual({ table: t, rows: full[t] });
        expect(full.suspicious_clients!.length).toBeGreaterThan(0);
      } finally {
        wh.close();
      }
      // Five batches, each an incremental run of every downstream action, then a full refresh: 20-30 s
      // alone, over 60 s beside the rest of the suite on 2 cores.
    },
    180_000,
  );
});
