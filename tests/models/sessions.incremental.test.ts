import { faker } from '@faker-js/faker';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../support/pipeline.ts';
import { addHits, requestsWarehouse, runDownstream, type Hit } from '../support/sessions.ts';
import { comparableRows } from '../support/snapshot.ts';

const ONLY = ['int_requests_sessionized', 'sessions'];
const MIN = 60_000;
/**
 * Three days ago, on the hour: the watermarks look for their newest row in the last lateArrivalDays
 * of event time only, and a table with nothing that recent re-reads all history (which would
 * compare a full refresh with itself instead of the incremental path).
 */
const REF = Math.floor(Date.now() / (60 * MIN)) * 60 * MIN - 3 * 24 * 60 * MIN;

/**
 * Hits of a few visitors (two share an IP, two share a user agent) with gaps chosen around the
 * timeout (just under, exactly, just over), equal timestamps, long pauses and runs long enough
 * to be cut; then split into batches whose arrival times interleave within the lookback.
 */
function scenario(seed: number, lookbackMinutes: number): Hit[][] {
  faker.seed(seed);
  faker.setDefaultRefDate(new Date(REF));
  const visitors = [
    { ip: '192.0.2.1', ua: 'Mozilla/5.0 Firefox/120.0' },
    { ip: '192.0.2.1', ua: 'Mozilla/5.0 Chrome/119.0' },
    { ip: '198.51.100.2', ua: 'Mozilla/5.0 Chrome/119.0' },
    { ip: '2001:db8::1', ua: null },
    { ip: '203.0.113.3', ua: 'Googlebot/2.1' },
  ];
  const gaps = [0, 5_000, 60_000, 10 * MIN, 30 * MIN - 1000, 30 * MIN, 30 * MIN + 1000, 45 * MIN, 4 * 60 * MIN];
  const hits: Hit[] = [];
  let n = 0;
  for (const v of visitors) {
    let t = REF + faker.number.int({ min: 0, max: 120 }) * MIN;
    const count = faker.number.int({ min: 5, max: 40 });
    for (let i = 0; i < count; i++) {
      t += faker.helpers.arrayElement(gaps);
      hits.push({
        id: `r${String(n++).padStart(4, '0')}`,
        at: new Date(t),
        ip: v.ip,
        ua: v.ua,
        path: faker.helpers.arrayElement(['/', '/a', '/b.css', '/c']),
        status: faker.helpers.arrayElement([200, 200, 304, 404, 500]),
      });
    }
  }
  const shuffled = faker.helpers.shuffle(hits);
  const batchCount = faker.number.int({ min: 2, max: 6 });
  const batches: Hit[][] = Array.from({ length: batchCount }, () => []);
  for (const h of shuffled) batches[faker.number.int({ min: 0, max: batchCount - 1 })]!.push(h);
  // Batches arrive lookback + 30 minutes apart; a third of each batch's rows arrive late, up to
  // just inside the lookback before the previous batch's newest row.
  const step = (lookbackMinutes + 30) * MIN;
  let previousMax = REF + 24 * 60 * MIN;
  return batches.map((batch, k) => {
    const out = batch.map((h) => {
      const late = k > 0 && faker.number.float() < 0.3;
      const received = late
        ? previousMax - faker.number.int({ min: 1, max: lookbackMinutes - 1 }) * MIN
        : REF + 24 * 60 * MIN + (k + 1) * step - faker.number.int({ min: 0, max: 10 }) * MIN;
      return { ...h, receivedAt: new Date(received) };
    });
    previousMax = Math.max(previousMax, ...out.map((h) => (h.receivedAt as Date).getTime()));
    return out;
  });
}

async function snapshot(wh: Awaited<ReturnType<typeof requestsWarehouse>>) {
  const hits = await queryRows(wh, comparableRows('"your-gcp-project"."logflow"."int_requests_sessionized"', 'request_id'));
  const sessions = await queryRows(wh, comparableRows('"your-gcp-project"."logflow"."sessions"', 'session_id'));
  return { hits, sessions };
}

describe('sessions incremental runs', () => {
  it.each<{ seed: number; vars: Record<string, string> }>([
    { seed: 1, vars: {} },
    { seed: 2, vars: {} },
    { seed: 3, vars: { sessionMaxMinutes: '60' } },
    { seed: 4, vars: { sessionMaxMinutes: '45' } },
    { seed: 5, vars: { lookbackMinutes: '30' } },
    { seed: 6, vars: { visitorKey: 'ip' } },
    { seed: 7, vars: {} },
    { seed: 8, vars: { sessionTimeoutMinutes: '10', sessionMaxMinutes: '30' } },
  ])('equal a full refresh row for row (seed $seed, vars $vars)', async ({ seed, vars }) => {
    const lookback = Number(vars.lookbackMinutes ?? 60);
    const batches = scenario(seed, lookback);
    const wh = await requestsWarehouse();
    try {
      for (const batch of batches) {
        await addHits(wh, batch);
        await runDownstream(wh, { only: ONLY, vars });
      }
      const incremental = await snapshot(wh);
      await runDownstream(wh, { only: ONLY, vars, fullRefresh: true });
      const full = await snapshot(wh);
      expect(incremental.hits.length).toBe(batches.flat().length);
      expect(incremental.sessions).toEqual(full.sessions);
      expect(incremental.hits).toEqual(full.hits);
      expect(full.sessions.length).toBeGreaterThan(5);
    } finally {
      wh.close();
    }
  });
});
