import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportData } from './data.ts';
import { PANELS } from './queries.ts';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The libraries inlined into every report, read from their npm packages' dist files:
 * Chart.js (MIT), chartjs-chart-geo (MIT, bundles d3-geo and topojson-client, ISC),
 * chartjs-plugin-zoom (MIT), and Natural Earth's 1:110m countries as TopoJSON from world-atlas
 * (Natural Earth is public domain; world-atlas is ISC).
 */
function assets(): { scripts: string[]; style: string; world: string } {
  const read = (spec: string) => readFileSync(packageFile(spec), 'utf8');
  return {
    scripts: [
      read('chart.js/dist/chart.umd.min.js'),
      read('chartjs-chart-geo/build/index.umd.min.js'),
      read('chartjs-plugin-zoom/dist/chartjs-plugin-zoom.min.js'),
      readFileSync(join(HERE, 'page', 'app.js'), 'utf8'),
    ],
    style: readFileSync(join(HERE, 'page', 'style.css'), 'utf8'),
    world: JSON.stringify(JSON.parse(read('world-atlas/countries-110m.json'))),
  };
}

/** A file of an installed package, found through Node's module paths (dist files are often not in "exports"). */
function packageFile(spec: string): string {
  const [scopeOrName, ...rest] = spec.split('/');
  const name = scopeOrName!.startsWith('@') ? `${scopeOrName}/${rest.shift()}` : scopeOrName!;
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = join(dir, name, ...rest);
    if (existsSync(file)) return file;
  }
  throw new Error(`cannot find ${spec}; run npm ci`);
}

let cached: ReturnType<typeof assets> | null = null;

/**
 * JSON that is safe inside a `<script type="application/json">` element: no `<`, `>` or `&`
 * (so no `</script>` or `<!--` can end or alter the element) and no U+2028/U+2029.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The Content-Security-Policy of the page: nothing may load or connect (`default-src 'none'`),
 * only the inlined scripts and style run (by hash); a live page may connect to its own server.
 */
export function contentSecurityPolicy(scripts: string[], style: string, live: boolean): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map(hash).join(' ')}`,
    `style-src ${hash(style)}`,
    'img-src data:',
    `connect-src ${live ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** One self-contained HTML page: libraries, map and data inlined; fetches nothing. */
export function renderReport(data: ReportData, options: { live?: boolean } = {}): string {
  cached ??= assets();
  const { scripts, style, world } = cached;
  for (const s of scripts) if (/<\/script|<!--/i.test(s)) throw new Error('an inlined script contains </script or <!--');
  const csp = contentSecurityPolicy(scripts, style, options.live === true);
  const panel = (id: string, title: string) =>
    `<section data-panel="${id}"><h2>${title}</h2><div class="scroll"><table id="${id}-table"></table></div></section>`;
  const itemPanels = PANELS.filter((p) => p.id !== 'countries')
    .map((p) => panel(p.id, p.title))
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>logflow report</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>logflow</h1>
  <span class="source" id="source"></span>
  <label>from <input type="date" id="from"></label>
  <label>to <input type="date" id="to"></label>
  <label><input type="checkbox" id="bots" checked> include bots</label>
  <label>top <select id="topn"><option>10</option><option selected>25</option><option>50</option><option>100</option></select></label>
  <span id="live" hidden>last updated <b id="updated"></b> · lag <b id="lag"></b></span>
</header>
<main>
<section class="wide" data-panel="overview"><h2>Overview</h2><div class="metrics" id="overview"></div></section>
<section class="wide" data-panel="traffic"><h2>Traffic over time</h2>
  <div><label>by <select id="grain"><option value="minute">minute</option><option value="hour" selected>hour</option><option value="day">day</option></select></label>
  <button type="button" id="reset-zoom">reset zoom</button> <span class="hint">drag or wheel on the chart to zoom · times in UTC</span> <span class="hint" id="traffic-note"></span></div>
  <div class="chart"><canvas id="traffic-chart"></canvas></div></section>
<section class="wide" data-panel="sessions"><h2>Sessions</h2><div class="metrics" id="sessions-metrics"></div>
  <div class="row"><div><h3 class="hint">duration</h3><div class="chart"><canvas id="duration-chart"></canvas></div></div>
  <div><h3 class="hint">depth (page views)</h3><div class="chart"><canvas id="depth-chart"></canvas></div></div></div>
  <div class="row"><div data-panel="landing"><h3 class="hint">landing pages</h3><div class="scroll"><table id="landing-table"></table></div></div>
  <div data-panel="exit"><h3 class="hint">exit pages</h3><div class="scroll"><table id="exit-table"></table></div></div></div></section>
<section class="wide" data-panel="countries"><h2>Countries</h2><div class="row"><div class="chart tall"><canvas id="country-map"></canvas></div><div class="scroll"><table id="countries-table"></table></div></div></section>
${itemPanels}
<section class="wide" data-panel="suspicious"><h2>Suspicious clients</h2><div class="scroll"><table id="suspicious-table"></table></div></section>
<section class="wide" data-panel="quality"><h2>Data quality: parse errors</h2><p class="hint">Every landed line is a request or a quarantined line with its reason; a line that did not parse has no request date, so this panel covers all dates.</p><div class="row"><div><table id="parse-errors-table"></table></div><div class="scroll" id="parse-samples"></div></div></section>
</main>
<footer>Made by logflow from its output tables. Visitors are counted per UTC day (GoAccess's definition) and summed over the range.
Map: Natural Earth (public domain) via world-atlas. IP data: GeoLite2 data created by MaxMind; <a href="https://db-ip.com/">IP Geolocation by DB-IP</a>.</footer>
<script type="application/json" id="report-data">${safeJson(data)}</script>
<script type="application/json" id="world-data">${safeJson(JSON.parse(world))}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}
