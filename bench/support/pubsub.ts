/**
 * Publish to Pub/Sub over loopback: `logflow ingest --sink pubsub` against the plain
 * @google-cloud/pubsub client (bench/support/pubsub-client.ts) publishing the same lines with the
 * same attributes, batching and flow control, to the same loopback gRPC server
 * (tests/support/pubsub-fake.ts, served from its own process by `bench/ingest.ts --serve-fake`),
 * alternating, each as a whole child process. Compares both the whole-process wall time and the
 * publishing time each reports itself (startup excluded: both load the same client through tsx).
 * Also measures what the attributes add to each message (Pub/Sub bills data + attributes).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lineAttributes } from '../../ingest/index.ts';
import { messageSize } from '../../ingest/attributes.ts';
import type { BenchLog } from './logs.ts';
import { measureProcess, median } from './measure.ts';

/** The CLI's defaults (logflow ingest --help), used by both publishers. */
export const PUBSUB_DEFAULTS = {
  topic: 'projects/bench-project/topics/logs',
  batching: { maxMessages: 1000, maxBytes: 4 * 1024 * 1024, maxMilliseconds: 10 },
  flowControl: { maxOutstandingMessages: 20_000, maxOutstandingBytes: 64 * 1024 * 1024 },
};

export interface PubsubComparison {
  lines: number;
  runs: number;
  logflow: { wallSeconds: number[]; publishSeconds: number[]; peakRssMb: number[] };
  client: { wallSeconds: number[]; publishSeconds: number[]; peakRssMb: number[] };
  /** logflow's publishing rate as a share of the plain client's (median publish times). */
  shareOfClientPublish: number;
  /** The same on whole-process wall times. */
  shareOfClientWall: number;
  attributes: AttributeBytes;
  summary: string;
}

export interface AttributeBytes {
  /** Mean bytes of line data per message. */
  dataBytes: number;
  /** Mean bytes of attribute keys + values per message. */
  attributeBytes: number;
  /** Of which the idempotency_key attribute (key + value): source_id + '@' + byte_offset, both also attributes. */
  idempotencyKeyBytes: number;
  /** Of which the source attribute (the file path). */
  sourceBytes: number;
}

