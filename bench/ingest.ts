/**
 * Ingest benchmarks (issue 4):
 *   npx tsx bench/ingest.ts [--lines 1000000] [--only local|pubsub] [--seed 1]
 * 1. File -> local landing: 1M generated combined lines into a fresh DuckDB warehouse (goal
 *    >= 500,000 lines/s).
 * 2. File -> Pub/Sub against the loopback server (tests/support/pubsub-fake.ts, run in a child
 *    process so that it does not share the ingester's event loop), default batching and flow
 *    control (goal >= 100,000 lines/s), with the ingester's peak RSS.
 * The log file is generated first (not timed) in a temporary directory, removed at the end.
 */
import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { PubSub } from '@google-cloud/pubsub';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { generateLines } from '../generator/index.ts';
import { lineAttributes, runIngest, type IngestSummary } from '../ingest/index.ts';
import { startPubsubFake } from '../tests/support/pubsub-fake.ts';

const { values } = parseArgs({
  options: { lines: { type: 'string' }, only: { type: 'string' }, seed: { type: 'string' }, 'serve-fake': { type: 'boolean' } },
});

if (values['serve-fake']) {
  const fake = await startPubsubFake({ record: false });
  process.stdout.write(`${fake.endpoint}\n`);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text: string) => {
    for (const command of text.split('\n')) {
      if (command === 'stall') fake.stall();
      if (command === 'resume') fake.resume();
    }
  });
  process.stdin.on('end', () => {
    process.stderr.write(`fake received ${fake.received} messages in ${fake.requests.length} requests\n`);
    void fake.stop().then(() => process.exit(0));
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const lines = Number(values.lines ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'logflow-bench-ingest-'));
  try {
    const file = join(dir, 'access.log');
    const t0 = performance.now();
    const out = createWriteStream(file);
    let buffer: string[] = [];
    for (const line of generateLines({ lines, seed: Number(values.seed ?? 1), format: 'combined' })) {
      buffer.push(line);
      if (buffer.length === 10_000) {
        if (!out.write(buffer.join('\n') + '\n')) await once(out, 'drain');
        buffer = [];
      }
    }
    if (buffer.length > 0) out.write(buffer.join('\n') + '\n');
    out.end();
    await once(out, 'finish');
    const size = statSync(file).size;
    console.log(
      `generated ${lines.toLocaleString('en-US')} combined lines (${(size / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    if (values.only !== 'pubsub') {
      const summary = await measure(() => runIngest({ inputs: [file], warehouse: join(dir, 'bench.duckdb'), report: console.error }));
      print('file -> local landing', summary);
    }
    if (values.only !== 'local') {
      const server = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve-fake'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const [first] = (await once(server.stdout!, 'data')) as [Buffer];
      const endpoint = first.toString().trim();
      const options = {
        inputs: [file],
        sink: 'pubsub' as const,
        statePath: join(dir, 'state.json'),
        report: console.error,
        pubsub: {
          topic: 'projects/bench-project/topics/logs',
          endpoint,
          // the CLI's defaults (logflow ingest --help)
          batching: { maxMessages: 1000, maxBytes: 4 * 1024 * 1024, maxMilliseconds: 10 },
          flowControl: { maxOutstandingMessages: 20_000, maxOutstandingBytes: 64 * 1024 * 1024 },
          retries: 5,
          timeoutMs: 60_000,
        },
      };
      try {
        const summary = await measure(() => runIngest(options));
        print('file -> Pub/Sub (loopback)', summary);
        // the ceiling: the bare client publishing the same number of same-sized messages
        const head = Buffer.alloc(1 << 20);
        const fd = openSync(file, 'r');
        readSync(fd, head, 0, head.length, 0);
        closeSync(fd);
        const sample = head.toString('utf8').split('\n', 1000);
        const attributes = lineAttributes(
          { name: file, sourceId: 'file:0123456789abcdef0123456789abcdef', resumable: true },
          123456,
          12345678,
          { format: 'combined', ingestHost: hostname() },
        );
        const pubsub = new PubSub({
          projectId: 'bench-project',
          apiEndpoint: endpoint,
          emulatorMode: true,
          universeDomain: 'googleapis.com',
        });
        const topic = pubsub.topic('projects/bench-project/topics/logs', {
          batching: options.pubsub.batching,
          flowControlOptions: options.pubsub.flowControl,
        });
        const flow = topic.flowControlled();
        const cpu = process.cpuUsage();
        const t = performance.now();
        for (let i = 0; i < summary.delivered; i++) {
          const wait = flow.publish({ data: Buffer.from(sample[i % sample.length]!), attributes });
          if (wait) await wait;
        }
        await flow.all();
        const wall = (performance.now() - t) / 1000;
        const used = process.cpuUsage(cpu);
        console.log(
          `bare client, same messages, batching and flow control: ${Math.round(summary.delivered / wall).toLocaleString('en-US')} msg/s, CPU ${((used.user + used.system) / 1e6).toFixed(2)} s; the ingester reached ${((summary.delivered / summary.wallSeconds / (summary.delivered / wall)) * 100).toFixed(0)}% of it`,
        );
        await pubsub.close();
        // memory under backpressure: the server holds every answer for 3 s
        rmSync(options.statePath, { force: true });
        server.stdin!.write('stall\n');
        const rssBefore = process.memoryUsage().rss;
        let peakStalled = rssBefore;
        const sampler = setInterval(() => (peakStalled = Math.max(peakStalled, process.memoryUsage().rss)), 20);
        const stalledRun = runIngest(options);
        await new Promise((r) => setTimeout(r, 3000));
        clearInterval(sampler);
        server.stdin!.write('resume\n');
        const after = await stalledRun;
        console.log(
          `stalled server for 3 s (flow control ${options.pubsub.flowControl.maxOutstandingMessages} messages / ${options.pubsub.flowControl.maxOutstandingBytes / 2 ** 20} MiB): ` +
            `RSS ${(rssBefore / 1e6).toFixed(0)} MB before, peak ${(peakStalled / 1e6).toFixed(0)} MB while stalled (the file is ${(size / 1e6).toFixed(0)} MB); then delivered ${after.delivered.toLocaleString('en-US')}`,
        );
      } finally {
        server.stdin!.end();
        await once(server, 'close');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Measured = IngestSummary & { peakRssMb: number; wallSeconds: number; cpuSeconds: number };

/** Wall time, CPU time of this process (JS thread, DuckDB's and gRPC's threads) and peak RSS. */
async function measure(run: () => Promise<IngestSummary>): Promise<Measured> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t = performance.now();
  const cpu = process.cpuUsage();
  try {
    const summary = await run();
    const used = process.cpuUsage(cpu);
    return { ...summary, peakRssMb: peak / 1e6, wallSeconds: (performance.now() - t) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
  } finally {
    clearInterval(timer);
  }
}

function print(name: string, s: Measured): void {
  const rate = Math.round(s.delivered / s.wallSeconds);
  console.log(
    `${name}: ${s.delivered.toLocaleString('en-US')} lines delivered (failed ${s.failed}, retried ${s.retried}) in ${s.wallSeconds.toFixed(2)} s = ${rate.toLocaleString('en-US')} lines/s, ${(s.bytes / 1e6 / s.wallSeconds).toFixed(1)} MB/s, peak RSS ${s.peakRssMb.toFixed(0)} MB; ` +
      `CPU ${s.cpuSeconds.toFixed(2)} s (${Math.round(s.delivered / s.cpuSeconds).toLocaleString('en-US')} lines per CPU-second); load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
  );
}
