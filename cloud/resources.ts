import { TABLES as REF_TABLES } from '../geo/load.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Clients } from './clients.ts';
import { cloudError, isNotFound, classify } from './errors.ts';
import { ensureBinding, type Policy, type PolicyAccess } from './iam.ts';
import { iamTargetLabel, sinkOfMember, type IamTarget, type Plan, type Resource } from './plan.ts';
import { buildTree, digestInMessage, digestOf, DIGEST_PREFIX, type DataformTree } from './dataform-tree.ts';
import { uaParserDist } from './input.ts';
import { readProjectConfig } from '../warehouse/project.ts';

/**
 * Creating or verifying one planned resource. Every handler reads the resource first; when it
 * exists its settings are compared with the plan and any difference is drift (reported, never
 * changed); when it is missing it is created (apply) or reported missing (check).
 */
export type Status = 'ok' | 'created' | 'updated' | 'missing' | 'drift';

export interface Outcome {
  status: Status;
  /** Differences, state or what was done, in a few words. */
  detail?: string;
}

export interface Context {
  clients: Clients;
  plan: Plan;
  apply: boolean;
  /** The tree commit published (or found) by the dataformTree step, for the release config. */
  treeCommit?: string;
  /** For tests: the tree to publish (default: this checkout's). */
  tree?: DataformTree;
  /** Loads the IP reference tables (default: geo/bigquery.ts). */
  loadReference?: (ctx: Context) => Promise<void>;
  /** Writer identities of the log sinks seen (or created) by the logSink steps, by sink name. */
  sinkWriters?: Map<string, string>;
}

const ok = (detail?: string): Outcome => ({ status: 'ok', detail });
const missing = (): Outcome => ({ status: 'missing' });
const drift = (differences: string[]): Outcome => ({ status: 'drift', detail: `${differences.join('; ')} (left as is)` });

function differences(pairs: Array<[string, unknown, unknown]>): string[] {
  return pairs
    .filter(([, have, want]) => JSON.stringify(have) !== JSON.stringify(want))
    .map(([what, have, want]) => `${what} is ${JSON.stringify(have)}, plan says ${JSON.stringify(want)}`);
}

async function read<T>(ctx: Context, r: Resource, action: string, role: string, on: string, get: () => Promise<T>): Promise<T | null> {
  try {
    return await get();
  } catch (error) {
    if (isNotFound(error)) return null;
    throw cloudError(error, ctx.plan.input.project, action, role, on);
  }
}

async function write<T>(ctx: Context, action: string, role: string, on: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw cloudError(error, ctx.plan.input.project, action, role, on);
  }
}