export async function comparePubsub(options: {
  root: string;
  bin: string;
  dir: string;
  log: BenchLog;
  lines: number;
  repeat: number;
}): Promise<PubsubComparison> {
  const file = join(options.dir, 'pubsub.log');
  writeFileSync(file, headLines(options.log.path, options.lines));
  const attributes = attributeBytes(file);
  const server = spawn(process.execPath, ['--import', 'tsx', join(options.root, 'bench/ingest.ts'), '--serve-fake'], {
    cwd: options.root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [first] = (await once(server.stdout!, 'data')) as [Buffer];
  const endpoint = first.toString().trim();
  const result: PubsubComparison['logflow'] = { wallSeconds: [], publishSeconds: [], peakRssMb: [] };
  const client: PubsubComparison['client'] = { wallSeconds: [], publishSeconds: [], peakRssMb: [] };
  const state = join(options.dir, 'pubsub-state.json');
  process.stdout.write(`\nPub/Sub (loopback ${endpoint}), ${options.lines.toLocaleString('en-US')} lines\n`);
  try {
    const ours = async () => {
      rmSync(state, { force: true });
      const m = await measureProcess(
        'logflow ingest --sink pubsub',
        process.execPath,
        [options.bin, 'ingest', file, '--sink', 'pubsub', '--topic', PUBSUB_DEFAULTS.topic, '--state', state, '--quiet'],
        { cwd: options.root, env: { ...process.env, PUBSUB_EMULATOR_HOST: endpoint } },
      );
      const delivered = Number(/delivered ([\d,]+)/.exec(m.stderr)?.[1]?.replaceAll(',', '') ?? -1);
      if (delivered !== options.lines) throw new Error(`logflow ingest --sink pubsub delivered ${delivered}, expected ${options.lines}`);
      const seconds = Number(/ in ([\d.]+) s \(/.exec(m.stderr)?.[1]);
      result.wallSeconds.push(m.seconds);
      result.publishSeconds.push(seconds);
      result.peakRssMb.push(m.peakRssMb);
      process.stdout.write(
        `  logflow ingest --sink pubsub  ${m.seconds.toFixed(2)} s (publishing ${seconds.toFixed(2)} s), RSS ${Math.round(m.peakRssMb)} MB\n`,
      );
    };
    const plain = async () => {
      const m = await measureProcess(
        'plain client',
        process.execPath,
        ['--import', 'tsx', join(options.root, 'bench/support/pubsub-client.ts'), file, endpoint],
        { cwd: options.root },
      );
      const reported = JSON.parse(m.stdout.trim().split('\n').at(-1)!) as { messages: number; seconds: number };
      if (reported.messages !== options.lines)
        throw new Error(`the plain client published ${reported.messages}, expected ${options.lines}`);
      client.wallSeconds.push(m.seconds);
      client.publishSeconds.push(reported.seconds);
      client.peakRssMb.push(m.peakRssMb);
      process.stdout.write(
        `  plain @google-cloud/pubsub     ${m.seconds.toFixed(2)} s (publishing ${reported.seconds.toFixed(2)} s), RSS ${Math.round(m.peakRssMb)} MB\n`,
      );
    };
    for (let r = 1; r <= options.repeat; r++) {
      if (r % 2 === 1) {
        await plain();
        await ours();
      } else {
        await ours();
        await plain();
      }
    }
  } finally {
    server.stdin!.end();
    await once(server, 'close');
    rmSync(file, { force: true });
  }
  const shareOfClientPublish = median(client.publishSeconds) / median(result.publishSeconds);
  const shareOfClientWall = median(client.wallSeconds) / median(result.wallSeconds);
  const a = attributes;
  const summary =
    `Pub/Sub publish, ${options.lines.toLocaleString('en-US')} lines, loopback: logflow ingest reached ${(shareOfClientPublish * 100).toFixed(0)}% of the plain client's rate ` +
    `(${Math.round(options.lines / median(result.publishSeconds)).toLocaleString('en-US')} vs ${Math.round(options.lines / median(client.publishSeconds)).toLocaleString('en-US')} msg/s, median publishing time of ${options.repeat} alternating runs; ` +
    `${(shareOfClientWall * 100).toFixed(0)}% on whole-process wall time). Attributes: ${a.attributeBytes.toFixed(0)} B per message on ${a.dataBytes.toFixed(0)} B of line ` +
    `(${((a.attributeBytes / (a.attributeBytes + a.dataBytes)) * 100).toFixed(0)}% of the bytes billed); idempotency_key ${a.idempotencyKeyBytes.toFixed(0)} B of it, source ${a.sourceBytes.toFixed(0)} B.`;
  return {
    lines: options.lines,
    runs: options.repeat,
    logflow: result,
    client,
    shareOfClientPublish,
    shareOfClientWall,
    attributes,
    summary,
  };
}

/** The first `count` lines of a file (newline-terminated). */
function headLines(path: string, count: number): Buffer {
  const chunks: Buffer[] = [];
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    let seen = 0;
    let position = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      let from = 0;
      let end = n;
      while (seen < count) {
        const at = buffer.indexOf(0x0a, from);
        if (at === -1 || at >= n) break;
        seen += 1;
        from = at + 1;
        if (seen === count) end = from;
      }
      chunks.push(Buffer.from(buffer.subarray(0, end)));
      position += n;
      if (seen === count) break;
    }
  } finally {
    closeSync(fd);
  }
  return Buffer.concat(chunks);
}

/** Mean data and attribute bytes per message, with the attributes the ingester sets on this file. */
export function attributeBytes(file: string): AttributeBytes {
  const text = readFileSync(file);
  const source = { name: file, sourceId: 'file:0123456789abcdef0123456789abcdef', resumable: true };
  const context = { format: 'combined', ingestHost: hostname() };
  let from = 0;
  let line = 0;
  let data = 0;
  let attributes = 0;
  let key = 0;
  let sourceBytes = 0;
  for (;;) {
    const nl = text.indexOf(0x0a, from);
    if (nl === -1) break;
    line += 1;
    const a = lineAttributes(source, line, from, context);
    data += nl - from;
    attributes += messageSize(0, a);
    key += messageSize(0, { idempotency_key: a.idempotency_key! });
    sourceBytes += messageSize(0, { source: a.source! });
    from = nl + 1;
  }
  const n = Math.max(line, 1);
  return { dataBytes: data / n, attributeBytes: attributes / n, idempotencyKeyBytes: key / n, sourceBytes: sourceBytes / n };
}
