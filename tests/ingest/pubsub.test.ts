import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { PubSub } from '@google-cloud/pubsub';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { runIngest, lineAttributes, TRUNCATED_PREFIX_BYTES, type IngestOptions } from '../../ingest/index.ts';
import { LogflowError } from '../../core/errors.ts';
import { startPubsubFake, type PubsubFake } from '../support/pubsub-fake.ts';

let fake: PubsubFake;
let dir: string;
const TOPIC = 'projects/test-project/topics/logs';
const messages: string[] = [];

beforeAll(async () => {
  fake = await startPubsubFake();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-pubsub-'));
  fake.messages.length = 0;
  fake.requests.length = 0;
  fake.clearFaults();
  fake.setDelay(0);
  fake.resume();
  fake.calls = 0;
  messages.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => `192.0.2.${i % 250} - - [17/May/2015:10:05:03 +0000] "GET /item/${i} HTTP/1.1" 200 ${i}`);

function options(file: string, over: Partial<NonNullable<IngestOptions['pubsub']>> = {}): IngestOptions {
  return {
    inputs: [file],
    sink: 'pubsub',
    statePath: join(dir, 'state.json'),
    report: (m) => messages.push(m),
    ingestHost: 'h1',
    batch: { maxLines: 100 },
    pubsub: {
      topic: TOPIC,
      endpoint: fake.endpoint,
      batching: { maxMessages: 50, maxBytes: 1 << 20, maxMilliseconds: 5 },
      flowControl: { maxOutstandingMessages: 200, maxOutstandingBytes: 1 << 24 },
      retries: 3,
      timeoutMs: 1500,
      ...over,
    },
  };
}

function writeLog(n: number): string {
  const file = join(dir, 'access.log');
  writeFileSync(file, lines(n).join('\n') + '\n');
  return file;
}

function state(): { offset: number; line: number }[] {
  const path = join(dir, 'state.json');
  if (!existsSync(path)) return [];
  return Object.values(
    (JSON.parse(readFileSync(path, 'utf8')) as { checkpoints: Record<string, { offset: number; line: number }> }).checkpoints,
  );
}

const receivedLines = () => new Set(fake.messages.map((m) => Number(m.attributes.line_number)));

describe('runIngest() to Pub/Sub (loopback server, real client)', () => {
  it('publishes every line once with its attributes, honouring maxMessages', async () => {
    const file = writeLog(1000);
    const s = await runIngest(options(file));
    expect(s).toMatchObject({ read: 1000, delivered: 1000, failed: 0, retried: 0 });
    expect(fake.messages).toHaveLength(1000);
    expect(fake.messages.map((m) => m.data.toString()).sort()).toEqual(lines(1000).sort());
    const m = fake.messages.find((x) => x.attributes.line_number === '3')!;
    expect(m.attributes).toEqual(
      lineAttributes({ name: file, sourceId: m.attributes.source_id!, resumable: true }, 3, Number(m.attributes.byte_offset), {
        format: 'combined',
        ingestHost: 'h1',
      }),
    );
    expect(m.topic).toBe(TOPIC);
    expect(Math.max(...fake.requests)).toBeLessThanOrEqual(50);
    expect(state()).toEqual([expect.objectContaining({ line: 1000 })]);
    const again = await runIngest(options(file));
    expect(again).toMatchObject({ read: 0, resumedLines: 1000 });
  });

  it('honours maxBytes: no publish request carries more bytes than allowed', async () => {
    const file = writeLog(300);
    const s = await runIngest(options(file, { batching: { maxMessages: 1000, maxBytes: 3000, maxMilliseconds: 5 } }));
    expect(s.delivered).toBe(300);
    const smallest = Math.min(
      ...fake.messages.map((m) => m.data.length + Object.entries(m.attributes).reduce((n, [k, v]) => n + k.length + v.length, 0)),
    );
    expect(Math.max(...fake.requests)).toBeLessThanOrEqual(Math.floor(3000 / smallest));
    expect(fake.requests.length).toBeGreaterThanOrEqual(Math.ceil(300 / Math.floor(3000 / smallest)));
  });

  it.each([
    ['UNAVAILABLE', status.UNAVAILABLE],
    ['DEADLINE_EXCEEDED', status.DEADLINE_EXCEEDED],
  ])('retries after %s and delivers every line at least once', async (_name, code) => {
    const file = writeLog(400);
    fake.failNext(code, 3);
    const s = await runIngest(options(file));
    expect(s.delivered).toBe(400);
    expect(receivedLines().size).toBe(400);
  });

  it('survives slow acks and a connection dropped mid-stream', async () => {
    const file = writeLog(600);
    fake.setDelay(30);
    fake.dropOnNext(2);
    const s = await runIngest(options(file));
    expect(s.delivered).toBe(600);
    expect(receivedLines().size).toBe(600);
  });

  it('fails with one clear line on PERMISSION_DENIED and does not checkpoint unacknowledged lines', async () => {
    const file = writeLog(300);
    fake.failAlways(status.PERMISSION_DENIED);
    const error = await runIngest(options(file)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogflowError);
    expect((error as Error).message).toMatch(/refused to publish to projects\/test-project\/topics\/logs.*PERMISSION_DENIED/);
    expect((error as Error).message).not.toMatch(/\n/);
    expect(state()).toEqual([]);
  });

  it('gives up after the retries on a server that stays unavailable, keeping the checkpoint at what was acknowledged', async () => {
    const file = writeLog(300);
    const first = await runIngest(options(writeLog(300)));
    expect(first.delivered).toBe(300);
    writeFileSync(file, lines(600).join('\n') + '\n');
    fake.failAlways(status.UNAVAILABLE);
    const error = await runIngest(options(file, { retries: 1, timeoutMs: 300 })).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/still failing after 2 attempts/);
    expect(state()).toEqual([expect.objectContaining({ line: 300 })]);
    fake.clearFaults();
    const resumed = await runIngest(options(file));
    expect(resumed).toMatchObject({ read: 300, delivered: 300, resumedLines: 300 });
  });

  it('keeps outstanding messages within flow control while the server is stalled', async () => {
    const file = writeLog(2000);
    fake.stall();
    const run = runIngest(options(file, { flowControl: { maxOutstandingMessages: 120, maxOutstandingBytes: 1 << 24 } }));
    await new Promise((r) => setTimeout(r, 400));
    // publish requests held unanswered: at most 120 messages outstanding, in requests of <= 50
    expect(fake.messages).toHaveLength(0);
    expect(fake.held).toBeGreaterThan(0);
    expect(fake.held).toBeLessThanOrEqual(Math.ceil(120 / 50) + 1);
    fake.resume();
    const s = await run;
    expect(s.delivered).toBe(2000);
  });

  it('publishes a prefix of a line over the message limit with its original length, and checkpoints past it', async () => {
    const file = join(dir, 'huge.log');
    writeFileSync(file, Buffer.concat([Buffer.from('a\n'), Buffer.alloc(9 * 1024 * 1024, 0x41), Buffer.from('\nb\n')]));
    const s = await runIngest(options(file));
    expect(s).toMatchObject({ read: 3, delivered: 3, failed: 0, truncated: 1 });
    expect(messages[0]).toMatch(/line 2 .*message limit; delivered its first 65536 bytes/);
    const long = fake.messages.find((m) => m.attributes.line_number === '2')!;
    expect(long.data.length).toBe(TRUNCATED_PREFIX_BYTES);
    expect(long.attributes.original_length).toBe(String(9 * 1024 * 1024));
    expect(state()).toEqual([expect.objectContaining({ line: 3 })]);
  });

  it('publishes lines of a file whose path is over the 1,024-byte attribute limit, keeping the full path in the checkpoint', async () => {
    // the fake refuses what the real service refuses
    const client = new PubSub({
      projectId: 'test-project',
      apiEndpoint: fake.endpoint,
      emulatorMode: true,
      universeDomain: 'googleapis.com',
    });
    try {
      await expect(
        client.topic(TOPIC).publishMessage({ data: Buffer.from('x'), attributes: { source: 'p'.repeat(1025) } }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    } finally {
      await client.close();
    }
    let long = dir;
    for (let i = 0; Buffer.byteLength(long) <= 1200; i++) long = join(long, `${i}-${'é'.repeat(60)}-${'d'.repeat(100)}`);
    mkdirSync(long, { recursive: true });
    const file = join(long, 'access.log');
    writeFileSync(file, lines(3).join('\n') + '\n');
    const s = await runIngest(options(file));
    expect(s).toMatchObject({ read: 3, delivered: 3, failed: 0 });
    const source = fake.messages[0]!.attributes.source!;
    expect(Buffer.byteLength(source)).toBeLessThanOrEqual(1024);
    expect(source).not.toContain('\uFFFD');
    expect(source.startsWith(file.slice(0, 100))).toBe(true);
    expect(source.endsWith('/access.log')).toBe(true);
    expect(source).toContain('...');
    expect(fake.messages.every((m) => m.attributes.source === source)).toBe(true);
    expect(state()).toEqual([expect.objectContaining({ path: file, sourceId: fake.messages[0]!.attributes.source_id })]);
  });
});