export async function ensure(ctx: Context, r: Resource): Promise<Outcome> {
  const p = ctx.plan.input.project;
  const { clients } = ctx;
  switch (r.kind) {
    case 'service': {
      const name = `projects/${p}/services/${r.service}`;
      const [service] = await write(ctx, `reading ${r.service}`, 'roles/serviceusage.serviceUsageViewer', `project ${p}`, () =>
        clients.serviceUsage.getService({ name }),
      );
      // REST asks for numeric enums (ENABLED = 2); gRPC gives names
      if (String(service.state) === 'ENABLED' || Number(service.state) === 2) return ok();
      if (!ctx.apply) return missing();
      const [operation] = await write(ctx, `enabling ${r.service}`, 'roles/serviceusage.serviceUsageAdmin', `project ${p}`, () =>
        clients.serviceUsage.enableService({ name }),
      );
      await write(ctx, `enabling ${r.service}`, 'roles/serviceusage.serviceUsageAdmin', `project ${p}`, () => operation.promise());
      return { status: 'created', detail: 'enabled' };
    }
    case 'dataset': {
      const on = `project ${p}`;
      const dataset = clients.bigquery.dataset(r.dataset);
      const meta = await read(
        ctx,
        r,
        `reading dataset ${p}.${r.dataset}`,
        'roles/bigquery.metadataViewer',
        on,
        async () => (await dataset.getMetadata())[0] as { location?: string },
      );
      if (meta) {
        const have = String(meta.location ?? '');
        return have.toLowerCase() === r.location.toLowerCase()
          ? ok(`location ${have}`)
          : drift([
              `location is ${have}, plan says ${r.location} (a dataset cannot move: choose --location ${have} or use another project)`,
            ]);
      }
      if (!ctx.apply) return missing();
      await write(ctx, `creating dataset ${p}.${r.dataset}`, 'roles/bigquery.dataEditor', on, () =>
        clients.bigquery.createDataset(r.dataset, { location: r.location }),
      );
      return { status: 'created', detail: `in ${r.location}` };
    }
    case 'table': {
      const on = `dataset ${p}.${r.dataset}`;
      const table = clients.bigquery.dataset(r.dataset).table(r.table);
      type TableMeta = {
        schema?: { fields?: Array<{ name: string; type: string }> };
        timePartitioning?: { type?: string; field?: string; expirationMs?: string };
        clustering?: { fields?: string[] };
      };
      const meta = await read(
        ctx,
        r,
        `reading table ${p}.${r.dataset}.${r.table}`,
        'roles/bigquery.metadataViewer',
        on,
        async () => (await table.getMetadata())[0] as TableMeta,
      );
      if (meta) {
        const have = (meta.schema?.fields ?? []).map((f) => `${f.name} ${f.type}`);
        const want = r.fields.map((f) => `${f.name} ${f.type}`);
        const found = differences([
          ['columns', have.filter((c) => want.includes(c)).length === want.length ? want : have, want],
          [
            'partitioning',
            { type: meta.timePartitioning?.type ?? null, field: meta.timePartitioning?.field ?? null },
            { type: r.partitioning.type, field: r.partitioning.field ?? null },
          ],
          [
            'partition expiration days',
            meta.timePartitioning?.expirationMs ? Number(meta.timePartitioning.expirationMs) / 86_400_000 : null,
            r.partitioning.expirationDays ?? null,
          ],
          ['clustering', meta.clustering?.fields ?? [], r.clustering],
        ]);
        return found.length === 0 ? ok() : drift(found);
      }
      if (!ctx.apply) return missing();
      await write(ctx, `creating table ${p}.${r.dataset}.${r.table}`, 'roles/bigquery.dataEditor', on, () =>
        clients.bigquery.dataset(r.dataset).createTable(r.table, {
          schema: { fields: r.fields },
          timePartitioning: {
            type: r.partitioning.type,
            ...(r.partitioning.field ? { field: r.partitioning.field } : {}),
            ...(r.partitioning.expirationDays ? { expirationMs: String(r.partitioning.expirationDays * 86_400_000) } : {}),
          },
          ...(r.clustering.length > 0 ? { clustering: { fields: r.clustering } } : {}),
        }),
      );
      return { status: 'created' };
    }
    case 'topic': {
      const on = `project ${p}`;
      const topic = clients.pubsub.topic(r.topic);
      const exists = await read(ctx, r, `reading topic ${r.topic}`, 'roles/pubsub.viewer', on, async () => (await topic.getMetadata())[0]);
      if (exists) return ok();
      if (!ctx.apply) return missing();
      await write(ctx, `creating topic ${r.topic}`, 'roles/pubsub.editor', on, () => clients.pubsub.createTopic(r.topic));
      return { status: 'created' };
    }
    case 'subscription':
      return ensureSubscription(ctx, r);
    case 'logSink':
      return ensureLogSink(ctx, r);
    case 'iam':
      return ensureIam(ctx, r);
    case 'bucket': {
      const on = `project ${p}`;
      const bucket = clients.storage.bucket(r.bucket);
      const meta = await read(
        ctx,
        r,
        `reading bucket gs://${r.bucket}`,
        'roles/storage.admin',
        on,
        async () => (await bucket.getMetadata())[0] as { location?: string },
      );
      if (meta) {
        const have = String(meta.location ?? '');
        return have.toLowerCase() === r.location.toLowerCase()
          ? ok(`location ${have}`)
          : drift([`location is ${have}, plan says ${r.location} (pass --bucket to use another bucket)`]);
      }
      if (!ctx.apply) return missing();
      await write(ctx, `creating bucket gs://${r.bucket}`, 'roles/storage.admin', on, () =>
        clients.storage.createBucket(r.bucket, {
          location: r.location,
          iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
        } as never),
      );
      return { status: 'created', detail: `in ${r.location}` };
    }
    case 'object': {
      const on = `bucket gs://${r.bucket}`;
      const path = uaParserDist();
      const md5 = createHash('md5').update(readFileSync(path)).digest('base64');
      const file = clients.storage.bucket(r.bucket).file(r.object);
      const meta = await read(
        ctx,
        r,
        `reading gs://${r.bucket}/${r.object}`,
        'roles/storage.objectViewer',
        on,
        async () => (await file.getMetadata())[0] as { md5Hash?: string },
      );
      if (meta)
        return meta.md5Hash === md5
          ? ok(`md5 ${md5}`)
          : drift([
              `content differs from the installed ua-parser-js ${r.version} (md5 ${meta.md5Hash}, expected ${md5}); delete the object to replace it`,
            ]);
      if (!ctx.apply) return missing();
      await write(ctx, `uploading gs://${r.bucket}/${r.object}`, 'roles/storage.objectAdmin', on, () =>
        clients.storage.bucket(r.bucket).upload(path, {
          destination: r.object,
          resumable: false,
          validation: 'md5',
          metadata: { contentType: 'application/javascript', md5Hash: md5 },
        }),
      );
      return { status: 'created', detail: `${readFileSync(path).length} bytes, md5 ${md5}` };
    }
    case 'reference': {
      const on = `dataset ${p}.${r.dataset}`;
      const have: string[] = [];
      for (const t of r.tables) {
        const exists = await read(
          ctx,
          r,
          `reading table ${p}.${r.dataset}.${t}`,
          'roles/bigquery.metadataViewer',
          on,
          async () => (await clients.bigquery.dataset(r.dataset).table(t).getMetadata())[0],
        );
        if (exists) have.push(t);
      }
      if (have.length === r.tables.length) return ok('present (reload with logflow geo load)');
      if (!ctx.apply) return missing();
      // Only the (empty) city table missing, e.g. a deployment from before city data: create it
      // alone, so the country and AS ranges a user loaded are not replaced by the bundled ones.
      const lacking = r.tables.filter((t) => !have.includes(t));
      if (lacking.length === 1 && lacking[0] === REF_TABLES.city) {
        await write(ctx, `creating table ${p}.${r.dataset}.${REF_TABLES.city}`, 'roles/bigquery.dataEditor', on, () =>
          ensureCityTable(ctx),
        );
        return { status: 'created', detail: 'empty (load a city database with logflow geo load --city-csv)' };
      }
      await (ctx.loadReference ?? loadReference)(ctx);
      return { status: 'created', detail: 'loaded with BigQuery load jobs' };
    }
    case 'serviceAccount': {
      const on = `project ${p}`;
      const path = `/v1/projects/${p}/serviceAccounts/${encodeURIComponent(r.email)}`;
      const exists = await read(ctx, r, `reading service account ${r.email}`, 'roles/iam.serviceAccountViewer', on, () =>
        clients.rest('iam', 'GET', path),
      );
      if (exists) return ok();
      if (!ctx.apply) return missing();
      await write(ctx, `creating service account ${r.email}`, 'roles/iam.serviceAccountAdmin', on, () =>
        clients.rest('iam', 'POST', `/v1/projects/${p}/serviceAccounts`, {
          accountId: r.accountId,
          serviceAccount: { displayName: r.displayName },
        }),
      );
      return { status: 'created' };
    }
    case 'dataformRepository': {
      const on = `project ${p}`;
      const meta = await read(
        ctx,
        r,
        `reading Dataform repository ${r.name}`,
        'roles/dataform.viewer',
        on,
        async () => (await clients.dataform.getRepository({ name: r.name }))[0],
      );
      if (meta) {
        const found = differences([
          ['service account', meta.serviceAccount ?? '', r.serviceAccount],
          ['Git remote', meta.gitRemoteSettings?.url ?? '', ''],
        ]);
        return found.length === 0 ? ok() : drift(found);
      }
      if (!ctx.apply) return missing();
      const parent = r.name.slice(0, r.name.lastIndexOf('/repositories/'));
      const repositoryId = r.name.slice(r.name.lastIndexOf('/') + 1);
      await write(ctx, `creating Dataform repository ${r.name}`, 'roles/dataform.admin', on, () =>
        clients.dataform.createRepository({ parent, repositoryId, repository: { serviceAccount: r.serviceAccount } }),
      );
      return { status: 'created' };
    }
    case 'dataformTree':
      return ensureTree(ctx, r);
    case 'releaseConfig':
      return ensureReleaseConfig(ctx, r);
    case 'workflowConfig': {
      const on = `repository ${r.name.slice(0, r.name.lastIndexOf('/workflowConfigs/'))}`;
      const meta = await read(
        ctx,
        r,
        `reading Dataform workflow config ${r.name}`,
        'roles/dataform.viewer',
        on,
        async () => (await clients.dataform.getWorkflowConfig({ name: r.name }))[0],
      );
      if (meta) {
        const found = differences([
          ['release config', meta.releaseConfig ?? '', r.releaseConfig],
          ['cron', meta.cronSchedule ?? '', r.cronSchedule],
          ['time zone', meta.timeZone ?? '', r.timeZone],
          ['service account', meta.invocationConfig?.serviceAccount ?? '', r.serviceAccount],
        ]);
        if (meta.disabled) found.push('the schedule is disabled');
        return found.length === 0 ? ok(`cron ${meta.cronSchedule} ${meta.timeZone}`) : drift(found);
      }
      if (!ctx.apply) return missing();
      const parent = r.name.slice(0, r.name.lastIndexOf('/workflowConfigs/'));
      await write(
        ctx,
        `creating Dataform workflow config ${r.name}`,
        'roles/dataform.admin and roles/iam.serviceAccountUser on the runner',
        on,
        () =>
          clients.dataform.createWorkflowConfig({
            parent,
            workflowConfigId: r.name.slice(r.name.lastIndexOf('/') + 1),
            workflowConfig: {
              releaseConfig: r.releaseConfig,
              cronSchedule: r.cronSchedule,
              timeZone: r.timeZone,
              invocationConfig: { serviceAccount: r.serviceAccount },
            },
          }),
      );
      return { status: 'created', detail: `cron ${r.cronSchedule} ${r.timeZone}` };
    }
  }
}

