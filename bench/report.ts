/**
 * The report on a big warehouse (issue 12): `logflow report`'s wall time, the file's size, and the
 * time to first render in headless Debian Chromium (navigation start to every panel drawn).
 *
 *   npx tsx bench/report.ts --warehouse PATH [--runs 3] [--out FILE] [--json FILE] [--screenshot FILE]
 *   npx tsx bench/report.ts --lines N [--days 7] [--seed 7] [--keep-warehouse] [...]
 *
 * --warehouse PATH measures an existing, transformed warehouse as it is (opened read-only by
 * `logflow report`; nothing is generated or written to it). 10M lines, built separately (each
 * step prints its own time; about an hour on a quiet 2-core machine):
 *
 *   node bin/logflow.js generate --lines 10000000 --duration 7d --seed 7 --out /tmp/10m.log
 *   node bin/logflow.js ingest /tmp/10m.log --warehouse /tmp/10m.duckdb
 *   node bin/logflow.js transform --warehouse /tmp/10m.duckdb
 *   npx tsx bench/report.ts --warehouse /tmp/10m.duckdb --json report-10m.json
 *
 * --lines N runs those three steps itself into a temporary directory first (--days sets the span,
 * default 7: the file grows with days x kept items; --keep-warehouse keeps it), e.g. for 1M:
 *   npx tsx bench/report.ts --lines 1000000 --json report-1m.json
 * Without either, it measures the default warehouse ($LOGFLOW_WAREHOUSE or
 * .logflow/warehouse.duckdb, e.g. after `npm run demo`).
 *
 * Measures: (1) `node bin/logflow.js report --warehouse PATH --out FILE`, wall time from process
 * start to exit (process start, queries, HTML); (2) the file's size and the JSON data in it;
 * (3) --runs navigations (default 3) of a fresh page in one Chromium to `file://FILE`, each timed
 * from navigation start to `body[data-rendered]` (set by the page once every panel is drawn), and
 * the page's own script time for that render; the median and every run are printed. The HTML is
 * removed unless --out. --screenshot FILE saves the first screen of the last run (README's
 * docs/report.png: `npx tsx bench/report.ts --screenshot docs/report.png` after `npm run demo`). Exit status 0 on success, 1 when a step fails (its message printed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../tests/support/chromium.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { warehousePath } from '../warehouse/project.ts';
import { median } from './support/series.ts';

function fail(message: string, status = 1): never {
  process.stderr.write(`bench/report: ${message}\n`);
  process.exit(status);
}

const OPTIONS = {
  warehouse: { type: 'string' },
  lines: { type: 'string' },
  days: { type: 'string', default: '7' },
  seed: { type: 'string', default: '7' },
  runs: { type: 'string', default: '3' },
  out: { type: 'string' },
  json: { type: 'string' },
  screenshot: { type: 'string' },
  'keep-warehouse': { type: 'boolean', default: false },
} as const;
function parse() {
  try {
    return parseArgs({ options: OPTIONS, allowPositionals: true });
  } catch (error) {
    return fail(`${(error as Error).message} (see the header of bench/report.ts)`, 2);
  }
}
const { values, positionals } = parse();
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, got ${values.runs}`, 2);
if (values.lines !== undefined && (values.warehouse !== undefined || positionals.length > 0))
  fail('give --warehouse PATH (measure it) or --lines N (build one), not both', 2);

const root = resolve(import.meta.dirname, '..');
const BIN = join(root, 'bin', 'logflow.js');
const say = (line: string) => process.stdout.write(`${line}\n`);
const work = mkdtempSync(join(tmpdir(), 'logflow-report-bench-'));

/** Runs `logflow ARGS`, output passed through; returns its wall seconds or exits on failure. */
function logflow(args: string[]): number {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) fail(`logflow ${args[0]} failed (exit ${run.status ?? run.signal})`);
  return (performance.now() - t0) / 1000;
}

