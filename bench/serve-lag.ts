/**
 * End-to-end lag and memory of `logflow serve` on a followed file (issue 12).
 *
 *   npm run bench:serve -- [--rate 1000] [--minutes 2] [--every 1s] [--sample 10] [--seed 7]
 *                          [--wait 600] [--json FILE] [--refreshes] [--keep]
 *
 * The figures the issue asks for, each from one run on a quiet machine:
 *   npm run bench:serve -- --rate 1000 --minutes 10 --json serve-1k.json
 *   npm run bench:serve -- --rate 10000 --minutes 10 --json serve-10k.json
 *
 * What it does:
 * 1. Generates rate x minutes lines (timestamps now) into a file in a temporary directory before
 *    anything starts, so the generator competes with neither the writer nor serve.
 * 2. Writes a warm-up of min(rate, 1000) lines, starts `logflow serve FILE --port 0 --every E
 *    --verbose` on a fresh warehouse there (in its own process group), and waits for the first
 *    server-sent event that shows them: compile, the first-run bundled geo load and the first
 *    transform, reported as "first publish", not counted as lag.
 * 3. Appends the lines at --rate per wall-clock second in 100 ms batches for --minutes, and
 *    listens to /events as a browser does. A line is visible when the served data's hits (bots
 *    included) plus quarantined lines reach its position in the file: the lag of a batch is the
 *    first event that shows it minus the time it was written. Percentiles are per line.
 * 4. Samples the RSS of serve's process tree from /proc every --sample seconds from the first
 *    timed line to the end of writing, prints the series, and summarises it as the first-minute
 *    and last-minute medians and the least-squares slope (MB/min) after the first minute: with
 *    --minutes 10 that shows whether memory stays flat.
 * 5. Waits at most --wait seconds for the last lines to show, stops serve with SIGINT (SIGKILL to
 *    its process group after 180 s: a refresh under way finishes first), prints its summary
 *    line, and removes the directory unless --keep. Ctrl-C (or SIGTERM) of the bench stops writing early and reports what it measured;
 *    serve never outlives the bench.
 *
 * Exit status 0 when every written line became visible and serve stopped cleanly, else 1.
 * --json FILE also writes the figures (and the series) as JSON. --refreshes prints serve's
 * per-refresh lines (new lines, transform and whole-refresh seconds, lag, RSS) as they come.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
  appendFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../generator/index.ts';
import { median, summarizeMemory, weightedQuantile } from './support/series.ts';

function fail(message: string): never {
  process.stderr.write(`bench:serve: ${message}\n`);
  process.exit(2);
}

const OPTIONS = {
  rate: { type: 'string', default: '1000' },
  minutes: { type: 'string', default: '2' },
  every: { type: 'string', default: '1s' },
  sample: { type: 'string', default: '10' },
  seed: { type: 'string', default: '7' },
  wait: { type: 'string', default: '600' },
  json: { type: 'string' },
  refreshes: { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
} as const;
function parse() {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (error) {
    return fail(`${(error as Error).message} (see the header of bench/serve-lag.ts)`);
  }
}
const { values } = parse();
const rate = Number(values.rate);
const seconds = Number(values.minutes) * 60;
const sampleSeconds = Number(values.sample);
const waitSeconds = Number(values.wait);
if (!(rate > 0) || !(seconds > 0)) fail(`--rate and --minutes must be positive numbers, got ${values.rate} and ${values.minutes}`);
if (!(sampleSeconds >= 0.5)) fail(`--sample must be at least 0.5 (seconds), got ${values.sample}`);
if (!(waitSeconds >= 0)) fail(`--wait must be a number of seconds, got ${values.wait}`);

const dir = mkdtempSync(join(tmpdir(), 'logflow-serve-lag-'));
const log = join(dir, 'access.log');
const say = (line: string) => process.stdout.write(`${line}\n`);

// ---- 1. the lines, generated before anything starts, with the byte offset of every line --------
const warm = Math.min(1000, Math.ceil(rate));
const count = warm + Math.ceil(rate * seconds);
const generating = Date.now();
const preparedPath = join(dir, 'prepared.log');
const offsets = new Float64Array(count + 1);
{
  const engine = createEngine({ seed: Number(values.seed), lines: null, linesPerSecond: rate, start: new Date(), diurnal: false });
  const fd = openSync(preparedPath, 'w');
  let chunk: string[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const line = `${engine.next()}\n`;
    chunk.push(line);
    bytes += Buffer.byteLength(line);
    offsets[i + 1] = bytes;
    if (chunk.length === 10_000) {
      writeSync(fd, chunk.join(''));
      chunk = [];
    }
  }
  writeSync(fd, chunk.join(''));
  closeSync(fd);
}
say(`generated ${count.toLocaleString('en')} lines in ${((Date.now() - generating) / 1000).toFixed(1)} s`);
const prepared = openSync(preparedPath, 'r');
/** Appends lines [from, to) of the prepared file to the followed log. */
function writeLines(from: number, to: number): void {
  const buffer = Buffer.alloc(offsets[to]! - offsets[from]!);
  readSync(prepared, buffer, 0, buffer.length, offsets[from]!);
  appendFileSync(log, buffer);
}