async function loadReference(ctx: Context): Promise<void> {
  const { defaultFiles } = await import('../geo/load.ts');
  const { loadIntoBigQuery } = await import('../geo/bigquery.ts');
  const { REF_DATASET } = await import('../geo/load.ts');
  const target = { projectId: ctx.plan.input.project, dataset: REF_DATASET, location: ctx.plan.input.location };
  for (const kind of ['country', 'asn'] as const) await loadIntoBigQuery(ctx.clients.bigquery, target, kind, defaultFiles(kind));
  await ensureCityTable(ctx);
}

/** The city ranges table, empty when missing (left alone when present: a user's city data). */
async function ensureCityTable(ctx: Context): Promise<void> {
  const { ensureBigQueryTable } = await import('../geo/bigquery.ts');
  const { REF_DATASET } = await import('../geo/load.ts');
  const target = { projectId: ctx.plan.input.project, dataset: REF_DATASET, location: ctx.plan.input.location };
  await ensureBigQueryTable(ctx.clients.bigquery, target, 'city');
}

type SubscriptionResource = Extract<Resource, { kind: 'subscription' }>;

async function ensureSubscription(ctx: Context, r: SubscriptionResource): Promise<Outcome> {
  const p = ctx.plan.input.project;
  const on = `project ${p}`;
  const subscription = ctx.clients.pubsub.subscription(r.subscription);
  type SubMeta = {
    topic?: string;
    bigqueryConfig?: {
      table?: string;
      writeMetadata?: boolean;
      useTopicSchema?: boolean;
      dropUnknownFields?: boolean;
      state?: string | number;
    } | null;
    deadLetterPolicy?: { deadLetterTopic?: string; maxDeliveryAttempts?: number } | null;
  };
  const meta = await read(
    ctx,
    r,
    `reading subscription ${r.subscription}`,
    'roles/pubsub.viewer',
    on,
    async () => (await subscription.getMetadata())[0] as SubMeta,
  );
  const topicName = (t: string) => `projects/${p}/topics/${t}`;
  if (meta) {
    const pairs: Array<[string, unknown, unknown]> = [['topic', meta.topic ?? '', topicName(r.topic)]];
    if (r.bigquery) {
      const bq = meta.bigqueryConfig ?? {};
      pairs.push(
        ['bigquery table', bq.table ?? '', r.bigquery.table],
        ['write_metadata', !!bq.writeMetadata, true],
        ['use_topic_schema', !!bq.useTopicSchema, false],
        ['drop_unknown_fields', !!bq.dropUnknownFields, false],
      );
    }
    if (r.deadLetter) {
      pairs.push(
        ['dead-letter topic', meta.deadLetterPolicy?.deadLetterTopic ?? '', topicName(r.deadLetter.topic)],
        ['max delivery attempts', meta.deadLetterPolicy?.maxDeliveryAttempts ?? 0, r.deadLetter.maxDeliveryAttempts],
      );
    }
    const found = differences(pairs);
    const state = r.bigquery ? String(meta.bigqueryConfig?.state ?? 'STATE_UNSPECIFIED') : undefined;
    if (found.length > 0) return drift(found);
    if (state && state !== 'ACTIVE') return { status: 'drift', detail: `state ${state}: ${stateHint(state)}` };
    return ok(state ? `state ${state}` : undefined);
  }
  if (!ctx.apply) return missing();
  const options: Record<string, unknown> = { messageRetentionDuration: { seconds: 604800 }, expirationPolicy: {} };
  if (r.bigquery)
    options.bigqueryConfig = { table: r.bigquery.table, writeMetadata: true, useTopicSchema: false, dropUnknownFields: false };
  if (r.deadLetter)
    options.deadLetterPolicy = { deadLetterTopic: topicName(r.deadLetter.topic), maxDeliveryAttempts: r.deadLetter.maxDeliveryAttempts };
  await write(ctx, `creating subscription ${r.subscription}`, 'roles/pubsub.editor', on, () =>
    ctx.clients.pubsub.topic(r.topic).createSubscription(r.subscription, options),
  );
  return { status: 'created' };
}