let path: string;
const build: Record<string, number> = {};
if (values.lines !== undefined) {
  const lines = Number(values.lines);
  if (!Number.isInteger(lines) || lines < 1) fail(`--lines must be a positive integer, got ${values.lines}`, 2);
  path = join(work, 'warehouse.duckdb');
  const log = join(work, 'access.log');
  say(`building a ${lines.toLocaleString('en')}-line warehouse (${values.days} days, seed ${values.seed}) in ${work}`);
  build.generate = logflow(['generate', '--lines', String(lines), '--duration', `${values.days}d`, '--seed', values.seed!, '--out', log]);
  build.ingest = logflow(['ingest', log, '--warehouse', path, '--quiet']);
  rmSync(log);
  build.transform = logflow(['transform', '--warehouse', path, '--quiet']);
  say(`built: generate ${build.generate.toFixed(1)} s, ingest ${build.ingest.toFixed(1)} s, transform ${build.transform.toFixed(1)} s`);
} else {
  path = warehousePath(values.warehouse ?? positionals[0]);
  if (!existsSync(path)) fail(`no warehouse at ${path}: give --warehouse PATH of a transformed warehouse, or --lines N to build one`, 2);
}

// what the warehouse holds
const wh = await openWarehouse(path, { readOnly: true });
let requests: number;
let landed: number;
let days: number;
try {
  const row = (
    await wh.connection.runAndReadAll(
      'select (select count(*) from logflow.requests) as requests, (select count(*) from logflow_raw.landing) as landed, (select count(distinct request_date) from logflow.daily_visitors) as days',
    )
  ).getRowObjectsJS()[0]!;
  requests = Number(row.requests);
  landed = Number(row.landed);
  days = Number(row.days);
} catch (error) {
  fail(`${path} is not a transformed logflow warehouse: ${(error as Error).message.split('\n')[0]}`);
} finally {
  wh.close();
}

// (1) logflow report, as a user runs it
const file = values.out ? resolve(values.out) : join(work, 'report.html');
const reportSeconds = logflow(['report', '--warehouse', path, '--out', file]);
const html = readFileSync(file, 'utf8');
const bytes = statSync(file).size;
const dataBytes = Buffer.byteLength(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '');

// (3) first render
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const renders: number[] = [];
const scripts: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'commit' });
    await page.waitForSelector('body[data-rendered]', { timeout: 300_000 });
    // navigation start is the page's time origin: performance.now() when the attribute was seen
    const [total, script] = await page.evaluate(() => [performance.now(), Number(document.body.dataset.rendered)]);
    renders.push(total);
    scripts.push(script);
    if (values.screenshot && i === runs - 1) await page.screenshot({ path: values.screenshot });
    await page.close();
  }
} finally {
  await browser.close();
}

const figures = {
  command: `npx tsx bench/report.ts ${process.argv.slice(2).join(' ')}`.trim(),
  at: new Date().toISOString(),
  warehouse: path,
  landedLines: landed,
  requests,
  days,
  build,
  reportSeconds,
  fileBytes: bytes,
  dataBytes,
  firstRenderMs: { median: median(renders), runs: renders.map(Math.round) },
  renderScriptMs: { median: median(scripts), runs: scripts.map(Math.round) },
};
say(
  [
    `warehouse: ${landed.toLocaleString('en')} landed lines, ${requests.toLocaleString('en')} requests over ${days} day(s) (${path})`,
    `logflow report: ${reportSeconds.toFixed(1)} s wall (process start, queries, HTML)`,
    `report file: ${(bytes / 1e6).toFixed(2)} MB, of which ${(dataBytes / 1e3).toFixed(0)} KB of data`,
    `first render in Chromium (navigation start to every panel drawn): median ${median(renders).toFixed(0)} ms of ${runs} (${renders.map((r) => r.toFixed(0)).join(', ')} ms); the page's render script: median ${median(scripts).toFixed(0)} ms`,
  ].join('\n'),
);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
  say(`figures written to ${values.json}`);
}
if (values.out) say(`report kept at ${file}`);
if (values.screenshot) say(`screenshot saved to ${values.screenshot}`);
if (values['keep-warehouse'] && values.lines !== undefined) say(`warehouse kept at ${path}`);
else rmSync(work, { recursive: true, force: true });
