import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { queryRows } from '../support/pipeline.ts';
import { addHits, requestsWarehouse, runDownstream, type Hit } from '../support/sessions.ts';
import { comparableRows } from '../support/snapshot.ts';

const T = (s: string) => `"your-gcp-project"."logflow"."${s}"`;
const day1 = (hms: string) => `2026-11-01T${hms}Z`;
const day2 = (hms: string) => `2026-11-02T${hms}Z`;
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0) Chrome/119.0';

let wh: Warehouse;
beforeEach(async () => {
  wh = await requestsWarehouse();
});
afterEach(() => wh.close());

/** A small day of traffic: two human visitors sharing an IP, a 404-only visitor, a static file. */
const BASE: Hit[] = [
  { id: 'a1', at: day1('10:00:00'), ua: FIREFOX, path: '/', bytes: 1000 },
  { id: 'a2', at: day1('10:00:05'), ua: FIREFOX, path: '/app.css', bytes: 200 },
  { id: 'a3', at: day1('10:02:00'), ua: FIREFOX, path: '/about', bytes: 800, referrer: 'https://example.org/x' },
  { id: 'b1', at: day1('10:01:00'), ua: CHROME, path: '/', bytes: 1000 },
  {
    id: 'c1',
    at: day1('11:00:00'),
    ua: CHROME,
    ip: '198.51.100.9',
    path: '/old',
    status: 404,
    bytes: 10,
    referrer: 'https://example.org/y',
  },
  { id: 'd1', at: day2('00:10:00'), ua: FIREFOX, path: '/', status: 500, bytes: 0 },
];

describe('daily_visitors', () => {
  it('counts visitors as GoAccess does (4xx-only visitors apart) and the sessions that started', async () => {
    await addHits(wh, BASE);
    await runDownstream(wh);
    const rows = await queryRows(
      wh,
      `select * exclude (last_received_at, last_staged_at) from ${T('daily_visitors')} order by request_date`,
    );
    expect(rows).toEqual([
      {
        request_date: '2026-11-01',
        hits: '5',
        unique_visitors: '2',
        unique_visitors_with_4xx: '3',
        page_views: '3',
        bot_hits: '0',
        sessions: '3',
        human_sessions: '3',
        bytes: '3010',
      },
      {
        request_date: '2026-11-02',
        hits: '1',
        unique_visitors: '1',
        unique_visitors_with_4xx: '1',
        page_views: '0',
        bot_hits: '0',
        sessions: '1',
        human_sessions: '1',
        bytes: '0',
      },
    ]);
  });
});

describe('panels', () => {
  it('split hits into requested files, static files and not found, as GoAccess does', async () => {
    await addHits(wh, BASE);
    await runDownstream(wh);
    const pages = await queryRows(wh, `select request_date, path, hits, visitors, bytes from ${T('pages')} order by 1, 2`);
    expect(pages).toEqual([
      { request_date: '2026-11-01', path: '/', hits: '2', visitors: '2', bytes: '2000' },
      { request_date: '2026-11-01', path: '/about', hits: '1', visitors: '1', bytes: '800' },
      { request_date: '2026-11-02', path: '/', hits: '1', visitors: '1', bytes: '0' },
    ]);
    expect(await queryRows(wh, `select path, hits from ${T('static_files')}`)).toEqual([{ path: '/app.css', hits: '1' }]);
    expect(await queryRows(wh, `select path, hits, top_referrer_host from ${T('not_found')}`)).toEqual([
      { path: '/old', hits: '1', top_referrer_host: 'example.org' },
    ]);
    const statuses = await queryRows(wh, `select status, sum(hits) as hits from ${T('status_codes')} group by 1 order by 1`);
    expect(statuses).toEqual([
      { status: '200', hits: '4' },
      { status: '404', hits: '1' },
      { status: '500', hits: '1' },
    ]);
  });

  it.each(['browsers', 'operating_systems', 'devices', 'countries', 'asns', 'status_codes'])(
    '%s accounts for every request',
    async (table) => {
      await addHits(wh, BASE);
      await runDownstream(wh);
      const [row] = await queryRows(wh, `select sum(hits) as hits, sum(bytes) as bytes from ${T(table)}`);
      expect(row).toEqual({ hits: '6', bytes: '3010' });
    },
  );
});

