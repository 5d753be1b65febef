import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Clients } from '../../cloud/clients.ts';
import { setupInput } from '../../cloud/input.ts';
import { planSetup } from '../../cloud/plan.ts';
import { cloudChecks, exitCode, localChecks, render, ago, type Check } from '../../cloud/status.ts';
import { runLoad } from '../../cloud/load.ts';
import { generateLines } from '../../generator/index.ts';
import { compileProject } from '../../warehouse/compile.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { prepareWarehouse } from '../../pipeline/prepare.ts';
import { runModels } from '../support/pipeline.ts';
import { startCloudFake, type CloudFake } from '../support/cloud-fake.ts';
import { startPubsubAdminFake, type PubsubAdminFake } from '../support/pubsub-admin-fake.ts';
import { fakeAuth } from '../support/fake-auth.ts';

const byName = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.name, c]));

describe('ago()', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  it.each([
    [new Date('2026-11-29T11:59:30Z'), '30 s ago'],
    [new Date('2026-11-29T11:00:00Z'), '60 min ago'],
    [new Date('2026-11-28T12:00:00Z'), '24.0 h ago'],
    [new Date('2026-11-20T12:00:00Z'), '9.0 days ago'],
    [null, 'never'],
  ])('%s -> %s', (then, text) => expect(ago(then, now)).toBe(text));
});

describe('localChecks()', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logflow-status-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('follows a local pipeline from empty to transformed to behind', async () => {
    const warehouse = join(dir, 'w.duckdb');
    const log = join(dir, 'a.log');
    const lines = [...generateLines({ lines: 600, seed: 3 })];
    writeFileSync(log, lines.slice(0, 400).join('\n') + '\n');
    const load = () => runLoad({ inputs: [log], target: 'local', warehouse, ingestHost: 'web-1', progress: () => undefined });
    const checks = async () => {
      const wh = await openWarehouse(warehouse, { readOnly: true });
      try {
        return await localChecks(wh.connection, 'logflow', 'logflow_assertions', new Date());
      } finally {
        wh.close();
      }
    };
    await load();
    const landed = byName(await checks());
    expect(landed.ingesters).toMatchObject({ level: 'ok', text: expect.stringMatching(/^web-1: last line \d+ s ago \(400 in 24 h\)$/) });
    expect(landed.landing).toMatchObject({ level: 'ok', text: expect.stringMatching(/, 400 rows$/) });
    expect(landed['last run']).toMatchObject({ level: 'fail', text: 'never: run `logflow transform`' });
    expect(landed.subscription?.level).toBe('n/a');

    const wh = await openWarehouse(warehouse);
    await prepareWarehouse(wh.connection, compileProject({ warehouse: 'duckdb' }));
    await runModels(wh);
    wh.close();
    const done = await checks();
    expect(exitCode(done)).toBe(0);
    expect(byName(done)['last run']).toMatchObject({ level: 'ok' });
    expect(byName(done).assertions).toMatchObject({ level: 'ok', text: expect.stringMatching(/^\d+ passing$/) });

    writeFileSync(log, lines.join('\n') + '\n');
    await load();
    const behind = byName(await checks());
    expect(behind['last run']).toMatchObject({ level: 'warn', text: '200 landed rows not transformed yet: run `logflow transform`' });

    const broken = await openWarehouse(warehouse);
    await broken.connection.run(`create view logflow_assertions.always_fails as select 1 as x`);
    broken.close();
    const failing = await checks();
    expect(byName(failing).assertions).toMatchObject({
      level: 'fail',
      text: expect.stringMatching(/^1 of \d+ failing: always_fails \(1 rows\)$/),
    });
    expect(exitCode(failing)).toBe(1);
    expect(render('t', failing)).toMatch(/overall: FAILING\n$/);
  }, 120_000);
});