export function stateHint(state: string): string {
  switch (state) {
    case 'PERMISSION_DENIED':
      return 'the Pub/Sub service agent cannot write the table; grant it roles/bigquery.dataEditor on the landing table (logflow setup does)';
    case 'NOT_FOUND':
      return 'the landing table does not exist; run logflow setup';
    case 'SCHEMA_MISMATCH':
      return "the landing table's columns do not match the messages; compare it with `logflow setup --dry-run`";
    case 'IN_TRANSIT_LOCATION_RESTRICTION':
      return 'a message storage policy blocks the table location';
    default:
      return 'not writing to BigQuery';
  }
}

type LogSinkResource = Extract<Resource, { kind: 'logSink' }>;

/**
 * The Log Router sink (Cloud Logging): read it; when it exists, its destination and filter must
 * be the plan's (else drift) and its writer identity is recorded for the IAM step after it; when
 * it is missing, create it with a unique writer identity.
 */
async function ensureLogSink(ctx: Context, r: LogSinkResource): Promise<Outcome> {
  const p = ctx.plan.input.project;
  const on = `project ${p}`;
  const destination = `pubsub.googleapis.com/projects/${p}/topics/${r.topic}`;
  const sink = ctx.clients.logging.sink(r.sink);
  type SinkMeta = { destination?: string; filter?: string; writerIdentity?: string; disabled?: boolean };
  const record = (meta: SinkMeta) => {
    ctx.sinkWriters ??= new Map();
    if (meta.writerIdentity) ctx.sinkWriters.set(r.sink, meta.writerIdentity);
  };
  const meta = await read(
    ctx,
    r,
    `reading log sink ${r.sink}`,
    'roles/logging.viewer',
    on,
    async () => (await sink.getMetadata())[0] as SinkMeta,
  );
  if (meta) {
    record(meta);
    const found = differences([
      ['destination', meta.destination ?? '', destination],
      ['filter', meta.filter ?? '', r.filter],
      ['disabled', !!meta.disabled, false],
    ]);
    return found.length === 0 ? ok(`writer ${meta.writerIdentity ?? 'unknown'}`) : drift(found);
  }
  if (!ctx.apply) return missing();
  const [, created] = await write(ctx, `creating log sink ${r.sink}`, 'roles/logging.configWriter', on, () =>
    ctx.clients.logging.createSink(r.sink, { destination, filter: r.filter, uniqueWriterIdentity: true } as never),
  );
  record((created ?? {}) as SinkMeta);
  return { status: 'created', detail: `writer ${(created as SinkMeta | undefined)?.writerIdentity ?? 'unknown'}` };
}

