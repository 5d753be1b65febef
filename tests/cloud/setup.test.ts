import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fakeAuth } from '../support/fake-auth.ts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Clients } from '../../cloud/clients.ts';
import { setupInput } from '../../cloud/input.ts';
import { setupWith, type SetupOptions, type SetupReport } from '../../cloud/setup.ts';
import type { Context } from '../../cloud/resources.ts';
import { ensureBigQueryTable, loadIntoBigQuery } from '../../geo/bigquery.ts';
import { startCloudFake, type CloudFake } from '../support/cloud-fake.ts';
import { startPubsubAdminFake, type PubsubAdminFake } from '../support/pubsub-admin-fake.ts';

/**
 * Contract tests of `logflow setup` with the real Google Cloud clients against loopback servers:
 * HTTP (BigQuery, Storage, IAM, Resource Manager, Service Usage, Dataform) and gRPC (Pub/Sub admin).
 */
let cloud: CloudFake;
let pubsub: PubsubAdminFake;
let clients: Clients;
let dir: string;

const P = 'demo-project';
const input = (extra: Record<string, string> = {}) => setupInput({ project: P, location: 'EU', schedule: '*/15 * * * *', ...extra }, {});

/** Small reference CSVs through the real BigQuery loader (the full demo data is 350k rows). */
const loadReference: Context['loadReference'] = async (ctx) => {
  const country = join(dir, 'country.csv');
  const asn = join(dir, 'asn.csv');
  writeFileSync(country, '1.0.4.0,1.0.7.255,AU\n');
  writeFileSync(asn, '8.8.8.0,8.8.8.255,15169,Google LLC\n');
  const target = { projectId: P, dataset: 'logflow_ref', location: 'EU' };
  await loadIntoBigQuery(ctx.clients.bigquery, target, 'country', [country]);
  await loadIntoBigQuery(ctx.clients.bigquery, target, 'asn', [asn]);
  await ensureBigQueryTable(ctx.clients.bigquery, target, 'city');
};

