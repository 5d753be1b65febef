import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { planSetup, label, type Resource } from '../../cloud/plan.ts';
import { setupInput } from '../../cloud/input.ts';
import { renderPlan } from '../../cloud/render.ts';
import { buildTree, digestInMessage, SETTINGS_FILE } from '../../cloud/dataform-tree.ts';
import { readProjectConfig, PROJECT_DIR } from '../../warehouse/project.ts';
import { compileProject } from '../../warehouse/compile.ts';

/** js-yaml (a dependency of @dataform/core's toolchain) as an independent YAML reader. */
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

const input = () => setupInput({ project: 'demo-project', location: 'EU', schedule: '*/15 * * * *' }, {});
const byKind = <K extends Resource['kind']>(rs: Resource[], kind: K) =>
  rs.filter((r): r is Extract<Resource, { kind: K }> => r.kind === kind);

describe('planSetup()', () => {
  it('plans the four datasets in the location, the landing table and the Pub/Sub chain', () => {
    const plan = planSetup({ ...input(), projectNumber: '123456789' });
    expect(byKind(plan.resources, 'dataset').map((d) => [d.dataset, d.location])).toEqual([
      ['logflow', 'EU'],
      ['logflow_raw', 'EU'],
      ['logflow_ref', 'EU'],
      ['logflow_assertions', 'EU'],
    ]);
    const [table] = byKind(plan.resources, 'table');
    expect(table?.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'subscription_name:STRING',
      'message_id:STRING',
      'publish_time:TIMESTAMP',
      'data:BYTES',
      'attributes:JSON',
    ]);
    // landing-decision.md: ingestion-time hourly partitions (arrival), 365-day expiration, no clustering
    expect(table?.partitioning).toEqual({ type: 'HOUR', expirationDays: 365 });
    expect(table?.clustering).toEqual([]);
    const subs = byKind(plan.resources, 'subscription');
    const bq = subs.find((s) => s.bigquery)!;
    expect(bq).toMatchObject({
      subscription: 'access-logs-to-bigquery',
      topic: 'access-logs',
      bigquery: { table: 'demo-project.logflow_raw.landing', writeMetadata: true },
      deadLetter: { topic: 'access-logs-dead-letter', maxDeliveryAttempts: 10 },
    });
    expect(subs.find((s) => !s.bigquery)?.topic).toBe('access-logs-dead-letter');
  });

  it('grants the Pub/Sub service agent exactly what the subscription and its dead-letter policy need, in an order that works', () => {
    const plan = planSetup({ ...input(), projectNumber: '123456789' });
    const agent = 'serviceAccount:service-123456789@gcp-sa-pubsub.iam.gserviceaccount.com';
    const grants = byKind(plan.resources, 'iam')
      .filter((r) => r.member === agent)
      .map((r) => [r.role, r.target]);
    expect(grants).toEqual([
      ['roles/bigquery.dataEditor', { type: 'table', dataset: 'logflow_raw', table: 'landing' }],
      ['roles/pubsub.publisher', { type: 'topic', topic: 'access-logs-dead-letter' }],
      ['roles/pubsub.subscriber', { type: 'subscription', subscription: 'access-logs-to-bigquery' }],
    ]);
    const index = (pred: (r: Resource) => boolean) => plan.resources.findIndex(pred);
    const subscription = index((r) => r.kind === 'subscription' && !!r.bigquery);
    expect(index((r) => r.kind === 'iam' && r.role === 'roles/bigquery.dataEditor' && r.target.type === 'table')).toBeLessThan(
      subscription,
    );
    expect(index((r) => r.kind === 'iam' && r.role === 'roles/pubsub.subscriber')).toBeGreaterThan(subscription);
  });

  it('points the UDF var at a versioned object holding the installed ua-parser-js 1.x', () => {
    const plan = planSetup(input());
    const [object] = byKind(plan.resources, 'object');
    expect(object?.object).toMatch(/^logflow\/ua-parser-js-1\.\d+\.\d+\.min\.js$/);
    const [release] = byKind(plan.resources, 'releaseConfig');
    expect(release?.overrides).toMatchObject({
      defaultDatabase: 'demo-project',
      defaultLocation: 'EU',
      vars: { uaParserLibraryUri: `gs://demo-project-logflow/${object!.object}`, warehouse: 'bigquery' },
    });
  });

  it('plans the schedule only with --schedule, with the runner roles from the Dataform docs', () => {
    expect(byKind(planSetup({ ...input(), schedule: undefined }).resources, 'workflowConfig')).toEqual([]);
    const plan = planSetup({ ...input(), projectNumber: '42' });
    expect(byKind(plan.resources, 'workflowConfig')[0]).toMatchObject({
      cronSchedule: '*/15 * * * *',
      timeZone: 'Etc/UTC',
      serviceAccount: 'logflow-dataform@demo-project.iam.gserviceaccount.com',
    });
    expect(plan.names.repository).toBe('projects/demo-project/locations/europe-west1/repositories/logflow');
    const runnerRoles = byKind(plan.resources, 'iam')
      .filter((r) => r.member === 'serviceAccount:logflow-dataform@demo-project.iam.gserviceaccount.com')
      .map((r) => r.role);
    expect(runnerRoles).toEqual(['roles/bigquery.dataEditor', 'roles/bigquery.jobUser', 'roles/storage.objectViewer']);
    expect(byKind(plan.resources, 'iam').find((r) => r.role === 'roles/iam.serviceAccountTokenCreator')?.member).toBe(
      'serviceAccount:service-42@gcp-sa-dataform.iam.gserviceaccount.com',
    );
  });

  it('gives every resource a unique label', () => {
    const plan = planSetup(input());
    const labels = plan.resources.map((r) => label(r, 'demo-project'));
    expect(new Set(labels).size).toBe(labels.length);
  });
});