type IamResource = Extract<Resource, { kind: 'iam' }>;

function policyAccess(ctx: Context, target: IamTarget): PolicyAccess {
  const { clients } = ctx;
  const p = ctx.plan.input.project;
  switch (target.type) {
    case 'table': {
      const table = clients.bigquery.dataset(target.dataset).table(target.table);
      return {
        get: async () => (await table.getIamPolicy())[0] as Policy,
        set: async (policy) => void (await table.setIamPolicy(policy as never)),
      };
    }
    case 'topic': {
      const topic = clients.pubsub.topic(target.topic);
      return {
        get: async () => (await topic.iam.getPolicy())[0] as Policy,
        set: async (policy) => void (await topic.iam.setPolicy(policy as never)),
      };
    }
    case 'subscription': {
      const subscription = clients.pubsub.subscription(target.subscription);
      return {
        get: async () => (await subscription.iam.getPolicy())[0] as Policy,
        set: async (policy) => void (await subscription.iam.setPolicy(policy as never)),
      };
    }
    case 'project': {
      const resource = `projects/${p}`;
      return {
        get: async () => (await clients.projects.getIamPolicy({ resource, options: { requestedPolicyVersion: 3 } }))[0] as Policy,
        set: async (policy) => void (await clients.projects.setIamPolicy({ resource, policy: policy as never })),
      };
    }
    case 'bucket': {
      const bucket = clients.storage.bucket(target.bucket);
      return {
        get: async () => (await bucket.iam.getPolicy({ requestedPolicyVersion: 3 }))[0] as Policy,
        set: async (policy) => void (await bucket.iam.setPolicy(policy as never)),
      };
    }
    case 'serviceAccount': {
      const path = `/v1/projects/${p}/serviceAccounts/${encodeURIComponent(target.email)}`;
      return {
        get: () => clients.rest<Policy>('iam', 'POST', `${path}:getIamPolicy`, {}),
        set: async (policy) => void (await clients.rest('iam', 'POST', `${path}:setIamPolicy`, { policy })),
      };
    }
  }
}