// ---- 2. serve, in its own process group, never outliving the bench ------------------------------
writeFileSync(log, '');
writeLines(0, warm);
const root = resolve(import.meta.dirname, '..');
const started = Date.now();
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
  { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
);
let childExit: number | null | undefined;
const exited = new Promise<number | null>((r) =>
  child.once('exit', (code, signal) => {
    childExit = code ?? (signal ? 128 : null);
    r(childExit);
  }),
);
const killGroup = (signal: NodeJS.Signals) => {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
};
process.on('exit', () => {
  if (childExit === undefined) killGroup('SIGKILL');
});
let interrupted = false;
let interruptedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    // One Ctrl-C reaches this process more than once (the terminal's process group, then npm's and
    // tsx's relays): only a signal 2 s after the first means "kill at once".
    if (interrupted && Date.now() - interruptedAt > 2000) {
      process.stderr.write(`bench:serve: second ${signal}: serve killed\n`);
      killGroup('SIGKILL');
      process.exit(130);
    }
    if (interrupted) return;
    interrupted = true;
    interruptedAt = Date.now();
    process.stderr.write(`bench:serve: ${signal}: stopping early, reporting what was measured (again after 2 s to kill at once)\n`);
  });

let stdout = '';
let stderr = '';
const refreshLines: { at: number; line: string }[] = [];
child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
child.stdout.on('data', (b: Buffer) => {
  const text = b.toString();
  stdout += text;
  for (const line of text.split('\n'))
    if (line.startsWith('refresh ')) {
      refreshLines.push({ at: Date.now(), line });
      if (values.refreshes) say(`${((Date.now() - started) / 1000).toFixed(1)} s  ${line}`);
    }
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const url = await new Promise<string | null>((resolveUrl) => {
  const poll = setInterval(() => {
    const m = /serving the live report at (http:\/\/\S+)/.exec(stdout);
    if (m || childExit !== undefined || interrupted) {
      clearInterval(poll);
      resolveUrl(m?.[1] ?? null);
    }
  }, 50);
});

// ---- the served data, as a browser receives it ---------------------------------------------------
interface Seen {
  at: number;
  visible: number;
  lagShown: number | null;
}
const seen: Seen[] = [];
const events = url
  ? get(new URL('events', url), (res) => {
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
    })
  : null;
events?.on('error', () => undefined);
const running = () => childExit === undefined && !interrupted;

// warm-up: compile, bundled geo load, first transform
while (running() && (seen.at(-1)?.visible ?? 0) < warm && Date.now() - started < waitSeconds * 1000) await sleep(200);
const firstPublish = seen.length > 0 ? (seen[0]!.at - started) / 1000 : null;
if (url && firstPublish !== null)
  say(`serve at ${url}; first publish after ${firstPublish.toFixed(1)} s (compile, bundled geo load, first transform)`);

// ---- 3. the writer, 4. the memory sampler --------------------------------------------------------
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
const written: { at: number; total: number; lines: number }[] = [];
const rss: [number, number][] = [];
let total = warm;
const writeStart = Date.now();
let writeEnd = writeStart;
if (running() && (seen.at(-1)?.visible ?? 0) >= warm) {
  const sample = () => rss.push([(Date.now() - writeStart) / 1000, treeRssMb(child.pid!)]);
  sample();
  const sampler = setInterval(sample, sampleSeconds * 1000);
  say(`writing ${rate} lines/s for ${seconds} s into ${log}; sampling serve's RSS every ${sampleSeconds} s`);
  while (running() && Date.now() - writeStart < seconds * 1000) {
    const due = Math.min(count, warm + Math.floor(((Date.now() - writeStart) / 1000) * rate));
    if (due > total) {
      writeLines(total, due);
      written.push({ at: Date.now(), total: due, lines: due - total });
      total = due;
    }
    await sleep(100);
  }
  writeEnd = Date.now();
  clearInterval(sampler);
  if (running()) sample();
  // let the last lines through (at most --wait seconds)
  while (running() && Date.now() - writeEnd < waitSeconds * 1000 && (seen.at(-1)?.visible ?? 0) < total) await sleep(500);
} else if (childExit !== undefined) {
  process.stderr.write(
    `bench:serve: logflow serve exited (${childExit}) before its first publish: ${stderr.trim().split('\n').at(-1) ?? ''}\n`,
  );
} else if (!interrupted) {
  process.stderr.write(`bench:serve: no publish showing the ${warm} warm-up lines within --wait ${waitSeconds} s\n`);
}

// ---- 5. stop serve ---------------------------------------------------------------------------------
events?.destroy();
closeSync(prepared);
if (childExit === undefined) {
  child.kill('SIGINT');
  const stopped = await Promise.race([exited.then(() => true), sleep(180_000).then(() => false)]);
  if (!stopped) {
    process.stderr.write('bench:serve: serve did not stop within 180 s of SIGINT; killed\n');
    killGroup('SIGKILL');
    await exited;
  }
}
const serveSummary = stdout.trim().split('\n').at(-1) ?? '';

// ---- figures ---------------------------------------------------------------------------------------
const lagged: [number, number][] = [];
let invisible = 0;
for (const w of written) {
  const first = seen.find((s) => s.at >= w.at && s.visible >= w.total);
  if (first) lagged.push([(first.at - w.at) / 1000, w.lines]);
  else invisible += w.lines;
}
const q = (p: number) => weightedQuantile(lagged, p);
const lag = { p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: q(1) };
const timed = total - warm;
const measured = (writeEnd - writeStart) / 1000;
const memory = rss.length > 0 ? summarizeMemory(rss, measured) : null;
const refreshes = refreshLines.map(({ line }) => ({
  lines: Number(/: ([\d,]+) new lines/.exec(line)?.[1]?.replace(/,/g, '') ?? Number.NaN),
  transform: Number(/transform ([\d.]+) s/.exec(line)?.[1] ?? Number.NaN),
  whole: Number(/whole refresh ([\d.]+) s/.exec(line)?.[1] ?? Number.NaN),
}));
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');
const clock = (t: number) => `${Math.floor(t / 60)}:${String(Math.round(t % 60)).padStart(2, '0')}`;

if (rss.length > 0) {
  say(`rss of serve's process tree (MB) every ${sampleSeconds} s from the first timed line (m:ss MB):`);
  for (let i = 0; i < rss.length; i += 8)
    say(
      `  ${rss
        .slice(i, i + 8)
        .map(([t, mb]) => `${clock(t).padStart(5)} ${f0(mb).padStart(4)}`)
        .join('  ')}`,
    );
}
say(
  [
    `written: ${timed.toLocaleString('en')} lines at ${rate}/s over ${f1(measured)} s (${f0(timed / Math.max(measured, 1e-9))}/s achieved) after ${warm} warm-up lines; visible at the end: ${(seen.at(-1)?.visible ?? 0).toLocaleString('en')} of ${total.toLocaleString('en')} (${seen.length} SSE events)${interrupted ? '; INTERRUPTED' : ''}`,
    `lag line written -> visible over SSE at ${rate} lines/s, --every ${values.every}, per line: p50 ${f1(lag.p50)} s, p90 ${f1(lag.p90)} s, p95 ${f1(lag.p95)} s, p99 ${f1(lag.p99)} s, max ${f1(lag.max)} s${invisible > 0 ? `; ${invisible.toLocaleString('en')} line(s) not visible when the bench stopped waiting` : ''}`,
    `lag the page showed (its upper bound): median ${f1(median(seen.map((s) => s.lagShown ?? Number.NaN).filter(Number.isFinite)))} s, max ${f1(Math.max(...seen.map((s) => s.lagShown ?? 0)))} s`,
    `refreshes: ${refreshes.length}, median ${f0(median(refreshes.map((r) => r.lines)))} new lines, transform median ${f1(median(refreshes.map((r) => r.transform)))} s (max ${f1(Math.max(...refreshes.map((r) => r.transform)))}), whole refresh median ${f1(median(refreshes.map((r) => r.whole)))} s (max ${f1(Math.max(...refreshes.map((r) => r.whole)))})`,
    memory
      ? `memory (serve's process tree RSS): first-minute median ${f0(memory.firstMinuteMedian)} MB, last-minute median ${f0(memory.lastMinuteMedian)} MB (${memory.lastMinuteMedian >= memory.firstMinuteMedian ? '+' : ''}${f0(memory.lastMinuteMedian - memory.firstMinuteMedian)} MB), slope ${memory.slopePerMinute >= 0 ? '+' : ''}${f1(memory.slopePerMinute)} MB/min over ${memory.slopeOver}, min ${f0(memory.min)} MB, max ${f0(memory.max)} MB, ${rss.length} samples${measured < 120 ? ' (a run under 2 minutes: first and last minute overlap)' : ''}`
      : 'memory: no samples (serve did not reach its first publish)',
    `serve (exit ${childExit}): ${serveSummary}`,
  ].join('\n'),
);
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify(
      {
        command: `npm run bench:serve -- ${process.argv.slice(2).join(' ')}`.trim(),
        at: new Date(started).toISOString(),
        rate,
        every: values.every,
        secondsWritten: measured,
        linesWritten: timed,
        warmupLines: warm,
        firstPublishSeconds: firstPublish,
        invisibleLines: invisible,
        interrupted,
        lagSeconds: lag,
        memoryMb: memory,
        rssSeries: rss.map(([t, mb]) => [Number(t.toFixed(1)), Number(mb.toFixed(1))]),
        refreshes: refreshes.length,
        serveExit: childExit,
      },
      null,
      2,
    )}\n`,
  );
  say(`figures written to ${values.json}`);
}
if (values.keep) say(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
process.exit(invisible === 0 && written.length > 0 && childExit === 0 && !interrupted ? 0 : 1);
