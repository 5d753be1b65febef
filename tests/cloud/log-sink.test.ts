import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAuth } from '../support/fake-auth.ts';
import { connect, type Clients } from '../../cloud/clients.ts';
import { setupInput } from '../../cloud/input.ts';
import { DEFAULT_LOG_FILTER, planSetup } from '../../cloud/plan.ts';
import { renderPlan } from '../../cloud/render.ts';
import { setupWith, type SetupReport } from '../../cloud/setup.ts';
import { logSinkCheck } from '../../cloud/status.ts';
import { LogflowError } from '../../core/errors.ts';
import { startCloudFake, type CloudFake } from '../support/cloud-fake.ts';
import { startPubsubAdminFake, type PubsubAdminFake } from '../support/pubsub-admin-fake.ts';

/**
 * `logflow setup --cloud-logging`: the Log Router sink that publishes Cloud Logging request logs to
 * the logflow topic, created through the real @google-cloud/logging client (google-gax REST
 * fallback) against the loopback Cloud fake, its writer identity granted Pub/Sub Publisher through
 * the real Pub/Sub client against the gRPC admin fake; and `logflow status` reading it back.
 */
let cloud: CloudFake;
let pubsub: PubsubAdminFake;
let clients: Clients;

const P = 'demo-project';
const SINK = `projects/${P}/sinks/logflow-request-logs`;
const TOPIC = `projects/${P}/topics/access-logs`;
const WRITER = 'serviceAccount:service-123456789@gcp-sa-logging.iam.gserviceaccount.com';
const input = (flags: Parameters<typeof setupInput>[0] = {}) =>
  setupInput({ project: P, location: 'EU', 'cloud-logging': true, ...flags }, {});

async function run(mode: 'apply' | 'check', flags: Parameters<typeof setupInput>[0] = {}): Promise<SetupReport & { lines: string[] }> {
  const lines: string[] = [];
  const report = await setupWith(clients, input(flags), {
    mode,
    out: (l) => lines.push(l),
    context: { loadReference: async () => undefined },
  });
  return { ...report, lines };
}

const publishers = () => pubsub.policies.get(TOPIC)?.bindings.find((b) => b.role === 'roles/pubsub.publisher')?.members ?? [];

beforeEach(async () => {
  cloud = await startCloudFake({ project: P, number: '123456789' });
  pubsub = await startPubsubAdminFake();
  clients = connect({ projectId: P, endpoints: { http: cloud.endpoint, pubsub: pubsub.endpoint }, authClient: fakeAuth() });
});
afterEach(async () => {
  await clients.close();
  await cloud.stop();
  await pubsub.stop();
});

