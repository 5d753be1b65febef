import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * A loopback Pub/Sub admin server for tests: real gRPC with the protos the client ships, serving
 * the Publisher's topic RPCs, the Subscriber's subscription RPCs and google.iam.v1.IAMPolicy (the
 * topic and subscription IAM the client reaches on the same endpoint). It keeps topics,
 * subscriptions and policies in memory, records every call, and injects a gRPC error on demand.
 * (tests/support/pubsub-fake.ts is the publish-path fake; this one is the admin API.)
 */
export interface AdminCall {
  method: string;
  request: Record<string, any>;
}

export interface PubsubAdminFake {
  endpoint: string;
  topics: Map<string, Record<string, unknown>>;
  subscriptions: Map<string, Record<string, any>>;
  policies: Map<string, { bindings: Array<{ role: string; members: string[] }>; etag: Buffer }>;
  calls: AdminCall[];
  /** Calls that change state. */
  mutations(): AdminCall[];
  /** The next call of `method` fails with gRPC `code` and `details`. */
  failNext(method: string, code: grpc.status, details: string): void;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

function load(): { publisher: grpc.ServiceDefinition; subscriber: grpc.ServiceDefinition; iam: grpc.ServiceDefinition } {
  const pubsubMain = require.resolve('@google-cloud/pubsub');
  const pubsubRoot = join(dirname(pubsubMain), '..', '..');
  const gaxMain = require.resolve('google-gax', { paths: [pubsubMain] });
  const gaxProtos = join(dirname(gaxMain), '..', '..', 'build', 'protos');
  const definition = protoLoader.loadSync(['google/pubsub/v1/pubsub.proto', 'google/iam/v1/iam_policy.proto'], {
    includeDirs: [join(pubsubRoot, 'build', 'protos'), gaxProtos],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  return {
    publisher: pkg.google.pubsub.v1.Publisher.service,
    subscriber: pkg.google.pubsub.v1.Subscriber.service,
    iam: pkg.google.iam.v1.IAMPolicy.service,
  };
}

const MUTATING = new Set(['CreateTopic', 'CreateSubscription', 'UpdateSubscription', 'SetIamPolicy', 'DeleteTopic', 'DeleteSubscription']);

export async function startPubsubAdminFake(): Promise<PubsubAdminFake> {
  const services = load();
  const faults = new Map<string, { code: grpc.status; details: string }>();
  const fake: PubsubAdminFake = {
    endpoint: '',
    topics: new Map(),
    subscriptions: new Map(),
    policies: new Map(),
    calls: [],
    mutations: () => fake.calls.filter((c) => MUTATING.has(c.method)),
    failNext(method, code, details) {
      faults.set(method, { code, details });
    },
    stop: async () => {
      server.forceShutdown();
    },
  };
  type Handler = (request: Record<string, any>) => Record<string, unknown> | { error: grpc.status; details: string };
  const wrap =
    (method: string, handler: Handler) =>
    (call: grpc.ServerUnaryCall<Record<string, any>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      fake.calls.push({ method, request: call.request });
      const fault = faults.get(method);
      if (fault) {
        faults.delete(method);
        return callback({ code: fault.code, details: fault.details });
      }
      const result = handler(call.request);
      if ('error' in result && typeof result.error === 'number')
        return callback({ code: result.error as grpc.status, details: String(result.details) });
      callback(null, result);
    };
  const notFound = (what: string) => ({ error: grpc.status.NOT_FOUND, details: `Resource not found (resource=${what}).` });
  const exists = (what: string) => ({
    error: grpc.status.ALREADY_EXISTS,
    details: `Resource already exists in the project (resource=${what}).`,
  });
  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'not implemented by the admin fake' });

  const publisher: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(services.publisher)) publisher[name] = unimplemented;
  publisher.CreateTopic = wrap('CreateTopic', (r) => {
    if (fake.topics.has(r.name)) return exists(r.name);
    fake.topics.set(r.name, { name: r.name });
    return { name: r.name };
  });
  publisher.GetTopic = wrap('GetTopic', (r) => fake.topics.get(r.topic) ?? notFound(r.topic));

  const subscriber: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(services.subscriber)) subscriber[name] = unimplemented;
  subscriber.CreateSubscription = wrap('CreateSubscription', (r) => {
    if (fake.subscriptions.has(r.name)) return exists(r.name);
    if (!fake.topics.has(r.topic)) return notFound(r.topic);
    const subscription = {
      ...r,
      ...(r.bigqueryConfig ? { bigqueryConfig: { ...r.bigqueryConfig, state: 'ACTIVE' } } : {}),
      state: 'ACTIVE',
    };
    fake.subscriptions.set(r.name, subscription);
    return subscription;
  });
  subscriber.GetSubscription = wrap('GetSubscription', (r) => fake.subscriptions.get(r.subscription) ?? notFound(r.subscription));

  const iam: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(services.iam)) iam[name] = unimplemented;
  iam.GetIamPolicy = wrap('GetIamPolicy', (r) => {
    if (!fake.topics.has(r.resource) && !fake.subscriptions.has(r.resource)) return notFound(r.resource);
    return fake.policies.get(r.resource) ?? { bindings: [], etag: Buffer.from('ACAB') };
  });
  iam.SetIamPolicy = wrap('SetIamPolicy', (r) => {
    if (!fake.topics.has(r.resource) && !fake.subscriptions.has(r.resource)) return notFound(r.resource);
    const policy = {
      bindings: (r.policy?.bindings ?? []) as Array<{ role: string; members: string[] }>,
      etag: Buffer.from(`E${fake.calls.length}`),
    };
    fake.policies.set(r.resource, policy);
    return policy;
  });

  const server = new grpc.Server();
  server.addService(services.publisher, publisher);
  server.addService(services.subscriber, subscriber);
  server.addService(services.iam, iam);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  fake.endpoint = `127.0.0.1:${port}`;
  return fake;
}