const ADMIN_ROLE: Record<IamTarget['type'], string> = {
  table: 'roles/bigquery.admin (bigquery.tables.setIamPolicy)',
  topic: 'roles/pubsub.admin',
  subscription: 'roles/pubsub.admin',
  project: 'roles/resourcemanager.projectIamAdmin',
  bucket: 'roles/storage.admin',
  serviceAccount: 'roles/iam.serviceAccountAdmin',
};

async function ensureIam(ctx: Context, r: IamResource): Promise<Outcome> {
  const p = ctx.plan.input.project;
  const on = iamTargetLabel(r.target, p);
  // a log sink's writer identity is known once the sink exists (its logSink step records it)
  const sink = sinkOfMember(r.member);
  const member = sink ? ctx.sinkWriters?.get(sink) : r.member;
  if (!member) return { status: 'missing', detail: `log sink ${sink} does not exist yet, so its writer identity is unknown` };
  try {
    const result = await ensureBinding(policyAccess(ctx, r.target), r.role, member, ctx.apply);
    if (sink) return result === 'missing' ? { status: 'missing', detail: member } : { status: result, detail: member };
    return result === 'missing' ? missing() : { status: result };
  } catch (error) {
    if (isNotFound(error) && !ctx.apply) return { status: 'missing', detail: `${on} does not exist` };
    throw cloudError(error, p, `granting ${r.role} to ${member} on ${on}`, ADMIN_ROLE[r.target.type], on);
  }
}

