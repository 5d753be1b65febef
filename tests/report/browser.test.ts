import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildReportData, localSource, renderReport } from '../../report/index.ts';
import { PANELS } from '../../report/queries.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.ts';
import { buildFixtureWarehouse, XSS_PATH, XSS_USER_AGENT } from './fixture.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`skipping the report browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!hasChromium)('logflow report in headless Chromium', () => {
  let warehousePath: string;
  let wh: Warehouse;
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  let screenshot: string;

  const rows = async (sql: string) => (await wh.connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  const one = async (sql: string) => Number(Object.values((await rows(sql))[0] ?? {})[0] ?? 0);

  beforeAll(async () => {
    warehousePath = await buildFixtureWarehouse();
    const { source, spelling } = await localSource(warehousePath);
    let html: string;
    try {
      html = renderReport(await buildReportData(source, spelling, {}));
    } finally {
      await source.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'logflow-report-html-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    screenshot = join(dir, 'report.png');
    wh = await openWarehouse(warehousePath, { readOnly: true });

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const url = pathToFileURL(file).href;
    // Every request but the report file itself is recorded and refused.
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    page.on('request', (r) => {
      if (r.url() !== url) outside.push(r.url());
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    await page.waitForSelector('body[data-rendered]');
    await page.selectOption('#topn', '100');
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    wh?.close();
  });

  it('renders without errors and makes no request outside the file', async () => {
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
  });

  it('keeps the XSS strings inert and shows them as text', async () => {
    expect(dialogs).toEqual([]);
    const dom = await page.evaluate(() => ({
      images: document.querySelectorAll('img').length,
      scripts: [...document.scripts].map((s) => s.type || 'classic'),
      cells: [...document.querySelectorAll('td')].map((td) => td.textContent ?? ''),
      samples: [...document.querySelectorAll('#parse-samples pre')].map((p) => p.textContent ?? ''),
    }));
    expect(dom.images).toBe(0);
    expect(dom.scripts).toEqual(['application/json', 'application/json', 'classic', 'classic', 'classic', 'classic']);
    expect(dom.cells).toContain(XSS_PATH);
    expect(dom.cells).toContain(`/${XSS_PATH}`);
    expect(dom.samples.some((s) => s.includes(XSS_USER_AGENT))).toBe(true);
  });

  it('shows the overview figures the warehouse holds, with and without bots', async () => {
    const metrics = async () =>
      Object.fromEntries(
        await page.$$eval('#overview .metric', (els) =>
          els.map((e) => [(e as HTMLElement).dataset.metric, Number((e as HTMLElement).dataset.value)]),
        ),
      );
    const all = await metrics();
    const hits = await one('select sum(hits) from logflow.daily_visitors');
    expect(all.hits).toBe(hits);
    expect(all.visitors).toBe(await one('select sum(unique_visitors) from logflow.daily_visitors'));
    expect(all.sessions).toBe(await one('select count(*) from logflow.sessions'));
    expect(all.page_views).toBe(await one('select count(*) from logflow.requests where is_page_view'));
    expect(all.bytes).toBe(await one('select sum(response_bytes) from logflow.requests'));
    expect(all.error_rate).toBeCloseTo((await one('select count(*) from logflow.requests where status >= 400')) / hits, 12);
    expect(all.bot_share).toBeCloseTo((await one('select count(*) from logflow.requests where is_bot')) / hits, 12);
    expect(all.parse_errors).toBe(await one('select count(*) from logflow.parse_errors'));
    expect(all.parse_errors).toBeGreaterThan(0);

    await page.uncheck('#bots');
    const human = await metrics();
    await page.check('#bots');
    expect(human.hits).toBe(await one('select count(*) from logflow.requests where not is_bot'));
    expect(human.hits).toBeLessThan(all.hits!);
    expect(human.sessions).toBe(await one('select count(*) from logflow.sessions where not is_bot'));
    expect(human.page_views).toBe(await one('select count(*) from logflow.requests where is_page_view and not is_bot'));
    expect(human.visitors).toBe(
      await one(
        'select sum(v) from (select count(distinct (client_ip, user_agent)) as v from logflow.requests where not is_bot group by cast(requested_at as date))',
      ),
    );
  });

  it.each(PANELS.map((p) => [p.id, p]))("panel %s shows the top items with the warehouse's hits and visitors", async (id, panel) => {
    const keys = panel.keys.map((k) => `cast(${k} as varchar)`).join(', ');
    const expected = await rows(`select ${keys
      .split(', ')
      .map((k, i) => `${k} as k${i}`)
      .join(', ')}, sum(hits) as hits, sum(visitors) as visitors
      from logflow.${panel.table} group by ${panel.keys.map((_, i) => i + 1).join(', ')}`);
    const key = (r: Record<string, unknown>) => panel.keys.map((_, i) => String(r[`k${i}`] ?? '(none)')).join(' | ');
    const truth = new Map(expected.map((r) => [key(r), { hits: Number(r.hits), visitors: Number(r.visitors) }]));
    const shown = await page.$$eval(`#${id}-table tbody tr`, (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => ({ text: td.textContent ?? '', value: td.dataset.value }))),
    );
    const items = shown.filter((cells) => !/^\((\d[\d,]* more|items beyond)/.test(cells[0]!.text));
    expect(items.length).toBe(Math.min(100, truth.size));
    const n = panel.keys.length;
    for (const cells of items) {
      let k = cells
        .slice(0, n)
        .map((c) => c.text)
        .join(' | ');
      if (id === 'countries') k = /\(([A-Z0-9]{2})\)$/.exec(k)?.[1] ?? k;
      expect(truth.has(k), `${id}: ${k} is in the warehouse`).toBe(true);
      expect(Number(cells[n]!.value), `${id}: hits of ${k}`).toBe(truth.get(k)!.hits);
      expect(Number(cells[n + 2]!.value), `${id}: visitors of ${k}`).toBe(truth.get(k)!.visitors);
    }
    // The shown items are the top ones: none left out has more hits than the least shown.
    const shownKeys = new Set(
      items.map((cells) =>
        cells
          .slice(0, n)
          .map((c) => c.text)
          .join(' | '),
      ),
    );
    const least = Math.min(...items.map((cells) => Number(cells[n]!.value)));
    if (id !== 'countries')
      for (const [k, v] of truth) if (!shownKeys.has(k)) expect(v.hits, `${id}: ${k} left out`).toBeLessThanOrEqual(least);
  });

  it('draws traffic, sessions and the map from the warehouse', async () => {
    const sums = await page.evaluate(() => {
      const chart = (id: string) =>
        (window as unknown as { Chart: { getChart(c: Element): { data: { datasets: { data: unknown[] }[] } } } }).Chart.getChart(
          document.getElementById(id)!,
        )!;
      const ys = (id: string) =>
        (chart(id).data.datasets[0]!.data as ({ y: number } | number | { value: number })[]).map((d) =>
          typeof d === 'number' ? d : 'y' in d ? d.y : d.value,
        );
      const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
      return {
        traffic: sum(ys('traffic-chart')),
        duration: sum(ys('duration-chart')),
        depth: sum(ys('depth-chart')),
        map: sum(ys('country-map')),
        mapMax: Math.max(...ys('country-map')),
      };
    });
    expect(sums.traffic).toBe(await one('select sum(hits) from logflow.traffic_by_hour'));
    const sessions = await one('select count(*) from logflow.sessions');
    expect(sums.duration).toBe(sessions);
    expect(sums.depth).toBe(sessions);
    expect(sums.mapMax).toBe(
      await one(`select max(h) from (select sum(hits) as h from logflow.countries where country_code not in ('ZZ') group by country_code)`),
    );
    expect(sums.map).toBeGreaterThan(0);
    const landing = await page.$$eval('#landing-table tbody tr', (trs) =>
      trs.slice(0, 5).map((tr) => [tr.children[0]!.textContent, Number((tr.children[1] as HTMLElement).dataset.value)]),
    );
    const top = await rows(`select landing_path, count(*) as n from logflow.sessions group by 1 order by 2 desc, 1 limit 5`);
    expect(landing.map((r) => r[1])).toEqual(top.map((r) => Number(r.n)));
  });

  it('lists suspicious clients with their evidence and parse errors by reason', async () => {
    const suspicious = await page.$$eval('#suspicious-table tbody tr', (trs) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')),
    );
    const count = await one('select count(*) from logflow.suspicious_clients');
    expect(suspicious.length).toBe(Math.min(count, 200));
    const top = (
      await rows('select client_ip, reasons, hits from logflow.suspicious_clients order by hits desc, request_date, client_ip limit 1')
    )[0]!;
    expect(suspicious[0]!.slice(1, 4)).toEqual([String(top.client_ip), String(top.reasons), Number(top.hits).toLocaleString('en')]);
    const reasons = await page.$$eval('#parse-errors-table tbody tr', (trs) =>
      trs.map((tr) => [tr.children[0]!.textContent, Number((tr.children[1] as HTMLElement).dataset.value)]),
    );
    const expected = await rows('select parse_error, count(*) as n from logflow.parse_errors group by 1 order by 2 desc, 1');
    expect(reasons).toEqual(expected.map((r) => [r.parse_error, Number(r.n)]));
  });

  it('filters by date range in the page', async () => {
    await page.fill('#from', '2026-11-02');
    await page.dispatchEvent('#from', 'change');
    const hits = await page.$eval('#overview [data-metric="hits"]', (e) => Number((e as HTMLElement).dataset.value));
    expect(hits).toBe(await one(`select coalesce(sum(hits), 0) from logflow.daily_visitors where request_date >= date '2026-11-02'`));
    await page.fill('#from', '2026-11-01');
    await page.dispatchEvent('#from', 'change');
  });

  it('saves a screenshot', async () => {
    await page.screenshot({ path: screenshot, fullPage: false });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    console.log(`report screenshot: ${screenshot}`);
  });
});