describe('cloudChecks()', () => {
  let cloud: CloudFake;
  let pubsub: PubsubAdminFake;
  let clients: Clients;
  const P = 'demo-project';
  const now = new Date();
  const plan = planSetup(setupInput({ project: P, location: 'EU', schedule: '*/15 * * * *' }, {}));
  const repo = plan.names.repository!;
  const sub = `projects/${P}/subscriptions/access-logs-to-bigquery`;
  /** TIMESTAMP cells as jobs.query sends them to this client (formatOptions.useInt64Timestamp): microseconds. */
  const secondsAgo = (s: number) => String((now.getTime() - s * 1000) * 1000);

  beforeEach(async () => {
    cloud = await startCloudFake({ project: P });
    pubsub = await startPubsubAdminFake();
    clients = connect({ projectId: P, endpoints: { http: cloud.endpoint, pubsub: pubsub.endpoint }, authClient: fakeAuth() });
    pubsub.topics.set(`projects/${P}/topics/access-logs`, { name: `projects/${P}/topics/access-logs` });
    pubsub.subscriptions.set(sub, {
      name: sub,
      topic: `projects/${P}/topics/access-logs`,
      bigqueryConfig: { table: `${P}.logflow_raw.landing`, writeMetadata: true, state: 'ACTIVE' },
    });
    cloud.state.metrics.set(`pubsub.googleapis.com/subscription/num_undelivered_messages|access-logs-to-bigquery`, 12);
    cloud.state.metrics.set(`pubsub.googleapis.com/subscription/oldest_unacked_message_age|access-logs-to-bigquery`, 3);
    cloud.state.queryAnswers.push(
      {
        contains: 'ingest_host',
        rows: [
          { host: 'web-1', last: secondsAgo(40), lines: 1000 },
          { host: 'web-2', last: secondsAgo(7200), lines: 20 },
        ],
        types: { last: 'TIMESTAMP', lines: 'INTEGER' },
      },
      { contains: 'as newest', rows: [{ newest: secondsAgo(40) }], types: { newest: 'TIMESTAMP' } },
      {
        contains: '__TABLES__',
        rows: [
          { table_id: 'requests', last_modified_time: String(now.getTime() - 300_000) },
          { table_id: 'sessions', last_modified_time: String(now.getTime() - 600_000) },
        ],
        types: { last_modified_time: 'INTEGER' },
      },
    );
    cloud.state.repositories.set(repo, { name: repo });
    cloud.state.commits.set(repo, []);
    const invocation = `${repo}/workflowInvocations/1700000000-abc`;
    cloud.state.workflowInvocations.set(repo, [
      { name: invocation, state: 'FAILED', invocationTiming: { startTime: new Date(now.getTime() - 600_000).toISOString() } },
    ]);
    cloud.state.invocationActions.set(invocation, [
      { target: { database: P, schema: 'logflow', name: 'requests' }, state: 'SUCCEEDED' },
      { target: { database: P, schema: 'logflow_assertions', name: 'lines_are_conserved' }, state: 'FAILED' },
    ]);
  });
  afterEach(async () => {
    await clients.close();
    await cloud.stop();
    await pubsub.stop();
  });

  it('reports every source on one screen, reading only recent landing partitions', async () => {
    const checks = byName(await cloudChecks(clients, plan, now));
    expect(checks.ingesters).toMatchObject({
      level: 'warn',
      text: 'web-1: last line 40 s ago (1,000 in 24 h); web-2: last line 2.0 h ago (20 in 24 h)',
    });
    expect(checks.subscription).toMatchObject({ level: 'ok', text: 'access-logs-to-bigquery: ACTIVE, backlog 12 messages, oldest 3 s' });
    expect(checks['dead letters']).toMatchObject({ level: 'ok' });
    expect(checks.landing).toMatchObject({ level: 'ok', text: 'newest row published 40 s ago' });
    expect(checks['last run']).toMatchObject({
      level: 'fail',
      text: expect.stringMatching(/^FAILED 10 min ago: 1 action\(s\) failed: logflow_assertions\.lines_are_conserved/),
    });
    expect(checks.outputs).toMatchObject({
      level: 'ok',
      text: '2 tables; newest logflow.requests 5 min ago, oldest logflow.sessions 10 min ago',
    });
    expect(checks.assertions).toMatchObject({ level: 'fail', text: '1 failing in the last run: logflow_assertions.lines_are_conserved' });
    const landingQueries = cloud.state.queries.filter((q) => q.includes('logflow_raw.landing'));
    expect(landingQueries).toHaveLength(2);
    for (const q of landingQueries) expect(q).toMatch(/_PARTITIONTIME >= timestamp_sub\(current_timestamp\(\), interval (24 hour|7 day)\)/);
  });

  it('fails on a subscription that cannot write, and counts dead-lettered messages', async () => {
    pubsub.subscriptions.get(sub)!.bigqueryConfig.state = 'PERMISSION_DENIED';
    cloud.state.metrics.set('pubsub.googleapis.com/subscription/num_undelivered_messages|access-logs-dead-letter-hold', 7);
    const checks = byName(await cloudChecks(clients, plan, now));
    expect(checks.subscription).toMatchObject({
      level: 'fail',
      text: expect.stringMatching(
        /PERMISSION_DENIED \(the Pub\/Sub service agent cannot write the table; grant it roles\/bigquery\.dataEditor/,
      ),
    });
    expect(checks['dead letters']).toMatchObject({
      level: 'warn',
      text: expect.stringMatching(/^7 messages held in access-logs-dead-letter-hold/),
    });
  });

  it('turns a permission error into a failing line, not a crash', async () => {
    cloud.fail({
      method: 'GET',
      path: /timeSeries$/,
      status: 403,
      message: 'Permission monitoring.timeSeries.list denied (or the resource may not exist).',
      times: 5,
    });
    const checks = byName(await cloudChecks(clients, plan, now));
    expect(checks.subscription).toMatchObject({
      level: 'fail',
      text: expect.stringMatching(/PERMISSION_DENIED; the account needs roles\/pubsub\.viewer and roles\/monitoring\.viewer/),
    });
    expect(checks.landing?.level).toBe('ok');
  });
});