describe('setupWith() --cloud-logging', () => {
  it('creates the sink to the topic with the request-log filter and a unique writer, and lets that writer publish', async () => {
    const report = await run('apply');
    expect(report.exitCode, report.lines.join('\n')).toBe(0);
    expect(cloud.state.sinks.get(SINK)).toMatchObject({
      destination: `pubsub.googleapis.com/${TOPIC}`,
      filter: DEFAULT_LOG_FILTER,
      writerIdentity: WRITER,
    });
    const create = cloud.requests.find((r) => r.method === 'POST' && r.path === `/v2/projects/${P}/sinks`)!;
    expect(create.query.get('uniqueWriterIdentity')).toBe('true');
    expect(publishers()).toContain(WRITER);
    expect(report.lines).toContain(`created  log sink ${SINK}: writer ${WRITER}`);
    expect(report.lines).toContain(
      `created  iam roles/pubsub.publisher for the writer identity of log sink logflow-request-logs on topic access-logs: ${WRITER}`,
    );
    // the sink comes after the BigQuery subscription, so nothing it publishes is dropped
    const labels = report.outcomes.map((o) => o.label);
    expect(labels.indexOf(`log sink ${SINK}`)).toBeGreaterThan(
      labels.indexOf(`subscription projects/${P}/subscriptions/access-logs-to-bigquery`),
    );
  });

  it('is idempotent: a second run changes nothing and reports the sink ok', async () => {
    await run('apply');
    const http = cloud.mutations().length;
    const grpc = pubsub.mutations().length;
    const again = await run('apply');
    expect(again.exitCode).toBe(0);
    expect(cloud.mutations().length).toBe(http);
    expect(pubsub.mutations().length).toBe(grpc);
    expect(again.lines).toContain(`ok       log sink ${SINK}: writer ${WRITER}`);
  });

  it('--check before setup reports the sink and its grant missing, and changes nothing', async () => {
    const report = await run('check');
    expect(report.exitCode).toBe(1);
    expect(report.lines).toContain(`MISSING  log sink ${SINK}`);
    expect(report.lines).toContain(
      'MISSING  iam roles/pubsub.publisher for the writer identity of log sink logflow-request-logs on topic access-logs: log sink logflow-request-logs does not exist yet, so its writer identity is unknown',
    );
    expect(cloud.state.sinks.size).toBe(0);
  });

  it('a sink that exists with another filter is drift, left alone', async () => {
    cloud.state.sinks.set(SINK, {
      name: 'logflow-request-logs',
      destination: `pubsub.googleapis.com/${TOPIC}`,
      filter: 'severity>=ERROR',
      writerIdentity: WRITER,
    });
    const report = await run('apply');
    expect(report.exitCode).toBe(1);
    expect(report.lines).toContain(
      `DRIFT    log sink ${SINK}: filter is "severity>=ERROR", plan says ${JSON.stringify(DEFAULT_LOG_FILTER)} (left as is)`,
    );
    expect(cloud.state.sinks.get(SINK)!.filter).toBe('severity>=ERROR');
  });

  it('--log-filter sets the filter; an empty one is refused', async () => {
    await run('apply', { 'log-filter': 'resource.type="cloud_run_revision"', 'cloud-logging': false });
    expect(cloud.state.sinks.get(SINK)!.filter).toBe('resource.type="cloud_run_revision"');
    expect(() => input({ 'log-filter': ' ' })).toThrow(LogflowError);
  });

  it('without --cloud-logging, no sink is planned', () => {
    expect(planSetup(input({ 'cloud-logging': false })).resources.some((r) => r.kind === 'logSink')).toBe(false);
  });
});

describe('renderPlan() with --cloud-logging', () => {
  it('prints the gcloud commands that create the sink and grant its writer', () => {
    const text = renderPlan(planSetup(input()));
    expect(text).toContain(
      `$ gcloud logging sinks create logflow-request-logs pubsub.googleapis.com/projects/${P}/topics/access-logs --log-filter='${DEFAULT_LOG_FILTER}' --project=${P}`,
    );
    expect(text).toContain(
      `$ SINK_WRITER=$(gcloud logging sinks describe logflow-request-logs --project=${P} --format='value(writerIdentity)')`,
    );
    expect(text).toContain(
      `$ gcloud pubsub topics add-iam-policy-binding access-logs --member="\${SINK_WRITER}" --role=roles/pubsub.publisher --project=${P}`,
    );
  });
});

describe('logSinkCheck() (logflow status)', () => {
  it('ok with its destination, filter and writer once set up', async () => {
    await run('apply');
    const check = await logSinkCheck(clients, planSetup(input()));
    expect(check).toEqual({
      name: 'log sink',
      level: 'ok',
      text: `logflow-request-logs -> pubsub.googleapis.com/${TOPIC}, filter ${JSON.stringify(DEFAULT_LOG_FILTER)}, writer ${WRITER}`,
    });
  });

  it('n/a without a sink, fail when its writer may not publish', async () => {
    expect((await logSinkCheck(clients, planSetup(input({ 'cloud-logging': false })))).level).toBe('n/a');
    await run('apply');
    pubsub.policies.delete(TOPIC);
    const check = await logSinkCheck(clients, planSetup(input()));
    expect(check.level).toBe('fail');
    expect(check.text).toMatch(/the writer may not publish to the topic/);
  });
});
