import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * A loopback Pub/Sub Publisher service for tests and benchmarks: real gRPC (@grpc/grpc-js) with the
 * protos the client ships. It records every published message, answers Publish with message ids,
 * and injects faults on demand. Clients connect through a small TCP proxy so that a test can drop
 * live connections mid-stream (`dropConnections()`).
 *
 *   const fake = await startPubsubFake();
 *   new PubSub({ projectId: 'p', apiEndpoint: fake.endpoint, emulatorMode: true, universeDomain: 'googleapis.com' })
 *   fake.failNext(14, 3)        // the next 3 Publish calls fail with UNAVAILABLE
 *   fake.stall() / fake.resume() // hold Publish answers (a stalled server), then release them
 *   await fake.stop()
 *
 * Like the real service, a Publish that breaks Pub/Sub's resource limits (PUBSUB_LIMITS) fails
 * with INVALID_ARGUMENT (checked when recording, where messages are decoded; the message count
 * is checked always).
 */

/** Pub/Sub's resource limits for publishing (https://cloud.google.com/pubsub/quotas#resource_limits). */
export const PUBSUB_LIMITS = {
  messagesPerRequest: 1000,
  requestBytes: 10_000_000,
  messageBytes: 10_000_000,
  attributesPerMessage: 100,
  attributeKeyBytes: 256,
  attributeValueBytes: 1024,
} as const;

/** Why a decoded PublishRequest breaks PUBSUB_LIMITS (the service's INVALID_ARGUMENT text), or null. */
export function limitViolation(
  messages: { data?: Buffer | Uint8Array | null; attributes?: Record<string, string> | null }[],
): string | null {
  const L = PUBSUB_LIMITS;
  if (messages.length > L.messagesPerRequest)
    return `The value for message_count is too large. You passed ${messages.length} in the request, but the maximum value is ${L.messagesPerRequest}.`;
  let requestBytes = 0;
  for (const m of messages) {
    const attributes = Object.entries(m.attributes ?? {});
    if (attributes.length > L.attributesPerMessage)
      return `Too many attributes in a message: ${attributes.length}, the maximum is ${L.attributesPerMessage}.`;
    let size = m.data?.length ?? 0;
    for (const [key, value] of attributes) {
      const k = Buffer.byteLength(key);
      const v = Buffer.byteLength(value);
      if (k > L.attributeKeyBytes)
        return `One of the attributes in the request has a key that is too long. The length is ${k} bytes, but the maximum allowed is ${L.attributeKeyBytes}.`;
      if (v > L.attributeValueBytes)
        return `One of the attributes in the request has a value that is too long. The length is ${v} bytes, but the maximum allowed is ${L.attributeValueBytes}. Refer to https://cloud.google.com/pubsub/quotas for more information.`;
      size += k + v;
    }
    if (size > L.messageBytes) return `Message too large: ${size} bytes, the maximum is ${L.messageBytes}.`;
    requestBytes += size;
  }
  if (requestBytes > L.requestBytes) return `Request payload size exceeds the limit: ${L.requestBytes} bytes.`;
  return null;
}
export interface FakeMessage {
  data: Buffer;
  attributes: Record<string, string>;
  messageId: string;
  topic: string;
}

export interface PubsubFake {
  /** host:port to give the client (apiEndpoint or PUBSUB_EMULATOR_HOST). */
  endpoint: string;
  /** Every message received (only when started with `record: true`, the default). */
  messages: FakeMessage[];
  /** Messages received and acknowledged (counted even when not recorded). */
  received: number;
  /** Message counts of every Publish request that was answered OK. */
  requests: number[];
  /** Publish calls received (answered or not). */
  calls: number;
  /** The next `times` Publish calls fail with gRPC `code`. */
  failNext(code: grpc.status, times?: number): void;
  /** Every Publish call fails with `code` until `clearFaults()`. */
  failAlways(code: grpc.status): void;
  clearFaults(): void;
  /** Delay each Publish answer by `ms` (slow acks). */
  setDelay(ms: number): void;
  /** Hold every Publish answer until `resume()` (or `stop()`). */
  stall(): void;
  resume(): void;
  /** Publish calls currently held by stall(). */
  readonly held: number;
  /** Destroys every client connection (a connection dropped mid-stream). */
  dropConnections(): void;
  /** Drop the connection on the next `times` Publish calls instead of answering them. */
  dropOnNext(times?: number): void;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

function loadPublisherService(): grpc.ServiceDefinition {
  const pubsubMain = require.resolve('@google-cloud/pubsub');
  const pubsubRoot = join(dirname(pubsubMain), '..', '..');
  const gaxMain = require.resolve('google-gax', { paths: [pubsubMain] });
  const gaxProtos = join(dirname(gaxMain), '..', '..', 'build', 'protos');
  const definition = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: [join(pubsubRoot, 'build', 'protos'), gaxProtos],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { pubsub: { v1: { Publisher: { service: grpc.ServiceDefinition } } } };
  };
  return pkg.google.pubsub.v1.Publisher.service;
}

/**
 * Reads a PublishRequest without building objects: the topic (field 1) and the number of
 * messages (field 2). Used when not recording, so that a benchmark measures the client, not the fake.
 */