type TreeResource = Extract<Resource, { kind: 'dataformTree' }>;
/** Lists the paths of the published tree, so that a later publish can delete removed files. */
export const MANIFEST = 'logflow-tree.json';

async function ensureTree(ctx: Context, r: TreeResource): Promise<Outcome> {
  const p = ctx.plan.input.project;
  const on = `repository ${r.repository}`;
  const config = readProjectConfig();
  const base = ctx.tree ?? buildTree(config, r.coreVersion);
  const files = new Map(base.files);
  files.set(MANIFEST, Buffer.from(JSON.stringify({ files: [...base.files.keys()].sort() }, null, 2) + '\n'));
  const digest = digestOf(files);
  const history = await read(
    ctx,
    r,
    `reading ${r.repository} history`,
    'roles/dataform.viewer',
    on,
    async () => (await ctx.clients.dataform.fetchRepositoryHistory({ name: r.repository, pageSize: 1 }, { autoPaginate: false }))[0],
  );
  if (history === null) return missing();
  const head = history[0];
  const headDigest = digestInMessage(head?.commitMessage);
  if (head && headDigest === digest) {
    ctx.treeCommit = head.commitSha ?? undefined;
    return ok(`commit ${String(head.commitSha).slice(0, 12)}, ${files.size} files`);
  }
  if (head && headDigest === null)
    return drift([
      `the repository's last commit ${String(head.commitSha).slice(0, 12)} ("${String(head.commitMessage ?? '').split('\n')[0]}") was not made by logflow setup`,
    ]);
  if (!ctx.apply) return { status: 'missing', detail: head ? 'the published tree is older than this checkout' : 'nothing published yet' };
  const fileOperations: Record<string, { writeFile?: { contents: Buffer }; deleteFile?: Record<string, never> }> = {};
  for (const [path, contents] of files) fileOperations[path] = { writeFile: { contents } };
  if (head) {
    try {
      const [old] = await ctx.clients.dataform.readRepositoryFile({
        name: r.repository,
        path: MANIFEST,
        commitSha: head.commitSha ?? undefined,
      });
      const previous = (JSON.parse(Buffer.from(old.contents ?? '').toString('utf8')) as { files?: string[] }).files ?? [];
      for (const path of previous) if (!files.has(path)) fileOperations[path] = { deleteFile: {} };
    } catch (error) {
      if (classify(error) !== 'not-found')
        throw cloudError(error, p, `reading ${MANIFEST} in ${r.repository}`, 'roles/dataform.viewer', on);
    }
  }
  const [response] = await write(ctx, `publishing the Dataform tree to ${r.repository}`, 'roles/dataform.admin', on, () =>
    ctx.clients.dataform.commitRepositoryChanges({
      name: r.repository,
      commitMetadata: {
        author: { name: 'logflow setup', emailAddress: 'logflow-setup@noreply.invalid' },
        commitMessage: `${DIGEST_PREFIX}${digest}\n\nDataform-only tree published by logflow setup: ${files.size} files.`,
      },
      fileOperations,
      ...(head?.commitSha ? { requiredHeadCommitSha: head.commitSha } : {}),
    }),
  );
  ctx.treeCommit = response.commitSha ?? undefined;
  return { status: head ? 'updated' : 'created', detail: `commit ${String(response.commitSha).slice(0, 12)}, ${files.size} files` };
}

type ReleaseResource = Extract<Resource, { kind: 'releaseConfig' }>;

