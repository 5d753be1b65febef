/**
 * The report on a big warehouse: time to query and build it, file size, and time to first render in
 * headless Debian Chromium (navigation start to every panel drawn).
 *
 *   npx tsx bench/report.ts [WAREHOUSE]      (default .logflow/warehouse.duckdb, e.g. after
 *                                            npm run demo -- --lines 1000000)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { buildReportData, localSource, renderReport } from '../report/index.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/support/chromium.ts';
import { warehousePath } from '../warehouse/project.ts';

const path = warehousePath(process.argv[2]);
const started = performance.now();
const { source, spelling } = await localSource(path);
const rows = (await source.query('select count(*) as n from logflow.requests', {}))[0]?.n;
const data = await buildReportData(source, spelling, {});
await source.close();
const html = renderReport(data);
const built = (performance.now() - started) / 1000;
const file = join(mkdtempSync(join(tmpdir(), 'logflow-report-bench-')), 'report.html');
writeFileSync(file, html);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const renders: number[] = [];
for (let i = 0; i < 3; i++) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const t0 = Date.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-rendered]');
  renders.push(Date.now() - t0);
  await page.close();
}
await browser.close();
renders.sort((a, b) => a - b);
console.log(
  `${Number(rows).toLocaleString('en')} requests over ${data.days.length} day(s): report built in ${built.toFixed(1)} s, ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB ` +
    `(${(Buffer.byteLength(JSON.stringify(data)) / 1e3).toFixed(0)} KB of data); first render in Chromium ${renders[1]} ms (median of 3: ${renders.join(', ')} ms)`,
);
