import type { DuckDBConnection } from '@duckdb/node-api';
import { ident } from '../warehouse/duckdb.ts';
import { LANDING_DATASET, LANDING_TABLE } from '../pipeline/landing.ts';
import type { Clients } from './clients.ts';
import { cloudError, isNotFound } from './errors.ts';
import { DEFAULTS, type Plan } from './plan.ts';
import { stateHint } from './resources.ts';

/**
 * `logflow status`: one screen answering "is my pipeline healthy?". Each check is one line with a
 * level. On BigQuery: the ingesters' last publish (landing rows of the last 24 arrival hours, by
 * ingest host), the subscription's state and backlog (Pub/Sub and Cloud Monitoring), dead-lettered
 * messages waiting in the dead-letter subscription, the newest landed row, the last Dataform
 * workflow invocation and its failed actions (assertions included), and when each output table
 * last changed (dataset metadata, no table scan). Locally: the same from the DuckDB warehouse,
 * without the Pub/Sub and Dataform sources.
 */
export type Level = 'ok' | 'warn' | 'fail' | 'n/a';

export interface Check {
  name: string;
  level: Level;
  text: string;
}

export interface Thresholds {
  /** Newest landed row older than this: warn (minutes). */
  landingMinutes: number;
  /** Outputs this far behind the newest landed row: warn (minutes). */
  outputMinutes: number;
  /** Oldest unacknowledged message older than this: warn (seconds). */
  backlogSeconds: number;
}
export const DEFAULT_THRESHOLDS: Thresholds = { landingMinutes: 60, outputMinutes: 120, backlogSeconds: 600 };

export function ago(then: Date | null, now: Date): string {
  if (!then || Number.isNaN(then.getTime())) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 48 * 3600) return `${(s / 3600).toFixed(1)} h ago`;
  return `${(s / 86400).toFixed(1)} days ago`;
}

const minutesSince = (then: Date | null, now: Date) => (then ? (now.getTime() - then.getTime()) / 60_000 : Infinity);
const fmt = (n: number) => n.toLocaleString('en-US');

export function render(title: string, checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const word: Record<Level, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', 'n/a': '-' };
  const lines = checks.map((c) => `  ${word[c.level].padEnd(4)}  ${c.name.padEnd(width)}  ${c.text}`);
  const worst = checks.some((c) => c.level === 'fail') ? 'FAILING' : checks.some((c) => c.level === 'warn') ? 'needs attention' : 'healthy';
  return [title, ...lines, `overall: ${worst}`].join('\n') + '\n';
}

export function exitCode(checks: Check[]): number {
  return checks.some((c) => c.level === 'fail') ? 1 : 0;
}

// ---- shared judgements (pure)

export function ingesterCheck(hosts: Array<{ host: string; last: Date | null; lines: number }>, now: Date, t: Thresholds): Check {
  if (hosts.length === 0)
    return { name: 'ingesters', level: 'warn', text: 'no line landed in the last 24 h (is `logflow ingest` running?)' };
  const parts = hosts.map((h) => `${h.host}: last line ${ago(h.last, now)} (${fmt(h.lines)} in 24 h)`);
  const stale = hosts.some((h) => minutesSince(h.last, now) > t.landingMinutes);
  return { name: 'ingesters', level: stale ? 'warn' : 'ok', text: parts.join('; ') };
}

export function landingCheck(newest: Date | null, total: number | null, now: Date, t: Thresholds): Check {
  if (!newest) return { name: 'landing', level: 'warn', text: 'no landed row yet' };
  const level = minutesSince(newest, now) > t.landingMinutes ? 'warn' : 'ok';
  return { name: 'landing', level, text: `newest row published ${ago(newest, now)}${total === null ? '' : `, ${fmt(total)} rows`}` };
}

