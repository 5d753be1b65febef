/**
 * The whole local pipeline against its peers, side by side on the same file (issue 15):
 *   npm run bench -- [--lines 1000000] [--seed 9] [--repeat 3] [--extra 10000] [--dir DIR]
 *                    [--pubsub | --only pubsub] [--readme] [--results FILE] [--no-results] [--no-peers]
 *
 * Generates one combined log (not timed; bench/support/logs.ts: the first --lines lines of one
 * generated stream, the next --extra lines kept as its continuation), then, --repeat times,
 * alternating the order of the peers and logflow from one repeat to the next, times each step as
 * a whole child process from outside (wall time, CPU time, peak RSS: bench/support/measure.ts):
 *   - GoAccess 1.7: `goaccess FILE --log-format=COMBINED -o report.json` (single thread);
 *   - lnav, when installed: one SQL aggregate over the file (hits, visitors, bytes per day);
 *   - `logflow ingest FILE` into a fresh local warehouse;
 *   - `logflow transform`: the first build, every model, assertions included;
 *   - the continuation appended to the file, `logflow ingest FILE` again (resumes at its
 *     checkpoint), then `logflow transform`: the incremental run after +extra lines;
 *   - the whole pipeline: ingest + first build of the same repeat.
 * Prints the table (median wall, lines/s, ratio to GoAccess's median in the same run, peak RSS,
 * median CPU), the incremental run as a share of the first build, and writes bench/results.json
 * (machine, load, versions, every run). --readme copies the table into README.md between
 * <!-- bench:pipeline:start --> and <!-- bench:pipeline:end -->. --pubsub also compares
 * `logflow ingest --sink pubsub` with the plain @google-cloud/pubsub client on a loopback
 * server (bench/support/pubsub.ts). GoAccess must be on PATH (Debian package `goaccess`).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { boundaryTimes, prepareLog } from './support/logs.ts';
import { ChildFailed, measureProcess, median, rssMethod, type ProcessMeasure } from './support/measure.ts';
import { markdownTable, summarize, updateReadme, type StepRuns } from './support/table.ts';
import { comparePubsub, type PubsubComparison } from './support/pubsub.ts';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/logflow.js');
const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '9' },
    repeat: { type: 'string', default: '3' },
    extra: { type: 'string', default: '10000' },
    dir: { type: 'string' },
    pubsub: { type: 'boolean', default: false },
    only: { type: 'string' },
    'pubsub-lines': { type: 'string', default: '200000' },
    readme: { type: 'boolean', default: false },
    results: { type: 'string', default: 'bench/results.json' },
    'no-peers': { type: 'boolean', default: false },
    'no-results': { type: 'boolean', default: false },
  },
});
const lines = positiveInt('lines', values.lines);
const extra = positiveInt('extra', values.extra);
const repeat = positiveInt('repeat', values.repeat);
const seed = positiveInt('seed', values.seed, 0);
if (values.only !== undefined && values.only !== 'pubsub') fail(`--only takes pubsub, got '${values.only}'`);
/** --only pubsub: the Pub/Sub comparison alone (on the first --pubsub-lines lines of the generated log). */
const pubsubOnly = values.only === 'pubsub';