async function run(mode: SetupOptions['mode'], extra: Record<string, string> = {}): Promise<SetupReport & { lines: string[] }> {
  const lines: string[] = [];
  const report = await setupWith(clients, input(extra), { mode, out: (l) => lines.push(l), context: { loadReference } });
  return { ...report, lines };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-setup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

const agent = 'serviceAccount:service-123456789@gcp-sa-pubsub.iam.gserviceaccount.com';
const runner = 'logflow-dataform@demo-project.iam.gserviceaccount.com';

describe('setupWith() apply', () => {
  it('creates every resource with the exact settings requested', async () => {
    const report = await run('apply');
    expect(report.exitCode, report.lines.join('\n')).toBe(0);
    expect(
      report.outcomes.every((o) => o.status === 'created' || o.status === 'ok'),
      report.lines.join('\n'),
    ).toBe(true);
    const s = cloud.state;
    expect(
      [...s.services.entries()]
        .filter(([, v]) => v === 'ENABLED')
        .map(([k]) => k)
        .sort(),
    ).toEqual([
      'bigquery.googleapis.com',
      'cloudresourcemanager.googleapis.com',
      'dataform.googleapis.com',
      'iam.googleapis.com',
      'pubsub.googleapis.com',
      'storage.googleapis.com',
    ]);
    expect(Object.fromEntries(s.datasets)).toEqual({
      logflow: { location: 'EU' },
      logflow_raw: { location: 'EU' },
      logflow_ref: { location: 'EU' },
      logflow_assertions: { location: 'EU' },
    });
    expect(s.tables.get('logflow_raw.landing')).toMatchObject({
      schema: {
        fields: [
          { name: 'subscription_name', type: 'STRING' },
          { name: 'message_id', type: 'STRING' },
          { name: 'publish_time', type: 'TIMESTAMP' },
          { name: 'data', type: 'BYTES' },
          { name: 'attributes', type: 'JSON' },
        ],
      },
      timePartitioning: { type: 'HOUR', expirationMs: String(365 * 86_400_000) },
    });
    expect(s.tables.get('logflow_raw.landing')?.timePartitioning).not.toHaveProperty('field');
    expect(s.tables.get('logflow_raw.landing')).not.toHaveProperty('clustering');
    expect(s.tableIam.get('logflow_raw.landing')?.bindings).toEqual([{ role: 'roles/bigquery.dataEditor', members: [agent] }]);

    expect([...pubsub.topics.keys()].sort()).toEqual([`projects/${P}/topics/access-logs`, `projects/${P}/topics/access-logs-dead-letter`]);
    const sub = pubsub.subscriptions.get(`projects/${P}/subscriptions/access-logs-to-bigquery`)!;
    expect(sub).toMatchObject({
      topic: `projects/${P}/topics/access-logs`,
      bigqueryConfig: { table: `${P}.logflow_raw.landing`, writeMetadata: true },
      deadLetterPolicy: { deadLetterTopic: `projects/${P}/topics/access-logs-dead-letter`, maxDeliveryAttempts: 10 },
      messageRetentionDuration: { seconds: '604800' },
    });
    expect(sub.expirationPolicy).toBeDefined();
    expect(sub.expirationPolicy.ttl ?? null).toBeNull();
    expect(pubsub.subscriptions.get(`projects/${P}/subscriptions/access-logs-dead-letter-hold`)).toMatchObject({
      topic: `projects/${P}/topics/access-logs-dead-letter`,
    });
    expect(pubsub.policies.get(`projects/${P}/topics/access-logs-dead-letter`)?.bindings).toEqual([
      { role: 'roles/pubsub.publisher', members: [agent] },
    ]);
    expect(pubsub.policies.get(`projects/${P}/subscriptions/access-logs-to-bigquery`)?.bindings).toEqual([
      { role: 'roles/pubsub.subscriber', members: [agent] },
    ]);

    expect(s.buckets.get('demo-project-logflow')).toMatchObject({
      location: 'EU',
      iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
    });
    const object = [...s.objects.keys()];
    expect(object).toEqual([expect.stringMatching(/^demo-project-logflow\/logflow\/ua-parser-js-1\.\d+\.\d+\.min\.js$/)]);
    expect(s.bucketIam.get('demo-project-logflow')?.bindings).toEqual([
      { role: 'roles/storage.objectViewer', members: [`serviceAccount:${runner}`] },
    ]);
    expect(s.tables.has('logflow_ref.ip_country_ranges') && s.tables.has('logflow_ref.ip_asn_ranges')).toBe(true);

    expect(s.serviceAccounts.has(runner)).toBe(true);
    expect(s.projectIam.bindings).toEqual([
      { role: 'roles/bigquery.dataEditor', members: [`serviceAccount:${runner}`] },
      { role: 'roles/bigquery.jobUser', members: [`serviceAccount:${runner}`] },
    ]);
    expect(s.serviceAccountIam.get(runner)?.bindings).toEqual([
      {
        role: 'roles/iam.serviceAccountTokenCreator',
        members: ['serviceAccount:service-123456789@gcp-sa-dataform.iam.gserviceaccount.com'],
      },
    ]);

    const repo = `projects/${P}/locations/europe-west1/repositories/logflow`;
    expect(s.repositories.get(repo)).toMatchObject({ serviceAccount: runner });
    const commits = s.commits.get(repo)!;
    expect(commits).toHaveLength(1);
    const files = [...commits[0]!.files.keys()];
    expect(files).toContain('workflow_settings.yaml');
    expect(files).toContain('definitions/udfs/parse_user_agent.sqlx');
    expect(files.some((f) => f === 'package.json' || f.startsWith('node_modules/') || f === 'dataform.json')).toBe(false);
    expect(commits[0]!.files.get('workflow_settings.yaml')!.toString()).toMatch(/^dataformCoreVersion: "\d+\.\d+\.\d+"$/m);
    const release = s.releaseConfigs.get(`${repo}/releaseConfigs/production`)!;
    expect(release).toMatchObject({
      gitCommitish: commits[0]!.sha,
      codeCompilationConfig: {
        defaultDatabase: P,
        defaultSchema: 'logflow',
        assertionSchema: 'logflow_assertions',
        defaultLocation: 'EU',
        vars: { warehouse: 'bigquery', uaParserLibraryUri: `gs://${object[0]}` },
      },
    });
    expect(release.releaseCompilationResult).toMatch(new RegExp(`^${repo}/compilationResults/`));
    expect(s.workflowConfigs.get(`${repo}/workflowConfigs/scheduled`)).toMatchObject({
      releaseConfig: `${repo}/releaseConfigs/production`,
      cronSchedule: '*/15 * * * *',
      timeZone: 'Etc/UTC',
      invocationConfig: { serviceAccount: runner },
    });
  }, 60_000);

  it('changes nothing on a second run, and --check then reports everything in place', async () => {
    await run('apply');
    const httpBefore = cloud.mutations().length;
    const grpcBefore = pubsub.mutations().length;
    const second = await run('apply');
    expect(second.exitCode).toBe(0);
    expect(second.outcomes.filter((o) => o.status !== 'ok').map((o) => `${o.status} ${o.label}`)).toEqual([]);
    expect(
      cloud
        .mutations()
        .slice(httpBefore)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual([]);
    expect(pubsub.mutations().slice(grpcBefore)).toEqual([]);
    const check = await run('check');
    expect(check.exitCode).toBe(0);
    expect(check.lines.join('\n')).toMatch(/ok +subscription projects\/demo-project\/subscriptions\/access-logs-to-bigquery: state ACTIVE/);
    expect(cloud.mutations().slice(httpBefore)).toEqual([]);
  }, 60_000);

  it('creates only the empty city table for a deployment from before city data, keeping the loaded ranges', async () => {
    await run('apply');
    cloud.state.tables.delete('logflow_ref.ip_city_ranges');
    const country = JSON.stringify(cloud.state.tables.get('logflow_ref.ip_country_ranges'));
    const second = await run('apply');
    expect(second.exitCode).toBe(0);
    expect(second.outcomes.filter((o) => o.status !== 'ok').map((o) => `${o.status} ${o.detail}`)).toEqual([
      'created empty (load a city database with logflow geo load --city-csv)',
    ]);
    expect(cloud.state.tables.has('logflow_ref.ip_city_ranges')).toBe(true);
    expect(JSON.stringify(cloud.state.tables.get('logflow_ref.ip_country_ranges'))).toBe(country);
  }, 60_000);

  it('reports drift and leaves it alone', async () => {
    await run('apply');
    cloud.state.datasets.set('logflow', { location: 'US' });
    const sub = pubsub.subscriptions.get(`projects/${P}/subscriptions/access-logs-to-bigquery`)!;
    sub.deadLetterPolicy = { deadLetterTopic: `projects/${P}/topics/access-logs-dead-letter`, maxDeliveryAttempts: 5 };
    const wf = cloud.state.workflowConfigs.get(`projects/${P}/locations/europe-west1/repositories/logflow/workflowConfigs/scheduled`)!;
    wf.cronSchedule = '0 * * * *';
    const before = cloud.mutations().length + pubsub.mutations().length;
    const report = await run('apply');
    expect(report.exitCode).toBe(1);
    const drift = report.lines.filter((l) => l.startsWith('DRIFT'));
    expect(drift).toEqual([
      expect.stringMatching(/^DRIFT +dataset demo-project\.logflow: location is US, plan says EU/),
      expect.stringMatching(/^DRIFT +subscription .*access-logs-to-bigquery: max delivery attempts is 5, plan says 10 \(left as is\)$/),
      expect.stringMatching(/^DRIFT +dataform workflow config .*: cron is "0 \* \* \* \*", plan says "\*\/15 \* \* \* \*" \(left as is\)$/),
    ]);
    expect(cloud.mutations().length + pubsub.mutations().length).toBe(before);
    expect(cloud.state.datasets.get('logflow')).toEqual({ location: 'US' });
  }, 60_000);

  it.each(['PERMISSION_DENIED', 'NOT_FOUND', 'SCHEMA_MISMATCH'])(
    '--check reports a subscription in state %s with what to do',
    async (state) => {
      await run('apply');
      pubsub.subscriptions.get(`projects/${P}/subscriptions/access-logs-to-bigquery`)!.bigqueryConfig.state = state;
      const check = await run('check');
      expect(check.exitCode).toBe(1);
      expect(check.lines.find((l) => l.includes('access-logs-to-bigquery') && l.startsWith('DRIFT'))).toMatch(
        new RegExp(`state ${state}: `),
      );
    },
    60_000,
  );

  it('--check on an empty project creates nothing and lists what is missing', async () => {
    const check = await run('check');
    expect(check.exitCode).toBe(1);
    expect(cloud.mutations()).toEqual([]);
    expect(pubsub.mutations()).toEqual([]);
    expect(check.lines.filter((l) => l.startsWith('MISSING')).length).toBeGreaterThan(20);
  }, 60_000);

  it('publishes a changed tree as a new commit that deletes removed files, and points the release at it', async () => {
    await run('apply');
    const repo = `projects/${P}/locations/europe-west1/repositories/logflow`;
    const first = cloud.state.commits.get(repo)!.at(-1)!;
    const { buildTree } = await import('../../cloud/dataform-tree.ts');
    const { readProjectConfig } = await import('../../warehouse/project.ts');
    const tree = buildTree(readProjectConfig(), '3.0.62');
    tree.files.delete('definitions/assertions/sessions_no_overlap.sqlx');
    const lines: string[] = [];
    const report = await setupWith(clients, input(), { mode: 'apply', out: (l) => lines.push(l), context: { loadReference, tree } });
    expect(report.exitCode).toBe(0);
    expect(lines.find((l) => l.includes('dataform tree'))).toMatch(/^updated/);
    const head = cloud.state.commits.get(repo)!.at(-1)!;
    expect(head.sha).not.toBe(first.sha);
    expect(head.files.has('definitions/assertions/sessions_no_overlap.sqlx')).toBe(false);
    expect(cloud.state.releaseConfigs.get(`${repo}/releaseConfigs/production`)?.gitCommitish).toBe(head.sha);
  }, 60_000);

  it('refuses to overwrite a repository someone else committed to', async () => {
    await run('apply');
    const repo = `projects/${P}/locations/europe-west1/repositories/logflow`;
    cloud.state.commits.get(repo)!.push({ sha: 'f'.repeat(40), message: 'edit in the console', files: new Map() });
    const report = await run('apply');
    expect(report.exitCode).toBe(1);
    expect(report.lines.find((l) => l.includes('dataform tree'))).toMatch(/^DRIFT .*was not made by logflow setup/);
    expect(cloud.state.commits.get(repo)).toHaveLength(2);
  }, 60_000);

  it('reports Dataform compilation errors of the published tree', async () => {
    cloud.state.compilationErrors = [{ path: 'definitions/outputs/requests.sqlx', message: 'ua is not defined' }];
    const report = await run('apply');
    expect(report.exitCode).toBe(1);
    expect(report.lines.find((l) => l.includes('release config'))).toMatch(
      /DRIFT .*could not compile the tree: 1 error\(s\), first: definitions\/outputs\/requests\.sqlx: ua is not defined/,
    );
  }, 60_000);
});

describe('setupWith() errors', () => {
  const oneLine = async (promise: Promise<unknown>) => {
    const error = (await promise.then(
      () => null,
      (e: unknown) => e,
    )) as Error | null;
    expect(error).not.toBeNull();
    expect(error!.name).toBe('LogflowError');
    expect(error!.message).not.toMatch(/\n/);
    return error!.message;
  };

  it('says how to authenticate when there are no credentials', async () => {
    const bad = connect({ projectId: P, endpoints: { http: cloud.endpoint, pubsub: pubsub.endpoint }, authClient: fakeAuth() });
    Object.defineProperty(bad, 'authClient', {
      value: async () => ({
        getAccessToken: () =>
          Promise.reject(
            new Error(
              'Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.',
            ),
          ),
      }),
    });
    expect(await oneLine(setupWith(bad, input(), { mode: 'apply', out: () => undefined }))).toMatch(
      /no usable Google Cloud credentials .*gcloud auth application-default login/,
    );
    await bad.close();
  });

  it('names a project that does not exist', async () => {
    expect(await oneLine(setupWith(clients, { ...input(), project: 'no-such-project' }, { mode: 'apply', out: () => undefined }))).toMatch(
      /^project no-such-project does not exist or the account cannot see it/,
    );
  });

  it('names the role and the resource on PERMISSION_DENIED', async () => {
    cloud.fail({
      method: 'POST',
      path: /\/bigquery\/v2\/projects\/demo-project\/datasets$/,
      status: 403,
      message: 'Access Denied: Project demo-project: User does not have bigquery.datasets.create permission in project demo-project.',
    });
    expect(await oneLine(run('apply'))).toBe(
      'creating dataset demo-project.logflow: PERMISSION_DENIED; the account needs roles/bigquery.dataEditor on project demo-project (Access Denied: Project demo-project: User does not have bigquery.datasets.create permission in project demo-project.)',
    );
  }, 60_000);

  it('names the role on a gRPC PERMISSION_DENIED from Pub/Sub', async () => {
    pubsub.failNext('CreateTopic', grpc.status.PERMISSION_DENIED, 'User not authorized to perform this action.');
    expect(await oneLine(run('apply'))).toMatch(
      /^creating topic access-logs: PERMISSION_DENIED; the account needs roles\/pubsub\.editor on project demo-project/,
    );
  }, 60_000);

  it('says which API is not enabled and how to enable it', async () => {
    cloud.fail({
      method: 'GET',
      path: /\/repositories\/logflow$/,
      status: 403,
      reason: 'SERVICE_DISABLED',
      message:
        'Dataform API has not been used in project 123456789 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/dataform.googleapis.com/overview?project=123456789 then retry.',
    });
    expect(await oneLine(run('apply'))).toMatch(
      /^reading Dataform repository .*: dataform\.googleapis\.com is not enabled in project demo-project; run `gcloud services enable dataform\.googleapis\.com --project=demo-project`/,
    );
  }, 60_000);
});