export function outputsCheck(
  tables: Array<{ name: string; changed: Date | null }>,
  newestLanded: Date | null,
  now: Date,
  t: Thresholds,
): Check {
  if (tables.length === 0)
    return { name: 'outputs', level: 'fail', text: 'no output table yet: run the transform (locally `logflow transform`)' };
  const sorted = [...tables].sort((a, b) => (a.changed?.getTime() ?? 0) - (b.changed?.getTime() ?? 0));
  const oldest = sorted[0]!;
  const newest = sorted.at(-1)!;
  const behind = newestLanded && oldest.changed ? (newestLanded.getTime() - oldest.changed.getTime()) / 60_000 : 0;
  const level = behind > t.outputMinutes || !oldest.changed ? 'warn' : 'ok';
  return {
    name: 'outputs',
    level,
    text: `${tables.length} tables; newest ${newest.name} ${ago(newest.changed, now)}, oldest ${oldest.name} ${ago(oldest.changed, now)}`,
  };
}

// ---- local warehouse

async function rows(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

const asDate = (v: unknown): Date | null => (v instanceof Date ? v : v === null || v === undefined ? null : new Date(String(v)));

export async function localChecks(
  c: DuckDBConnection,
  schema: string,
  assertionSchema: string,
  now: Date,
  t: Thresholds = DEFAULT_THRESHOLDS,
): Promise<Check[]> {
  const checks: Check[] = [];
  const tables = await rows(c, `select table_schema as s, table_name as n, table_type as k from information_schema.tables`);
  const has = (s: string, n: string) => tables.some((r) => r.s === s && r.n === n);
  const landing = `${ident(LANDING_DATASET)}.${ident(LANDING_TABLE)}`;
  if (!has(LANDING_DATASET, LANDING_TABLE)) {
    return [{ name: 'landing', level: 'fail', text: 'no landing table: run `logflow ingest` or `logflow load` first' }];
  }
  const hosts = await rows(
    c,
    `select coalesce(attributes->>'ingest_host', '?') as host, max(publish_time) as last, count(*) as lines
     from ${landing} where publish_time >= now() - interval 24 hour group by 1 order by 1`,
  );
  checks.push(
    ingesterCheck(
      hosts.map((h) => ({ host: String(h.host), last: asDate(h.last), lines: Number(h.lines) })),
      now,
      t,
    ),
  );
  checks.push({
    name: 'subscription',
    level: 'n/a',
    text: 'local warehouse: no Pub/Sub subscription (`logflow status --target bigquery` reads it)',
  });
  checks.push({
    name: 'dead letters',
    level: 'n/a',
    text: 'local warehouse: lines that cannot be delivered are reported by ingest and counted as failed',
  });
  const [land] = await rows(c, `select max(publish_time) as newest, count(*) as total from ${landing}`);
  const newest = asDate(land?.newest);
  checks.push(landingCheck(newest, Number(land?.total ?? 0), now, t));
  const requests = has(schema, 'requests')
    ? (await rows(c, `select max(received_at) as last from ${ident(schema)}.requests`))[0]
    : undefined;
  const transformed = asDate(requests?.last);
  if (!has(schema, 'stg_landing__lines')) {
    checks.push({ name: 'last run', level: 'fail', text: 'never: run `logflow transform`' });
  } else {
    // landed lines the transform has not read yet (a re-sent line counts as read: same key)
    const [pending] = await rows(
      c,
      `select count(*) as n from ${landing} as l
       where not exists (select 1 from ${ident(schema)}.stg_landing__lines as s where s.line_id = coalesce(l.attributes->>'idempotency_key', md5(l.message_id)))`,
    );
    const n = Number(pending?.n ?? 0);
    checks.push({
      name: 'last run',
      level: n > 0 ? 'warn' : 'ok',
      text:
        n > 0
          ? `${fmt(n)} landed rows not transformed yet: run \`logflow transform\``
          : `every landed line is transformed (newest request arrived ${ago(transformed, now)})`,
    });
  }
  const outputs = tables.filter((r) => r.s === schema && r.k === 'BASE TABLE').map((r) => String(r.n));
  checks.push({
    ...outputsCheck(
      outputs.map((n) => ({ name: `${schema}.${n}`, changed: transformed })),
      newest,
      now,
      t,
    ),
    text:
      outputs.length === 0
        ? 'no output table yet: run `logflow transform`'
        : `${outputs.length} tables in ${schema}, built from landing up to ${ago(transformed, now)}`,
  });
  const views = tables
    .filter((r) => r.s === assertionSchema)
    .map((r) => String(r.n))
    .sort();
  const failing: string[] = [];
  for (const view of views) {
    try {
      const [row] = await rows(c, `select count(*) as n from ${ident(assertionSchema)}.${ident(view)}`);
      if (Number(row?.n ?? 0) > 0) failing.push(`${view} (${fmt(Number(row?.n))} rows)`);
    } catch (error) {
      failing.push(`${view} (cannot run: ${(error as Error).message.split('\n')[0]})`);
    }
  }
  checks.push(
    views.length === 0
      ? { name: 'assertions', level: 'warn', text: 'none built yet: run `logflow transform`' }
      : failing.length > 0
        ? { name: 'assertions', level: 'fail', text: `${failing.length} of ${views.length} failing: ${failing.join(', ')}` }
        : { name: 'assertions', level: 'ok', text: `${views.length} passing` },
  );
  return checks;
}

// ---- Google Cloud

interface TimeSeries {
  timeSeries?: Array<{ points?: Array<{ value?: { int64Value?: string; doubleValue?: number } }> }>;
}

/** Latest value of a Pub/Sub subscription metric in Cloud Monitoring (null when there is no point). */
async function metric(clients: Clients, type: string, subscription: string, now: Date): Promise<number | null> {
  const filter = `metric.type = "${type}" AND resource.type = "pubsub_subscription" AND resource.labels.subscription_id = "${subscription}"`;
  const params = new URLSearchParams({
    filter,
    'interval.startTime': new Date(now.getTime() - 10 * 60_000).toISOString(),
    'interval.endTime': now.toISOString(),
  });
  const series = await clients.rest<TimeSeries>('monitoring', 'GET', `/v3/projects/${clients.projectId}/timeSeries?${params.toString()}`);
  const value = series.timeSeries?.[0]?.points?.[0]?.value;
  if (!value) return null;
  return value.int64Value !== undefined ? Number(value.int64Value) : Number(value.doubleValue ?? 0);
}

async function query(clients: Clients, sql: string, location: string): Promise<Record<string, unknown>[]> {
  const [result] = await clients.bigquery.query({ query: sql, location, useLegacySql: false });
  return result as Record<string, unknown>[];
}

const bqDate = (v: unknown): Date | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && v !== null && 'value' in v) return new Date(String((v as { value: string }).value));
  const s = String(v);
  return /^\d+(\.\d+)?$/.test(s)
    ? new Date(Number(s) > 1e14 ? Number(s) / 1000 : Number(s) > 1e11 ? Number(s) : Number(s) * 1000)
    : new Date(s);
};