describe('traffic_by_minute and traffic_by_hour', () => {
  it('count status classes and error rates per bucket', async () => {
    await addHits(wh, BASE);
    await runDownstream(wh);
    const hours = await queryRows(
      wh,
      `select hour_at, hits, unique_visitors, status_2xx, status_4xx, status_5xx, error_rate from ${T('traffic_by_hour')} order by 1`,
    );
    expect(hours.map((h) => [h.hits, h.unique_visitors, h.status_2xx, h.status_4xx, h.status_5xx, h.error_rate])).toEqual([
      ['4', '2', '4', '0', '0', 0],
      ['1', '1', '0', '1', '0', 1],
      ['1', '1', '0', '0', '1', 1],
    ]);
  });

  it('recompute only touched buckets yet equal a full refresh after late arrivals', async () => {
    await addHits(
      wh,
      BASE.map((h) => ({ ...h, receivedAt: day2('01:00:00') })),
    );
    await runDownstream(wh);
    await addHits(wh, [
      { id: 'late1', at: day1('10:00:30'), receivedAt: day2('00:30:00'), path: '/late', status: 404 },
      { id: 'new1', at: day2('00:10:10'), receivedAt: day2('03:00:00'), path: '/' },
    ]);
    await runDownstream(wh);
    const incremental = await queryRows(wh, comparableRows(T('traffic_by_minute'), 'minute_at'));
    const hourly = await queryRows(wh, comparableRows(T('traffic_by_hour'), 'hour_at'));
    await runDownstream(wh, { fullRefresh: true });
    expect(incremental).toEqual(await queryRows(wh, comparableRows(T('traffic_by_minute'), 'minute_at')));
    expect(hourly).toEqual(await queryRows(wh, comparableRows(T('traffic_by_hour'), 'hour_at')));
    expect(incremental.reduce((n, r) => n + Number(r.hits), 0)).toBe(8);
  });
});

describe('suspicious_clients', () => {
  it('flags scanning, probing, injection and bursts with their evidence, and leaves ordinary clients out', async () => {
    const scanner: Hit[] = Array.from({ length: 12 }, (_, i) => ({
      id: `s${i}`,
      at: day1(`12:00:${String(i).padStart(2, '0')}`),
      ip: '203.0.113.66',
      ua: 'zgrab/0.x',
      path: `/missing-${i}.php`,
      status: 404,
    }));
    const prober: Hit[] = ['/wp-login.php', '/.env', '/.git/config'].map((path, i) => ({
      id: `p${i}`,
      at: day1(`13:00:0${i}`),
      ip: '203.0.113.67',
      path,
      status: 404,
    }));
    const injector: Hit[] = [{ id: 'i1', at: day1('14:00:00'), ip: '203.0.113.68', path: '/search', query: 'q=1%27+OR+1=1--' }];
    const burst: Hit[] = Array.from({ length: 130 }, (_, i) => ({
      id: `b${String(i).padStart(3, '0')}`,
      at: new Date(Date.parse(day1('15:00:00')) + i * 300),
      ip: '203.0.113.69',
      path: '/api',
    }));
    await addHits(wh, [...BASE, ...scanner, ...prober, ...injector, ...burst]);
    await runDownstream(wh);
    const rows = await queryRows(
      wh,
      `select client_ip, reasons, distinct_not_found_paths, probe_hits, injection_hits, example_injection, max_hits_per_minute from ${T('suspicious_clients')} order by client_ip`,
    );
    expect(rows).toEqual([
      {
        client_ip: '203.0.113.66',
        reasons: 'scanning',
        distinct_not_found_paths: '12',
        probe_hits: '0',
        injection_hits: '0',
        example_injection: null,
        max_hits_per_minute: '12',
      },
      {
        client_ip: '203.0.113.67',
        reasons: 'probing',
        distinct_not_found_paths: '3',
        probe_hits: '3',
        injection_hits: '0',
        example_injection: null,
        max_hits_per_minute: '3',
      },
      {
        client_ip: '203.0.113.68',
        reasons: 'injection',
        distinct_not_found_paths: '0',
        probe_hits: '0',
        injection_hits: '1',
        example_injection: '/search?q=1%27+OR+1=1--',
        max_hits_per_minute: '1',
      },
      {
        client_ip: '203.0.113.69',
        reasons: 'burst',
        distinct_not_found_paths: '0',
        probe_hits: '0',
        injection_hits: '0',
        example_injection: null,
        max_hits_per_minute: '130',
      },
    ]);
  });
});