function positiveInt(name: string, text: string | undefined, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be a whole number >= ${min}, got '${text}'`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

function version(command: string, args: string[]): string | null {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  if (run.error || run.status !== 0) return null;
  return `${run.stdout}${run.stderr}`.trim().split('\n')[0]!.trim();
}

const goaccessVersion = values['no-peers'] ? null : version('goaccess', ['--version']);
if (!goaccessVersion && !values['no-peers']) fail('goaccess is not installed (apt-get install goaccess); nothing to compare against');
const lnavVersion = values['no-peers'] ? null : version('lnav', ['-V']);
const GOACCESS = 'GoAccess, to a JSON report';
const LNAV = 'lnav, one SQL aggregate over the file';
const INGEST = '`logflow ingest` (fresh local warehouse)';
const BUILD = '`logflow transform` (first build)';
const INGEST_MORE = `\`logflow ingest\` +${extra.toLocaleString('en-US')} lines (resumes)`;
const INCREMENTAL = `\`logflow transform\` after +${extra.toLocaleString('en-US')} lines`;
const PIPELINE = 'whole pipeline (ingest + first build)';

const dir = values.dir ? resolve(values.dir) : mkdtempSync(join(tmpdir(), 'logflow-bench-'));
mkdirSync(dir, { recursive: true });
const loadBefore = loadavg();
const started = new Date();
try {
  process.stdout.write(`generating ${(lines + extra).toLocaleString('en-US')} combined lines (seed ${seed}) in ${dir} ...\n`);
  const log = await prepareLog(bin, dir, lines, extra, seed);
  const times = boundaryTimes(log);
  process.stdout.write(
    `${lines.toLocaleString('en-US')} lines, ${(log.baseBytes / 1e6).toFixed(0)} MB, ending ${times.lastOfLog}; continuation of ${extra.toLocaleString('en-US')} lines from ${times.firstOfContinuation}\n` +
      `load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores; peak RSS: ${rssMethod()}\n\n`,
  );
  const warehouse = join(dir, 'warehouse.duckdb');
  const runs = new Map<string, StepRuns>();
  const record = (step: string, count: number, m: ProcessMeasure) => {
    const r = runs.get(step) ?? { step, lines: count, seconds: [], cpuSeconds: [], peakRssMb: [] };
    r.seconds.push(m.seconds);
    r.cpuSeconds.push(m.cpuSeconds);
    r.peakRssMb.push(m.peakRssMb);
    runs.set(step, r);
    process.stdout.write(
      `  ${step.padEnd(48)} ${m.seconds.toFixed(2).padStart(8)} s  CPU ${m.cpuSeconds.toFixed(1).padStart(6)} s  RSS ${Math.round(m.peakRssMb).toString().padStart(5)} MB\n`,
    );
    return m;
  };
  const logflow = (args: string[]) => measureProcess(`logflow ${args[0]}`, process.execPath, [bin, ...args], { cwd: root });
  for (const step of [
    ...(goaccessVersion ? [GOACCESS] : []),
    ...(lnavVersion ? [LNAV] : []),
    INGEST,
    BUILD,
    INGEST_MORE,
    INCREMENTAL,
    PIPELINE,
  ]) {
    runs.set(step, {
      step,
      lines: step === INGEST_MORE || step === INCREMENTAL ? extra : lines,
      seconds: [],
      cpuSeconds: [],
      peakRssMb: [],
    });
  }

  const peers = async () => {
    if (!goaccessVersion) return;
    record(
      GOACCESS,
      lines,
      await measureProcess('goaccess', 'goaccess', [log.path, '--log-format=COMBINED', '--no-progress', '-o', join(dir, 'report.json')], {
        cwd: dir,
      }),
    );
    if (lnavVersion) {
      // lnav keeps its state under HOME: a folder of its own, so that it starts the same every run
      const home = join(dir, 'lnav-home');
      mkdirSync(home, { recursive: true });
      const sql =
        ';SELECT date(log_time) AS day, count(*) AS hits, count(DISTINCT c_ip || cs_user_agent) AS visitors, sum(sc_bytes) AS bytes FROM access_log GROUP BY 1';
      const m = await measureProcess('lnav', 'lnav', ['-n', '-c', sql, log.path], { cwd: dir, env: { ...process.env, HOME: home } });
      record(LNAV, lines, m);
    }
  };
  const ours = async () => {
    truncateSync(log.path, log.baseBytes);
    for (const suffix of ['', '.wal']) rmSync(warehouse + suffix, { force: true });
    const ingest = record(INGEST, lines, await logflow(['ingest', log.path, '--warehouse', warehouse, '--quiet']));
    expectDelivered(ingest, lines);
    const build = record(BUILD, lines, await logflow(['transform', '--warehouse', warehouse, '--quiet']));
    const pipeline = runs.get(PIPELINE)!;
    pipeline.seconds.push(ingest.seconds + build.seconds);
    pipeline.cpuSeconds.push(ingest.cpuSeconds + build.cpuSeconds);
    pipeline.peakRssMb.push(Math.max(ingest.peakRssMb, build.peakRssMb));
    appendFileSync(log.path, readFileSync(log.continuationPath));
    expectDelivered(record(INGEST_MORE, extra, await logflow(['ingest', log.path, '--warehouse', warehouse, '--quiet'])), extra);
    record(INCREMENTAL, extra, await logflow(['transform', '--warehouse', warehouse, '--quiet']));
  };
  for (let r = 1; r <= (pubsubOnly ? 0 : repeat); r++) {
    process.stdout.write(`run ${r} of ${repeat}\n`);
    if (r % 2 === 1) {
      await peers();
      await ours();
    } else {
      await ours();
      await peers();
    }
  }

  const results = summarize([...runs.values()], GOACCESS);
  const table = markdownTable(results);
  const full = runs.get(BUILD)!;
  const incremental = runs.get(INCREMENTAL)!;
  const incrementalShare = pubsubOnly ? null : median(incremental.seconds) / median(full.seconds);
  let pubsub: PubsubComparison | null = null;
  if (values.pubsub || pubsubOnly) {
    pubsub = await comparePubsub({
      root,
      bin,
      dir,
      log,
      lines: Math.min(lines, positiveInt('pubsub-lines', values['pubsub-lines'])),
      repeat,
    });
  }
  const loadAfter = loadavg();
  const command = `npm run bench -- --lines ${lines} --seed ${seed} --repeat ${repeat}${extra !== 10_000 ? ` --extra ${extra}` : ''}`;
  const note =
    `${lines.toLocaleString('en-US')} generated combined lines (seed ${seed}, ${(log.baseBytes / 1e6).toFixed(0)} MB), ${repeat} alternating run(s), ` +
    `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores, load average ${loadBefore[0]!.toFixed(1)} before / ${loadAfter[0]!.toFixed(1)} after; ` +
    `peak RSS by ${existsTime() ? 'GNU time %M' : '/proc VmHWM polling'}; \`logflow transform\` after +${extra.toLocaleString('en-US')} lines took ${incrementalShare === null ? 'n/a' : (incrementalShare * 100).toFixed(1)}% of the first build's time.`;
  process.stdout.write(`\n${pubsubOnly ? '' : `${table}\n\n${note}\n`}${pubsub ? `\n${pubsub.summary}\n` : ''}`);
  if (!values['no-results']) {
    const file = resolve(root, values.results);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          command,
          date: started.toISOString(),
          finished: new Date().toISOString(),
          machine: {
            cores: cpus().length,
            cpu: cpus()[0]?.model ?? null,
            memoryGb: Math.round(totalmem() / 2 ** 30),
            kernel: release(),
            loadAverageBefore: loadBefore,
            loadAverageAfter: loadAfter,
            sharedNote: 'other processes may have been running: compare ratios measured in the same run, not absolute times',
          },
          versions: {
            node: process.version,
            duckdb: duckdbVersion(),
            goaccess: goaccessVersion,
            lnav: lnavVersion,
            logflow: version('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
          },
          input: {
            lines,
            seed,
            extra,
            bytes: log.baseBytes,
            lastTimestamp: times.lastOfLog,
            continuationStarts: times.firstOfContinuation,
          },
          rssMethod: rssMethod(),
          memoryLimit: process.env.LOGFLOW_MEMORY_LIMIT ?? 'default',
          steps: results,
          incrementalShareOfFirstBuild: incrementalShare,
          pubsub,
          table,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`wrote ${file}\n`);
  }
  if (values.readme && !pubsubOnly) {
    const block = `${table}\n\n${note} Reproduce: \`${command}\` (writes \`bench/results.json\`).`;
    if (!updateReadme(join(root, 'README.md'), block)) fail('README.md has no <!-- bench:pipeline:start --> marker');
    process.stdout.write('README.md: table updated\n');
  }
} catch (error) {
  if (error instanceof ChildFailed) fail(error.message);
  throw error;
} finally {
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
}

function expectDelivered(m: ProcessMeasure, expected: number): void {
  const delivered = /delivered ([\d,]+)/.exec(m.stdout + m.stderr)?.[1];
  if (delivered === undefined || Number(delivered.replaceAll(',', '')) !== expected) {
    fail(`logflow ingest delivered ${delivered ?? 'an unknown number of'} lines, expected ${expected.toLocaleString('en-US')}`);
  }
}

function existsTime(): boolean {
  return rssMethod().startsWith('GNU');
}

function duckdbVersion(): string | null {
  const run = spawnSync(process.execPath, ['-e', "import('@duckdb/node-api').then(m => console.log(m.version()))"], {
    cwd: root,
    encoding: 'utf8',
  });
  return run.status === 0 ? run.stdout.trim() : null;
}