async function guarded(name: string, project: string, role: string, on: string, run: () => Promise<Check>): Promise<Check> {
  try {
    return await run();
  } catch (error) {
    return { name, level: 'fail', text: cloudError(error, project, `reading ${name}`, role, on).message };
  }
}

/**
 * The Log Router sink for Cloud Logging request logs (logflow setup --cloud-logging): whether it
 * exists, publishes to this topic, is enabled, and its writer identity may publish there.
 */
export async function logSinkCheck(clients: Clients, plan: Plan): Promise<Check> {
  const p = plan.input.project;
  const name = plan.names.logSink ?? DEFAULTS.logSink;
  const topic = `projects/${p}/topics/${plan.names.topic}`;
  let meta: { destination?: string; filter?: string; writerIdentity?: string; disabled?: boolean };
  try {
    [meta] = (await clients.logging.sink(name).getMetadata()) as unknown as [typeof meta];
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return plan.names.logSink
      ? { name: 'log sink', level: 'fail', text: `${name} does not exist: run \`logflow setup --cloud-logging\`` }
      : {
          name: 'log sink',
          level: 'n/a',
          text: `no Cloud Logging sink ${name} (\`logflow setup --cloud-logging\` adds one for load balancer, Cloud Run and App Engine request logs)`,
        };
  }
  const about = `${name} -> ${meta.destination ?? '?'}, filter ${JSON.stringify(meta.filter ?? '')}, writer ${meta.writerIdentity ?? '?'}`;
  if (meta.destination !== `pubsub.googleapis.com/${topic}`)
    return { name: 'log sink', level: 'warn', text: `${about}: not this pipeline's topic ${topic}` };
  if (meta.disabled) return { name: 'log sink', level: 'warn', text: `${about}: disabled (no entries are exported)` };
  const [policy] = await clients.pubsub.topic(plan.names.topic).iam.getPolicy();
  const writer = meta.writerIdentity ?? '';
  const canPublish = (policy.bindings ?? []).some((b) => b.role === 'roles/pubsub.publisher' && (b.members ?? []).includes(writer));
  if (!canPublish)
    return {
      name: 'log sink',
      level: 'fail',
      text: `${about}: the writer may not publish to the topic (grant it roles/pubsub.publisher: logflow setup --cloud-logging)`,
    };
  return { name: 'log sink', level: 'ok', text: about };
}

