import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { queryRows } from '../support/pipeline.ts';
import { addHits, requestsWarehouse, runDownstream, sessionRows, type Hit } from '../support/sessions.ts';

const ONLY = ['int_requests_sessionized', 'sessions'];
const at = (hhmmss: string, day = '2026-11-01') => `${day}T${hhmmss}Z`;
const minutes = (base: string, m: number) => new Date(Date.parse(base) + m * 60_000).toISOString();

let wh: Warehouse;
beforeEach(async () => {
  wh = await requestsWarehouse();
});
afterEach(() => wh.close());

async function sessionsOf(hits: Hit[], vars?: Record<string, string>) {
  await addHits(wh, hits);
  await runDownstream(wh, { only: ONLY, vars });
  return sessionRows(wh);
}

async function sessionOfHit(): Promise<Map<string, string>> {
  const rows = await queryRows(wh, 'select request_id, session_id from "your-gcp-project"."logflow"."int_requests_sessionized"');
  return new Map(rows.map((r) => [String(r.request_id), String(r.session_id)]));
}

describe('sessions (one batch)', () => {
  it.each([
    { name: 'a gap just under the timeout continues the session', gapMs: 30 * 60_000 - 1, sessions: 1 },
    { name: 'a gap of exactly the timeout starts a new session', gapMs: 30 * 60_000, sessions: 2 },
    { name: 'a gap over the timeout starts a new session', gapMs: 30 * 60_000 + 1000, sessions: 2 },
  ])('$name', async ({ gapMs, sessions }) => {
    const t0 = at('10:00:00');
    const rows = await sessionsOf([
      { id: 'a', at: t0 },
      { id: 'b', at: new Date(Date.parse(t0) + gapMs) },
    ]);
    expect(rows).toHaveLength(sessions);
  });

  it('follows the sessionTimeoutMinutes var', async () => {
    const rows = await sessionsOf(
      [
        { id: 'a', at: at('10:00:00') },
        { id: 'b', at: at('10:10:00') },
      ],
      { sessionTimeoutMinutes: '5', sessionMaxMinutes: '60' },
    );
    expect(rows).toHaveLength(2);
  });

  it('orders hits by time, not by arrival, and breaks equal times by request id', async () => {
    const rows = await sessionsOf([
      { id: 'c', at: at('10:20:00'), path: '/last', receivedAt: at('10:21:00') },
      { id: 'b', at: at('10:00:00'), path: '/second', receivedAt: at('10:22:00') },
      { id: 'a', at: at('10:00:00'), path: '/first', receivedAt: at('10:23:00') },
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ hits: '3', landing_path: '/first', exit_path: '/last', duration_seconds: '1200' });
  });

  // Equal times at every edge: the first of them by request id gives the first hit and page view,
  // the last one the last hit and page view (the ids below are out of order on purpose).
  it.each([
    {
      name: 'with page views',
      hits: [
        { id: 'b', at: at('10:00:00'), path: '/b.css', referrer: 'https://b.example/' },
        { id: 'a', at: at('10:00:00'), path: '/a.css', referrer: 'https://a.example/' },
        { id: 'd', at: at('10:00:05'), path: '/d' },
        { id: 'c', at: at('10:00:05'), path: '/c' },
        { id: 'f', at: at('10:05:00'), path: '/f' },
        { id: 'e', at: at('10:05:00'), path: '/e' },
        { id: 'h', at: at('10:06:00'), path: '/h.js' },
        { id: 'g', at: at('10:06:00'), path: '/g.js' },
      ],
      expected: { landing_path: '/c', exit_path: '/f', entry_referrer: 'https://a.example/', entry_referrer_host: 'a.example' },
    },
    {
      name: 'without page views (the first and last hits instead)',
      hits: [
        { id: 'y', at: at('10:00:00'), path: '/y.css', referrer: 'https://y.example/' },
        { id: 'x', at: at('10:00:00'), path: '/x.css', referrer: 'https://x.example/' },
        { id: 'z', at: at('10:01:00'), path: '/z.css' },
        { id: 'w', at: at('10:01:00'), path: '/w.css' },
      ],
      expected: { landing_path: '/x.css', exit_path: '/z.css', entry_referrer: 'https://x.example/', page_views: '0' },
    },
  ])('picks the first and last hit and page view by time, then request id ($name)', async ({ hits, expected }) => {
    const rows = await sessionsOf(hits);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject(expected);
  });

  it('keeps a visitor active across midnight in one session, dated by its start', async () => {
    const rows = await sessionsOf([
      { id: 'a', at: at('23:50:00', '2026-11-01') },
      { id: 'b', at: at('00:10:00', '2026-11-02') },
    ]);
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.started_at)).toContain('2026-11-01');
    expect(String(rows[0]!.ended_at)).toContain('2026-11-02');
  });

  it('cuts a run of activity longer than sessionMaxMinutes into sessions of that length', async () => {
    const hits = Array.from({ length: 16 }, (_, i) => ({ id: `h${String(i).padStart(2, '0')}`, at: minutes(at('00:00:00'), i * 10) }));
    const rows = await sessionsOf(hits, { sessionMaxMinutes: '60' });
    expect(rows.map((r) => Number(r.hits))).toEqual([6, 6, 4]);
  });

  it('tells visitors apart by IP and user agent, or by IP alone with visitorKey=ip', async () => {
    const hits: Hit[] = [
      { id: 'a', at: at('10:00:00'), ua: 'curl/8.0' },
      { id: 'b', at: at('10:01:00'), ua: 'Wget/1.21' },
      { id: 'c', at: at('10:02:00'), ua: 'curl/8.0', ip: '198.51.100.7' },
    ];
    expect(await sessionsOf(hits)).toHaveLength(3);
    await runDownstream(wh, { only: ONLY, fullRefresh: true, vars: { visitorKey: 'ip' } });
    expect(await sessionRows(wh)).toHaveLength(2);
  });

  it('computes the session measures', async () => {
    const rows = await sessionsOf([
      { id: 'a', at: at('10:00:00'), path: '/', referrer: 'https://www.google.com/search?q=x', bytes: 1000 },
      { id: 'b', at: at('10:00:01'), path: '/app.css', bytes: 50 },
      { id: 'c', at: at('10:03:00'), path: '/missing', status: 404, bytes: 10 },
      { id: 'd', at: at('10:05:00'), path: '/about', bytes: 500 },
    ]);
    expect(rows[0]).toMatchObject({
      hits: '4',
      page_views: '2',
      error_hits: '1',
      bytes: '1560',
      duration_seconds: '300',
      is_bounce: false,
      is_bot: false,
      landing_path: '/',
      exit_path: '/about',
      entry_referrer_host: 'www.google.com',
      country_code: 'DE',
    });
  });
});

