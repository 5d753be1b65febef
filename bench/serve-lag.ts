/**
 * End-to-end lag and memory of `logflow serve` on a followed file.
 *
 *   npm run bench:serve -- [--rate 1000] [--minutes 2] [--every 1s] [--seed 7] [--wait 600] [--keep]
 *
 * Starts `logflow serve FILE --port 0 --every E --verbose` on a fresh warehouse in a temporary
 * directory, appends generated access-log lines (timestamps now) to FILE at --rate lines per
 * wall-clock second in 100 ms batches (generated before serve starts), and listens to the live page's server-sent events like a
 * browser does. A line counts as visible when the served data's hits (daily_visitors, bots
 * included) plus quarantined lines reach its position in the file, so the lag of a batch is
 * "first event that shows it" minus "written". The serve process tree's RSS is sampled every
 * second from /proc. Prints the refreshes serve reports (new lines, transform and whole-refresh
 * time: where the time goes), then one summary line per measure.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../generator/index.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '2' },
    every: { type: 'string', default: '1s' },
    seed: { type: 'string', default: '7' },
    wait: { type: 'string', default: '600' },
    keep: { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.minutes) * 60;
if (!(rate > 0) || !(seconds > 0)) throw new Error('--rate and --minutes must be positive numbers');

// The lines are generated before serve starts, so the generator neither slows the writer nor competes with serve.
const generating = Date.now();
const engine = createEngine({ seed: Number(values.seed), lines: null, linesPerSecond: rate, start: new Date(), diurnal: false });
const prepared: string[] = [];
for (let i = 0; i < Math.ceil(rate * seconds); i++) {
  const line = engine.next();
  if (line === null) break;
  prepared.push(line);
}
process.stdout.write(`generated ${prepared.length.toLocaleString('en')} lines in ${((Date.now() - generating) / 1000).toFixed(1)} s\n`);

const dir = mkdtempSync(join(tmpdir(), 'logflow-serve-lag-'));
const log = join(dir, 'access.log');
writeFileSync(log, '');
const root = resolve(import.meta.dirname, '..');
const child = spawn(
  process.execPath,
  [
    join(root, 'bin/logflow.js'),
    'serve',
    log,
    '--port',
    '0',
    '--every',
    values.every!,
    '--verbose',
    '--warehouse',
    join(dir, 'warehouse.duckdb'),
  ],
  {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
const t0 = Date.now();
const since = (t: number) => ((t - t0) / 1000).toFixed(1);
const refreshes: string[] = [];
let stderr = '';
child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));

/** The serve URL, from its first lines. */
const url = await new Promise<string>((resolveUrl, reject) => {
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    for (const line of out.split('\n')) {
      const m = /serving the live report at (http:\/\/\S+)/.exec(line);
      if (m) resolveUrl(m[1]!);
    }
  });
  child.stdout.on('data', (b: Buffer) => {
    for (const line of b.toString().split('\n'))
      if (line.startsWith('refresh ')) {
        refreshes.push(`${since(Date.now())} s  ${line}`);
        process.stdout.write(`${refreshes.at(-1)}\n`);
      }
  });
  child.once('exit', (code) => reject(new Error(`logflow serve exited (${code}): ${stderr.trim().split('\n').at(-1)}`)));
});

// ---- the served data, as a browser receives it --------------------------------------------------
interface Seen {
  at: number;
  visible: number;
  lagShown: number | null;
}
const seen: Seen[] = [];
const events = get(new URL('events', url), (res) => {
  let buffer = '';
  res.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .find((l) => l.startsWith('data: '))
        ?.slice(6);
      if (data) {
        const d = JSON.parse(data) as {
          daily: (number | null)[][];
          parseErrors: (number | string)[][];
          meta: { live?: { lagSeconds: number | null } };
        };
        const hits = d.daily.reduce((sum, row) => sum + Number(row[1] ?? 0), 0);
        const errors = d.parseErrors.reduce((sum, row) => sum + Number(row[1] ?? 0), 0);
        seen.push({ at: Date.now(), visible: hits + errors, lagShown: d.meta.live?.lagSeconds ?? null });
      }
      end = buffer.indexOf('\n\n');
    }
  });
});
events.on('error', () => undefined);