export async function cloudChecks(clients: Clients, plan: Plan, now: Date, t: Thresholds = DEFAULT_THRESHOLDS): Promise<Check[]> {
  const p = plan.input.project;
  const location = plan.input.location;
  const landing = `\`${p}.${LANDING_DATASET}.${LANDING_TABLE}\``;
  // arrival partitions of the last day only: the cost of a day of landing, not its history
  const recent = `(_PARTITIONTIME >= timestamp_sub(current_timestamp(), interval 24 hour) or _PARTITIONTIME is null)`;
  const checks: Check[] = [];
  let newestLanded: Date | null = null;

  checks.push(
    await guarded('ingesters', p, 'roles/bigquery.dataViewer and roles/bigquery.jobUser', `dataset ${p}.${LANDING_DATASET}`, async () => {
      const hosts = await query(
        clients,
        `select coalesce(json_value(attributes, '$.ingest_host'), '?') as host, max(publish_time) as last, count(*) as lines from ${landing} where ${recent} group by 1 order by 1`,
        location,
      );
      return ingesterCheck(
        hosts.map((h) => ({ host: String(h.host), last: bqDate(h.last), lines: Number(h.lines) })),
        now,
        t,
      );
    }),
  );
  checks.push(
    await guarded('subscription', p, 'roles/pubsub.viewer and roles/monitoring.viewer', `project ${p}`, async () => {
      let meta: { bigqueryConfig?: { state?: string | number } | null };
      try {
        [meta] = (await clients.pubsub.subscription(plan.names.subscription).getMetadata()) as unknown as [typeof meta];
      } catch (error) {
        if (isNotFound(error))
          return { name: 'subscription', level: 'fail', text: `${plan.names.subscription} does not exist: run \`logflow setup\`` };
        throw error;
      }
      const state = String(meta.bigqueryConfig?.state ?? 'STATE_UNSPECIFIED');
      const backlog = await metric(clients, 'pubsub.googleapis.com/subscription/num_undelivered_messages', plan.names.subscription, now);
      const age = await metric(clients, 'pubsub.googleapis.com/subscription/oldest_unacked_message_age', plan.names.subscription, now);
      const text = `${plan.names.subscription}: ${state}${state === 'ACTIVE' ? '' : ` (${stateHint(state)})`}, backlog ${backlog === null ? 'unknown (no metric in 10 min)' : `${fmt(backlog)} messages`}${age === null ? '' : `, oldest ${fmt(age)} s`}`;
      const level: Level = state !== 'ACTIVE' ? 'fail' : (age ?? 0) > t.backlogSeconds ? 'warn' : 'ok';
      return { name: 'subscription', level, text };
    }),
  );
  checks.push(
    await guarded('log sink', p, 'roles/logging.viewer and roles/pubsub.viewer', `project ${p}`, () => logSinkCheck(clients, plan)),
  );
  checks.push(
    await guarded('dead letters', p, 'roles/monitoring.viewer', `project ${p}`, async () => {
      const held = await metric(
        clients,
        'pubsub.googleapis.com/subscription/num_undelivered_messages',
        plan.names.deadLetterSubscription,
        now,
      );
      if (!held) return { name: 'dead letters', level: 'ok', text: `none held in ${plan.names.deadLetterSubscription}` };
      return {
        name: 'dead letters',
        level: 'warn',
        text: `${fmt(held)} messages held in ${plan.names.deadLetterSubscription} (BigQuery rejected them; inspect: gcloud pubsub subscriptions pull ${plan.names.deadLetterSubscription} --project=${p} --limit=5)`,
      };
    }),
  );
  checks.push(
    await guarded('landing', p, 'roles/bigquery.dataViewer and roles/bigquery.jobUser', `dataset ${p}.${LANDING_DATASET}`, async () => {
      const [row] = await query(
        clients,
        `select max(publish_time) as newest from ${landing} where _PARTITIONTIME >= timestamp_sub(current_timestamp(), interval 7 day) or _PARTITIONTIME is null`,
        location,
      );
      newestLanded = bqDate(row?.newest);
      return landingCheck(newestLanded, null, now, t);
    }),
  );
  const repo = plan.names.repository;
  let failedActions: string[] | null = null;
  checks.push(
    repo
      ? await guarded('last run', p, 'roles/dataform.viewer', `repository ${repo}`, async () => {
          const [invocations] = await clients.dataform.listWorkflowInvocations(
            { parent: repo, pageSize: 1, orderBy: 'invocation_timing.start_time desc' },
            { autoPaginate: false },
          );
          const last = invocations[0];
          if (!last) return { name: 'last run', level: 'warn', text: `no workflow invocation yet in ${repo}` };
          const started = bqDate(
            last.invocationTiming?.startTime?.seconds !== undefined ? Number(last.invocationTiming.startTime.seconds) : null,
          );
          const state = String(last.state ?? 'STATE_UNSPECIFIED');
          const [actions] = await clients.dataform.queryWorkflowInvocationActions(
            { name: last.name ?? '', pageSize: 1000 },
            { autoPaginate: false },
          );
          failedActions = actions
            .filter((a) => String(a.state) === 'FAILED')
            .map((a) => `${a.target?.schema ?? ''}.${a.target?.name ?? ''}`);
          const level: Level = state === 'SUCCEEDED' || state === 'RUNNING' ? 'ok' : 'fail';
          return {
            name: 'last run',
            level,
            text: `${state} ${ago(started, now)}${failedActions.length > 0 ? `: ${failedActions.length} action(s) failed: ${failedActions.join(', ')}` : ''} (${last.name})`,
          };
        })
      : { name: 'last run', level: 'n/a', text: 'no Dataform schedule (setup without --schedule): run `dataform run` yourself' },
  );
  checks.push(
    await guarded('outputs', p, 'roles/bigquery.metadataViewer', `dataset ${p}.${plan.input.dataform.schema}`, async () => {
      const tables = await query(
        clients,
        `select table_id, last_modified_time from \`${p}.${plan.input.dataform.schema}.__TABLES__\` where type = 1`,
        location,
      );
      return outputsCheck(
        tables.map((r) => ({ name: `${plan.input.dataform.schema}.${String(r.table_id)}`, changed: bqDate(r.last_modified_time) })),
        newestLanded,
        now,
        t,
      );
    }),
  );
  const assertions =
    failedActions === null ? null : (failedActions as string[]).filter((a) => a.startsWith(`${plan.input.dataform.assertionSchema}.`));
  checks.push(
    assertions === null
      ? { name: 'assertions', level: 'n/a', text: 'known from the last Dataform run' }
      : assertions.length > 0
        ? { name: 'assertions', level: 'fail', text: `${assertions.length} failing in the last run: ${assertions.join(', ')}` }
        : { name: 'assertions', level: 'ok', text: 'none failing in the last run' },
  );
  return checks;
}
