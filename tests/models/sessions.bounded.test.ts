import { describe, expect, it } from 'vitest';
import { queryRows } from '../support/pipeline.ts';
import { addHits, requestsWarehouse, runDownstream, type Hit } from '../support/sessions.ts';
import { comparableRows } from '../support/snapshot.ts';

const ONLY = ['int_requests_sessionized', 'sessions'];
const MIN = 60_000;
/**
 * Two days ago, on the hour: the watermarks look for their newest row in the last lateArrivalDays
 * of event time only (a table with nothing that recent re-reads all history, which would hide the
 * incremental path these cases test).
 */
const REF = Math.floor(Date.now() / (60 * MIN)) * 60 * MIN - 2 * 24 * 60 * MIN;
/** Batches arrive far more than the lookback apart, so a run sees only its own batch as new. */
const ARRIVAL_STEP = 6 * 60 * MIN;

/** One hit of another visitor, far from the tested ones. */
function filler(k: number): Hit {
  return { id: `f${k}`, at: new Date(REF + (1000 + k) * MIN), ip: '198.51.100.7', ua: 'Mozilla/5.0 Firefox/120.0' };
}

/** A visitor hitting every `everyMinutes` from `fromMinute` to `toMinute` (after REF), in one batch. */
function run(prefix: string, fromMinute: number, toMinute: number, everyMinutes: number): Hit[] {
  const hits: Hit[] = [];
  for (let m = fromMinute; m <= toMinute; m += everyMinutes) {
    hits.push({ id: `${prefix}${String(m).padStart(5, '0')}`, at: new Date(REF + m * MIN), ip: '192.0.2.9', ua: 'uptime-monitor/1.0' });
  }
  return hits;
}

async function snapshot(wh: Awaited<ReturnType<typeof requestsWarehouse>>) {
  const hits = await queryRows(wh, comparableRows('"your-gcp-project"."logflow"."int_requests_sessionized"', 'request_id'));
  const sessions = await queryRows(wh, comparableRows('"your-gcp-project"."logflow"."sessions"', 'session_id'));
  return { hits, sessions };
}

describe('sessions incremental runs (rebuild from the cut holding the first new hit)', () => {
  it.each<{ name: string; batches: Hit[][]; vars: Record<string, string> }>([
    // New hits in the middle of a session: the session is rebuilt whole, from its start.
    { name: 'new hits inside an open session', batches: [run('a', 0, 20, 1), run('b', 25, 40, 5)], vars: {} },
    // A visitor that never pauses: cuts of sessionMaxMinutes; new hits extend the last cut and open more.
    {
      name: 'a never-pausing visitor across cuts',
      batches: [run('a', 0, 170, 5), run('b', 175, 300, 5)],
      vars: { sessionMaxMinutes: '60' },
    },
    // A late hit filling a gap merges two blocks: the later block's sessions get new ids and cuts.
    {
      name: 'a late hit merging two blocks',
      batches: [[...run('a', 0, 50, 10), ...run('c', 75, 200, 10)], run('b', 60, 60, 1)],
      vars: { sessionMaxMinutes: '90' },
    },
  ])('equal a full refresh row for row: $name', async ({ batches, vars }) => {
    const wh = await requestsWarehouse();
    try {
      for (const [k, batch] of batches.entries()) {
        await addHits(
          wh,
          batch.map((h) => ({ ...h, receivedAt: new Date(REF + (2 * k + 1) * ARRIVAL_STEP) })),
        );
        await runDownstream(wh, { only: ONLY, vars });
        // Another visitor's hit lands in between, so the next run's lookback no longer re-reads this batch.
        await addHits(wh, [{ ...filler(k), receivedAt: new Date(REF + (2 * k + 2) * ARRIVAL_STEP) }]);
        await runDownstream(wh, { only: ONLY, vars });
      }
      const incremental = await snapshot(wh);
      await runDownstream(wh, { only: ONLY, vars, fullRefresh: true });
      const full = await snapshot(wh);
      expect(incremental.hits.length).toBe(batches.flat().length + batches.length);
      expect(incremental.sessions).toEqual(full.sessions);
      expect(incremental.hits).toEqual(full.hits);
    } finally {
      wh.close();
    }
  });
});