export function scanPublishRequest(buf: Buffer): {
  topic: string;
  messages: { data: Buffer; attributes: Record<string, string> }[];
  count: number;
} {
  let pos = 0;
  let topic = '';
  let count = 0;
  const varint = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const wire = key & 7;
    if (wire !== 2) throw new Error(`unexpected wire type ${wire} in PublishRequest`);
    const len = varint();
    if (key >>> 3 === 1) topic = buf.toString('utf8', pos, pos + len);
    else if (key >>> 3 === 2) count += 1;
    pos += len;
  }
  return { topic, messages: [], count };
}

/** PublishResponse { repeated string message_ids = 1 }. */
function encodePublishResponse(ids: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const id of ids) parts.push(Buffer.from([0x0a, Buffer.byteLength(id)]), Buffer.from(id));
  return Buffer.concat(parts);
}

export async function startPubsubFake(options: { record?: boolean } = {}): Promise<PubsubFake> {
  const record = options.record ?? true;
  const service = { ...loadPublisherService() };
  if (!record) {
    service.Publish = {
      ...service.Publish!,
      requestDeserialize: (buf: Buffer) => scanPublishRequest(buf),
      responseSerialize: (value: { messageIds: string[] }) => encodePublishResponse(value.messageIds),
    } as grpc.MethodDefinition<unknown, unknown>;
  }
  let faultCode: grpc.status | null = null;
  let faultTimes = 0;
  let faultAlways = false;
  let delayMs = 0;
  let stalled = false;
  let dropTimes = 0;
  const heldCalls: (() => void)[] = [];
  const sockets = new Set<Socket>();
  let nextId = 1;

  const fake: PubsubFake = {
    endpoint: '',
    messages: [],
    received: 0,
    requests: [],
    calls: 0,
    failNext(code, times = 1) {
      faultCode = code;
      faultTimes = times;
      faultAlways = false;
    },
    failAlways(code) {
      faultCode = code;
      faultAlways = true;
    },
    clearFaults() {
      faultCode = null;
      faultTimes = 0;
      faultAlways = false;
      dropTimes = 0;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const release of heldCalls.splice(0)) release();
    },
    get held() {
      return heldCalls.length;
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    dropOnNext(times = 1) {
      dropTimes = times;
    },
    async stop() {
      stalled = false;
      for (const release of heldCalls.splice(0)) release();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      server.forceShutdown();
    },
  };

  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'not implemented by the test fake' });
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) handlers[name] = unimplemented;
  handlers.Publish = (
    call: grpc.ServerUnaryCall<
      { topic: string; messages: { data: Buffer; attributes: Record<string, string> }[]; count?: number },
      unknown
    >,
    callback: grpc.sendUnaryData<unknown>,
  ) => {
    fake.calls += 1;
    const answer = () => {
      if (dropTimes > 0) {
        dropTimes -= 1;
        fake.dropConnections();
        return;
      }
      if (faultCode !== null && (faultAlways || faultTimes > 0)) {
        if (!faultAlways) faultTimes -= 1;
        const code = faultCode;
        if (!faultAlways && faultTimes === 0) faultCode = null;
        callback({ code, details: `injected ${grpc.status[code]}` });
        return;
      }
      const count = call.request.count ?? call.request.messages.length;
      const violation =
        count > PUBSUB_LIMITS.messagesPerRequest
          ? limitViolation(new Array(count).fill({}))
          : record
            ? limitViolation(call.request.messages)
            : null;
      if (violation) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: violation });
        return;
      }
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const messageId = String(nextId++);
        ids.push(messageId);
        const m = call.request.messages[i];
        if (record && m)
          fake.messages.push({ data: Buffer.from(m.data ?? []), attributes: { ...m.attributes }, messageId, topic: call.request.topic });
      }
      fake.received += count;
      fake.requests.push(count);
      callback(null, { messageIds: ids });
    };
    const go = () => (delayMs > 0 ? setTimeout(answer, delayMs) : answer());
    if (stalled) heldCalls.push(go);
    else go();
  };
  handlers.CreateTopic = (call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, { name: call.request.name });
  handlers.GetTopic = (call: grpc.ServerUnaryCall<{ topic: string }, unknown>, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, { name: call.request.topic });

  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(service, handlers);
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );

  // Real Pub/Sub front ends advertise large HTTP/2 windows; grpc-js servers keep Node's 64 KiB,
  // which would make a 1,000-message request wait for a dozen window updates. Widen them.
  for (const http2Server of (
    (server as unknown as { http2Servers: Map<import('node:http2').Http2Server, unknown> }).http2Servers ?? new Map()
  ).keys()) {
    http2Server.on('session', (session: import('node:http2').ServerHttp2Session) => {
      session.settings({ initialWindowSize: 8 * 1024 * 1024 });
      session.setLocalWindowSize(32 * 1024 * 1024);
    });
  }

  const proxy: NetServer = createServer((client) => {
    const upstream = new (require('node:net') as typeof import('node:net')).Socket();
    sockets.add(client);
    sockets.add(upstream);
    const cleanup = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', cleanup).on('close', cleanup);
    upstream.on('error', cleanup).on('close', cleanup);
    upstream.connect(grpcPort, '127.0.0.1', () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  const proxyPort = await new Promise<number>((resolve) =>
    proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as { port: number }).port)),
  );
  fake.endpoint = `127.0.0.1:${proxyPort}`;
  return fake;
}
