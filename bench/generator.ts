/**
 * Generator throughput: lines/s and MB/s written to a file at default realism, per format, with
 * and without the truth file, and across visitor populations (generation must not slow down as
 * the population grows).
 *
 *   npx tsx bench/generator.ts            # 1,000,000 lines per case
 *   npx tsx bench/generator.ts 200000     # smaller
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type GeneratorOptions } from '../generator/index.ts';
import { fileSink, pump } from '../generator/output.ts';

const lines = Number(process.argv[2] ?? 1_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logflow-bench-gen-'));

async function measure(label: string, options: Partial<GeneratorOptions>, withTruth: boolean): Promise<void> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const engine = createEngine({ seed: 7, lines, ...options });
  const setupMs = performance.now() - started;
  const out = fileSink(path.join(dir, 'access.log'));
  const truth = withTruth ? fileSink(path.join(dir, 'truth.ndjson')) : undefined;
  const result = await pump(engine, out, { truth });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const truthBytes = withTruth ? fs.statSync(path.join(dir, 'truth.ndjson')).size : 0;
  console.log(
    `${label.padEnd(34)} ${String(Math.round(result.lines / seconds)).padStart(9)} lines/s  ${(result.bytes / 1e6 / seconds).toFixed(1).padStart(6)} MB/s log` +
      `${withTruth ? ` + ${(truthBytes / 1e6 / seconds).toFixed(1)} MB/s truth` : ''}  (${result.lines} lines, ${(result.bytes / 1e6).toFixed(0)} MB, ${seconds.toFixed(2)} s wall incl. ${setupMs.toFixed(0)} ms setup, ${cpuSeconds.toFixed(2)} s CPU = ${Math.round(result.lines / cpuSeconds)} lines per CPU-second)`,
  );
}

console.log(
  `logflow generator benchmark: ${lines} lines per case to ${dir}, node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
);
try {
  await measure('combined (default)', {}, false);
  await measure('combined + truth', {}, true);
  await measure('common', { format: 'common' }, false);
  await measure('vcombined', { format: 'vcombined' }, false);
  await measure('json', { format: 'json' }, false);
  await measure('combined, 1,000 visitors', { visitors: 1_000 }, false);
  await measure('combined, 1,000,000 visitors', { visitors: 1_000_000 }, false);
  await measure('combined, 10,000,000 visitors', { visitors: 10_000_000 }, false);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