describe('sessions (incremental)', () => {
  it('merges two sessions when a late hit bridges their gap, and drops the old id', async () => {
    await sessionsOf([
      { id: 'a', at: at('10:00:00'), receivedAt: at('10:00:00') },
      { id: 'c', at: at('10:50:00'), receivedAt: at('10:50:00') },
    ]);
    expect(await sessionRows(wh)).toHaveLength(2);
    const rows = await sessionsOf([{ id: 'b', at: at('10:25:00'), receivedAt: at('10:55:00') }]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ hits: '3' });
    const ids = await sessionOfHit();
    expect(new Set(ids.values()).size).toBe(1);
    expect(ids.get('a')).toBe(rows[0]!.session_id);
  });

  it('keeps the session id when a late hit falls inside a session (splits none)', async () => {
    await sessionsOf([
      { id: 'a', at: at('10:00:00'), receivedAt: at('10:00:00') },
      { id: 'c', at: at('10:20:00'), receivedAt: at('10:20:00') },
    ]);
    const before = await sessionRows(wh);
    const rows = await sessionsOf([{ id: 'b', at: at('10:10:00'), receivedAt: at('10:30:00') }]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.session_id).toBe(before[0]!.session_id);
    expect(rows[0]).toMatchObject({ hits: '3' });
  });

  it('leaves the sessions of other visitors and earlier sessions untouched', async () => {
    await sessionsOf([
      { id: 'a', at: at('08:00:00'), receivedAt: at('10:00:00') },
      { id: 'b', at: at('10:00:00'), receivedAt: at('10:00:00') },
      { id: 'x', at: at('10:00:00'), receivedAt: at('10:00:00'), ip: '203.0.113.9' },
    ]);
    const before = await sessionOfHit();
    await sessionsOf([{ id: 'c', at: at('10:10:00'), receivedAt: at('10:40:00') }]);
    const after = await sessionOfHit();
    expect(after.get('a')).toBe(before.get('a'));
    expect(after.get('b')).toBe(before.get('b'));
    expect(after.get('x')).toBe(before.get('x'));
    expect(after.get('c')).toBe(before.get('b'));
  });

  it('gives a session a new id when a late hit becomes its first, like a full refresh', async () => {
    await sessionsOf([{ id: 'b', at: at('10:10:00'), receivedAt: at('10:10:00') }]);
    const rows = await sessionsOf([{ id: 'a', at: at('10:00:00'), receivedAt: at('10:15:00') }]);
    expect(rows).toHaveLength(1);
    const incremental = rows[0]!.session_id;
    await runDownstream(wh, { only: ONLY, fullRefresh: true });
    expect((await sessionRows(wh))[0]!.session_id).toBe(incremental);
  });
});