describe('setupInput()', () => {
  it.each([
    [{ location: 'EU' }, /--project P is required/],
    [{ project: 'Demo_Project', location: 'EU' }, /--project must be a project id/],
    [{ project: 'demo-project', location: 'EU', schedule: 'every hour' }, /five-field cron/],
    [{ project: 'demo-project', location: 'EU', 'max-delivery-attempts': '4' }, /5-100/],
    [{ project: 'demo-project', location: 'EU', 'max-delivery-attempts': '101' }, /5-100/],
    [{ project: 'demo-project', location: 'EU', 'landing-expiration-days': '7' }, /8-415/],
  ])('rejects %j in one line', (flags, message) => {
    expect(() => setupInput(flags, {})).toThrow(message);
  });
});

describe('renderPlan()', () => {
  it('prints gcloud with project:dataset.table and the API spelling project.dataset.table', () => {
    const text = renderPlan(planSetup(input()));
    expect(text).toContain(
      '--bigquery-table=demo-project:logflow_raw.landing --write-metadata --dead-letter-topic=access-logs-dead-letter --max-delivery-attempts=10',
    );
    expect(text).toContain('bigquery table: demo-project.logflow_raw.landing');
    expect(text).toContain('bq --location=EU mk --dataset demo-project:logflow_raw');
    expect(text).toContain('"serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"');
    expect(text).toContain('cron: */15 * * * *');
    expect(text).toContain(
      'bq mk --table --time_partitioning_type=HOUR --time_partitioning_expiration=31536000 demo-project:logflow_raw.landing subscription_name:STRING,message_id:STRING,publish_time:TIMESTAMP,data:BYTES,attributes:JSON',
    );
  });
});

describe('buildTree()', () => {
  it('holds definitions/, includes/ and an exact-pinned workflow_settings.yaml, and nothing else', () => {
    const tree = buildTree(readProjectConfig(), '3.0.62');
    const tops = new Set([...tree.files.keys()].map((p) => p.split('/')[0]));
    expect([...tops].sort()).toEqual(['definitions', 'includes', SETTINGS_FILE]);
    const settings = yaml.load(tree.files.get(SETTINGS_FILE)!.toString('utf8')) as Record<string, unknown>;
    const config = readProjectConfig();
    expect(settings).toEqual({
      dataformCoreVersion: '3.0.62',
      defaultProject: config.database,
      defaultLocation: config.location,
      defaultDataset: config.schema,
      defaultAssertionDataset: config.assertionSchema,
      vars: config.vars,
    });
    expect(buildTree(readProjectConfig(), '3.0.62').digest).toBe(tree.digest);
    expect(buildTree(readProjectConfig(), '3.0.63').digest).not.toBe(tree.digest);
  });

  it('compiles on its own: the tree needs no file outside it', () => {
    const tree = buildTree(readProjectConfig(), '3.0.62');
    const dir = mkdtempSync(join(tmpdir(), 'logflow-tree-'));
    try {
      for (const [path, content] of tree.files) {
        if (path === SETTINGS_FILE) continue;
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      // our compiler reads dataform.json; give it the same settings the yaml carries
      const s = yaml.load(tree.files.get(SETTINGS_FILE)!.toString('utf8')) as Record<string, unknown>;
      writeFileSync(
        join(dir, 'dataform.json'),
        JSON.stringify({
          warehouse: 'bigquery',
          defaultDatabase: s.defaultProject,
          defaultSchema: s.defaultDataset,
          assertionSchema: s.defaultAssertionDataset,
          defaultLocation: s.defaultLocation,
          vars: s.vars,
        }),
      );
      const graph = compileProject({ projectDir: dir, warehouse: 'bigquery' });
      const full = compileProject({ projectDir: PROJECT_DIR, warehouse: 'bigquery' });
      expect(graph.tables?.length).toBe(full.tables?.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('digestInMessage()', () => {
  it.each([
    [`logflow tree sha256:${'a'.repeat(64)}\n\n12 files`, 'a'.repeat(64)],
    ['Initial commit', null],
    [undefined, null],
  ])('reads %j', (message, digest) => {
    expect(digestInMessage(message)).toBe(digest);
  });
});

describe('logflow setup --dry-run', () => {
  it('prints the whole plan and touches nothing (no credentials needed)', async () => {
    const out = await new Promise<{ code: number; stdout: string }>((done) =>
      execFile(
        process.execPath,
        [
          join(PROJECT_DIR, 'bin/logflow.js'),
          'setup',
          '--project',
          'demo-project',
          '--location',
          'EU',
          '--schedule',
          '*/15 * * * *',
          '--dry-run',
        ],
        { env: { ...process.env, GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent.json' } },
        (error, stdout) => done({ code: error ? Number((error as { code?: number }).code) : 0, stdout }),
      ),
    );
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/dry run: nothing was read or changed/);
    expect(out.stdout.match(/^\s*\d+\. /gm)?.length).toBe(30);
  });
});