// ---- memory of the serve process tree -----------------------------------------------------------
function treeRssMb(pid: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, parent] of parents) if (parent === tree[i]) tree.push(p);
  let kb = 0;
  for (const p of tree) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}
const rss: { at: number; mb: number }[] = [];
const sampler = setInterval(() => rss.push({ at: Date.now(), mb: treeRssMb(child.pid!) }), 1000);

// ---- the writer ---------------------------------------------------------------------------------
const written: { at: number; total: number; lines: number }[] = [];
let total = 0;
const started = Date.now();
process.stdout.write(`serve at ${url}; writing ${rate} lines/s for ${seconds} s into ${log}\n`);
while (Date.now() - started < seconds * 1000) {
  const due = Math.min(prepared.length, Math.floor(((Date.now() - started) / 1000) * rate));
  if (due > total) {
    appendFileSync(log, `${prepared.slice(total, due).join('\n')}\n`);
    written.push({ at: Date.now(), total: due, lines: due - total });
    total = due;
  }
  await new Promise((r) => setTimeout(r, 100));
}
const writeEnd = Date.now();
// Let the last lines through (at most --wait seconds).
while (Date.now() - writeEnd < Number(values.wait) * 1000 && (seen.at(-1)?.visible ?? 0) < total)
  await new Promise((r) => setTimeout(r, 500));
clearInterval(sampler);
events.destroy();
child.kill('SIGINT');
const exitLine = await new Promise<string>((r) => {
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.once('exit', () => r(out.trim().split('\n').at(-1) ?? ''));
});

// ---- figures ------------------------------------------------------------------------------------
// Lag of each line (its batch's), as a sorted list of [lag, lines] for quantiles weighted by lines.
const lagged: [number, number][] = [];
let invisible = 0;
for (const w of written) {
  const first = seen.find((s) => s.at >= w.at && s.visible >= w.total);
  if (first) lagged.push([(first.at - w.at) / 1000, w.lines]);
  else invisible += w.lines;
}
lagged.sort((a, b) => a[0] - b[0]);
const lags = lagged.map(([lag]) => lag);
const quantile = (_: number[], q: number) => {
  const count = lagged.reduce((sum, [, n]) => sum + n, 0);
  let running = 0;
  for (const [lag, n] of lagged) if ((running += n) >= q * count) return lag;
  return Number.NaN;
};
const half = rss.filter((s) => s.at - started < (seconds * 1000) / 2).map((s) => s.mb);
const later = rss.filter((s) => s.at - started >= (seconds * 1000) / 2).map((s) => s.mb);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
for (const s of rss.filter((_, i) => i % 30 === 0)) process.stdout.write(`rss at ${since(s.at)} s: ${s.mb.toFixed(0)} MB\n`);
process.stdout.write(
  [
    `written: ${total.toLocaleString('en')} lines at ${rate}/s for ${seconds} s (${(total / ((writeEnd - started) / 1000)).toFixed(0)}/s achieved); visible at the end: ${(seen.at(-1)?.visible ?? 0).toLocaleString('en')} (${seen.length} SSE events)`,
    `lag line written -> visible over SSE, per line: p50 ${quantile(lags, 0.5).toFixed(1)} s, p95 ${quantile(lags, 0.95).toFixed(1)} s, max ${Math.max(...lags).toFixed(1)} s${invisible > 0 ? `; ${invisible.toLocaleString('en')} line(s) not visible when the bench stopped waiting` : ''}`,
    `lag the page showed (upper bound): last ${seen.at(-1)?.lagShown?.toFixed(1) ?? '-'} s, max ${Math.max(...seen.map((s) => s.lagShown ?? 0)).toFixed(1)} s`,
    `rss of the serve process tree: min ${Math.min(...rss.map((s) => s.mb)).toFixed(0)} MB, max ${Math.max(...rss.map((s) => s.mb)).toFixed(0)} MB, mean first half ${mean(half).toFixed(0)} MB, second half ${mean(later).toFixed(0)} MB`,
    `serve: ${exitLine}`,
  ].join('\n') + '\n',
);
if (values.keep) process.stdout.write(`kept ${dir}\n`);
else rmSync(dir, { recursive: true, force: true });