async function ensureReleaseConfig(ctx: Context, r: ReleaseResource): Promise<Outcome> {
  const p = ctx.plan.input.project;
  const on = `repository ${r.repository}`;
  const { dataform } = ctx.clients;
  const meta = await read(
    ctx,
    r,
    `reading Dataform release config ${r.name}`,
    'roles/dataform.viewer',
    on,
    async () => (await dataform.getReleaseConfig({ name: r.name }))[0],
  );
  const commit = ctx.treeCommit;
  let status: Status;
  if (meta) {
    const c = meta.codeCompilationConfig ?? {};
    const found = differences([
      ['defaultDatabase', c.defaultDatabase ?? '', r.overrides.defaultDatabase],
      ['defaultSchema', c.defaultSchema ?? '', r.overrides.defaultSchema],
      ['assertionSchema', c.assertionSchema ?? '', r.overrides.assertionSchema],
      ['defaultLocation', c.defaultLocation ?? '', r.overrides.defaultLocation],
      ['vars', sortKeys(c.vars ?? {}), sortKeys(r.overrides.vars)],
    ]);
    if (found.length > 0) return drift(found);
    if (!commit || meta.gitCommitish === commit) {
      const compiled = meta.releaseCompilationResult ? await compilationErrors(ctx, meta.releaseCompilationResult) : null;
      if (compiled === null) return ctx.apply && commit ? compile(ctx, r, 'ok') : { status: 'missing', detail: 'never compiled' };
      if (compiled.length > 0) return { status: 'drift', detail: `its compilation has ${compiled.length} error(s): ${compiled[0]}` };
      return ok(`commit ${String(meta.gitCommitish).slice(0, 12)}, compiled without errors`);
    }
    if (!ctx.apply) return { status: 'missing', detail: `points at ${String(meta.gitCommitish).slice(0, 12)}, not the published tree` };
    await write(ctx, `updating Dataform release config ${r.name}`, 'roles/dataform.admin', on, () =>
      dataform.updateReleaseConfig({ releaseConfig: { name: r.name, gitCommitish: commit }, updateMask: { paths: ['git_commitish'] } }),
    );
    status = 'updated';
  } else {
    if (!ctx.apply || !commit) return missing();
    const parent = r.repository;
    await write(ctx, `creating Dataform release config ${r.name}`, 'roles/dataform.admin', on, () =>
      dataform.createReleaseConfig({
        parent,
        releaseConfigId: r.name.slice(r.name.lastIndexOf('/') + 1),
        releaseConfig: { gitCommitish: commit, codeCompilationConfig: r.overrides },
      }),
    );
    status = 'created';
  }
  return compile(ctx, r, status);
}

/** Compiles the release config once, fails on compilation errors, and makes it the release's result. */
async function compile(ctx: Context, r: ReleaseResource, status: Status): Promise<Outcome> {
  const on = `repository ${r.repository}`;
  const { dataform } = ctx.clients;
  const [result] = await write(ctx, `compiling ${r.name}`, 'roles/dataform.editor', on, () =>
    dataform.createCompilationResult({ parent: r.repository, compilationResult: { releaseConfig: r.name } }),
  );
  const errors = (result.compilationErrors ?? []).map((e) => `${e.path ?? ''}: ${e.message ?? ''}`);
  if (errors.length > 0)
    return { status: 'drift', detail: `Dataform could not compile the tree: ${errors.length} error(s), first: ${errors[0]}` };
  await write(ctx, `updating ${r.name}`, 'roles/dataform.admin', on, () =>
    dataform.updateReleaseConfig({
      releaseConfig: { name: r.name, releaseCompilationResult: result.name ?? '' },
      updateMask: { paths: ['release_compilation_result'] },
    }),
  );
  return { status, detail: `compiled without errors (${result.dataformCoreVersion ?? 'core'}), ${String(ctx.treeCommit).slice(0, 12)}` };
}

async function compilationErrors(ctx: Context, name: string): Promise<string[] | null> {
  try {
    const [result] = await ctx.clients.dataform.getCompilationResult({ name });
    return (result.compilationErrors ?? []).map((e) => `${e.path ?? ''}: ${e.message ?? ''}`);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw cloudError(error, ctx.plan.input.project, `reading ${name}`, 'roles/dataform.viewer', name);
  }
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
