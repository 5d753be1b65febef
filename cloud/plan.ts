import {
  DEFAULT_LANDING_EXPIRATION_DAYS,
  LANDING_COLUMNS,
  LANDING_DATASET,
  LANDING_PARTITION_UNIT,
  LANDING_TABLE,
} from '../pipeline/landing.ts';
import { REF_DATASET, TABLES as REF_TABLES } from '../geo/load.ts';

/**
 * The desired Google Cloud state for logflow, as data: which APIs, datasets, tables, topics,
 * subscriptions, IAM bindings, objects and Dataform resources `logflow setup` creates or
 * verifies, with every setting. Pure: no I/O. The apply path, `--dry-run` and `--check` all read
 * the same plan, so what is printed is what is done.
 */

export interface SetupInput {
  project: string;
  /** BigQuery and Cloud Storage location (multi-region EU/US or a region). */
  location: string;
  /** Dataform region (a region, never a multi-region): from --region or derived from location. */
  region: string;
  /** Topic id the ingesters publish to. */
  topic: string;
  /** Cron for the Dataform workflow configuration; no Dataform resources without it. */
  schedule?: string;
  timeZone: string;
  bucket: string;
  maxDeliveryAttempts: number;
  /** Landing partitions older than this are dropped (hourly partitions: BigQuery allows 10,000 per table). */
  landingExpirationDays: number;
  /**
   * A Log Router sink publishing Cloud Logging request logs (LogEntry JSON with httpRequest) to
   * the topic, with this filter (--cloud-logging / --log-filter); none without it.
   */
  logSink?: { filter: string };
  /** From Resource Manager; unknown in a dry run (printed as PROJECT_NUMBER). */
  projectNumber?: string;
  /** dataform.json: defaultSchema, assertionSchema, vars. */
  dataform: { schema: string; assertionSchema: string; vars: Record<string, string> };
  /** Exact installed versions (package.json of the installed packages). */
  versions: { uaParser: string; dataformCore: string };
}

export type IamTarget =
  | { type: 'table'; dataset: string; table: string }
  | { type: 'topic'; topic: string }
  | { type: 'subscription'; subscription: string }
  | { type: 'project' }
  | { type: 'bucket'; bucket: string }
  | { type: 'serviceAccount'; email: string };

export interface BigQueryField {
  name: string;
  type: string;
  mode: 'NULLABLE' | 'REQUIRED';
  defaultValueExpression?: string;
}

export type Resource =
  | { kind: 'service'; service: string }
  | { kind: 'dataset'; dataset: string; location: string; purpose: string }
  | {
      kind: 'table';
      dataset: string;
      table: string;
      fields: BigQueryField[];
      /** No field: ingestion-time partitioning (_PARTITIONTIME is the arrival hour). */
      partitioning: { type: 'DAY' | 'HOUR'; field?: string; expirationDays?: number };
      clustering: string[];
    }
  | { kind: 'topic'; topic: string; purpose: string }
  | {
      kind: 'subscription';
      subscription: string;
      topic: string;
      purpose: string;
      messageRetention: string;
      bigquery?: { table: string; writeMetadata: true; useTopicSchema: false; dropUnknownFields: false };
      deadLetter?: { topic: string; maxDeliveryAttempts: number };
    }
  | { kind: 'iam'; target: IamTarget; member: string; role: string; why: string }
  | { kind: 'logSink'; sink: string; topic: string; filter: string }
  | { kind: 'bucket'; bucket: string; location: string }
  | { kind: 'object'; bucket: string; object: string; source: string; version: string }
  | { kind: 'reference'; dataset: string; tables: string[] }
  | { kind: 'serviceAccount'; email: string; accountId: string; displayName: string }
  | { kind: 'dataformRepository'; name: string; serviceAccount: string }
  | { kind: 'dataformTree'; repository: string; coreVersion: string }
  | {
      kind: 'releaseConfig';
      name: string;
      repository: string;
      overrides: {
        defaultDatabase: string;
        defaultSchema: string;
        assertionSchema: string;
        defaultLocation: string;
        vars: Record<string, string>;
      };
    }
  | { kind: 'workflowConfig'; name: string; releaseConfig: string; cronSchedule: string; timeZone: string; serviceAccount: string };

export interface Plan {
  input: SetupInput;
  resources: Resource[];
  /** Names the other commands need (ingest --topic, status). */
  names: {
    topic: string;
    deadLetterTopic: string;
    deadLetterSubscription: string;
    subscription: string;
    landingTable: string;
    uaParserUri: string;
    logSink?: string;
    repository?: string;
    releaseConfig?: string;
    workflowConfig?: string;
    runner?: string;
  };
}

/** APIs logflow uses. Service Usage itself is on by default in every project. */
export const SERVICES = [
  'bigquery.googleapis.com',
  'pubsub.googleapis.com',
  'storage.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'iam.googleapis.com',
] as const;
export const SCHEDULE_SERVICES = ['dataform.googleapis.com'] as const;

export const DEFAULTS = {
  landingExpirationDays: DEFAULT_LANDING_EXPIRATION_DAYS,
  topic: 'access-logs',
  timeZone: 'Etc/UTC',
  maxDeliveryAttempts: 10,
  repository: 'logflow',
  releaseConfig: 'production',
  workflowConfig: 'scheduled',
  runner: 'logflow-dataform',
  logSink: 'logflow-request-logs',
} as const;

/**
 * Which Cloud Logging entries the sink publishes: request logs with an httpRequest of the
 * external Application Load Balancer, Cloud Run and App Engine (the LogEntry shapes the model's
 * `cloud_logging` format reads). `httpRequest.requestUrl:*` keeps entries that carry a request.
 */
export const DEFAULT_LOG_FILTER =
  'httpRequest.requestUrl:* AND (resource.type="http_load_balancer" OR resource.type="cloud_run_revision" OR resource.type="gae_app")';

/** The IAM member that stands for a log sink's writer identity (known once the sink exists). */
export function sinkWriterMember(sink: string): string {
  return `logSinkWriter:${sink}`;
}

/** The sink name of a sinkWriterMember(), or null for any other member. */
export function sinkOfMember(member: string): string | null {
  return member.startsWith('logSinkWriter:') ? member.slice('logSinkWriter:'.length) : null;
}

/** BigQuery multi-regions have no Dataform location: Dataform runs in a region inside them. */
export function dataformRegion(location: string): string {
  const l = location.toLowerCase();
  if (l === 'eu') return 'europe-west1';
  if (l === 'us') return 'us-central1';
  return l;
}

export function pubsubAgent(projectNumber: string | undefined): string {
  return `serviceAccount:service-${projectNumber ?? 'PROJECT_NUMBER'}@gcp-sa-pubsub.iam.gserviceaccount.com`;
}
export function dataformAgent(projectNumber: string | undefined): string {
  return `serviceAccount:service-${projectNumber ?? 'PROJECT_NUMBER'}@gcp-sa-dataform.iam.gserviceaccount.com`;
}

/** Object name of the ua-parser-js build: versioned, so a new version is a new object. */
export function uaParserObject(version: string): string {
  return `logflow/ua-parser-js-${version}.min.js`;
}

/** The landing table's columns, as the BigQuery subscription with write_metadata writes them. */
export function landingFields(): BigQueryField[] {
  return LANDING_COLUMNS.map((c) => ({ name: c.name, type: c.bigquery, mode: 'NULLABLE' as const }));
}

export function planSetup(input: SetupInput): Plan {
  const p = input.project;
  const topic = input.topic;
  const deadLetterTopic = `${topic}-dead-letter`;
  const subscription = `${topic}-to-bigquery`;
  const deadLetterSubscription = `${deadLetterTopic}-hold`;
  const landingTable = `${p}.${LANDING_DATASET}.${LANDING_TABLE}`;
  const object = uaParserObject(input.versions.uaParser);
  const uaParserUri = `gs://${input.bucket}/${object}`;
  const agent = pubsubAgent(input.projectNumber);

  const resources: Resource[] = [];
  for (const service of [...SERVICES, ...(input.schedule ? SCHEDULE_SERVICES : [])]) resources.push({ kind: 'service', service });

  const datasets: Array<[string, string]> = [
    [input.dataform.schema, 'output tables BI tools read'],
    [LANDING_DATASET, 'landing table the BigQuery subscription writes'],
    [REF_DATASET, 'IP-to-location reference tables'],
    [input.dataform.assertionSchema, "Dataform's assertion views"],
  ];
  for (const [dataset, purpose] of datasets) resources.push({ kind: 'dataset', dataset, location: input.location, purpose });

  resources.push({
    kind: 'table',
    dataset: LANDING_DATASET,
    table: LANDING_TABLE,
    fields: landingFields(),
    // Arrival is the ingestion-time partition (pipeline/landing.ts, README 'Cost and atomicity'), hourly,
    // so a run reads the hours written since the last run, late rows included; no clustering.
    partitioning: { type: LANDING_PARTITION_UNIT === 'hour' ? 'HOUR' : 'DAY', expirationDays: input.landingExpirationDays },
    clustering: [],
  });

  resources.push({ kind: 'topic', topic, purpose: 'ingesters publish one message per log line' });
  resources.push({ kind: 'topic', topic: deadLetterTopic, purpose: 'messages BigQuery rejected after the maximum delivery attempts' });
  resources.push({
    kind: 'subscription',
    subscription: deadLetterSubscription,
    topic: deadLetterTopic,
    purpose: 'holds dead-lettered messages (a topic without a subscription drops them)',
    messageRetention: '604800s',
  });
  // The agent must be able to write the table before the BigQuery subscription is created
  // (creation checks it), and to publish to the dead-letter topic.
  resources.push({
    kind: 'iam',
    target: { type: 'table', dataset: LANDING_DATASET, table: LANDING_TABLE },
    member: agent,
    role: 'roles/bigquery.dataEditor',
    why: 'the BigQuery subscription writes rows as the Pub/Sub service agent',
  });
  resources.push({
    kind: 'iam',
    target: { type: 'topic', topic: deadLetterTopic },
    member: agent,
    role: 'roles/pubsub.publisher',
    why: 'dead-lettering publishes to this topic',
  });
  resources.push({
    kind: 'subscription',
    subscription,
    topic,
    purpose: 'writes every message to the landing table',
    messageRetention: '604800s',
    bigquery: { table: landingTable, writeMetadata: true, useTopicSchema: false, dropUnknownFields: false },
    deadLetter: { topic: deadLetterTopic, maxDeliveryAttempts: input.maxDeliveryAttempts },
  });
  resources.push({
    kind: 'iam',
    target: { type: 'subscription', subscription },
    member: agent,
    role: 'roles/pubsub.subscriber',
    why: 'dead-lettering acknowledges the forwarded message on the source subscription',
  });

  if (input.logSink) {
    // after the BigQuery subscription, so that no published entry is lost
    resources.push({ kind: 'logSink', sink: DEFAULTS.logSink, topic, filter: input.logSink.filter });
    resources.push({
      kind: 'iam',
      target: { type: 'topic', topic },
      member: sinkWriterMember(DEFAULTS.logSink),
      role: 'roles/pubsub.publisher',
      why: "the Log Router publishes the sink's entries as the sink's writer identity",
    });
  }

  resources.push({ kind: 'bucket', bucket: input.bucket, location: input.location });
  resources.push({
    kind: 'object',
    bucket: input.bucket,
    object,
    source: 'node_modules/ua-parser-js/dist/ua-parser.min.js',
    version: input.versions.uaParser,
  });
  // City ranges ship empty (ip_locations reads them; a user loads a city database with logflow geo load --city-csv).
  resources.push({ kind: 'reference', dataset: REF_DATASET, tables: [REF_TABLES.country, REF_TABLES.asn, REF_TABLES.city] });

  const names: Plan['names'] = { topic, deadLetterTopic, deadLetterSubscription, subscription, landingTable, uaParserUri };
  if (input.logSink) names.logSink = DEFAULTS.logSink;
  if (input.schedule) {
    const runner = `${DEFAULTS.runner}@${p}.iam.gserviceaccount.com`;
    const repository = `projects/${p}/locations/${input.region}/repositories/${DEFAULTS.repository}`;
    const releaseConfig = `${repository}/releaseConfigs/${DEFAULTS.releaseConfig}`;
    const workflowConfig = `${repository}/workflowConfigs/${DEFAULTS.workflowConfig}`;
    Object.assign(names, { repository, releaseConfig, workflowConfig, runner });
    const runnerMember = `serviceAccount:${runner}`;
    resources.push({ kind: 'serviceAccount', email: runner, accountId: DEFAULTS.runner, displayName: 'logflow Dataform runner' });
    resources.push({
      kind: 'iam',
      target: { type: 'project' },
      member: runnerMember,
      role: 'roles/bigquery.dataEditor',
      why: 'Dataform creates and updates the tables (Dataform docs: required roles)',
    });
    resources.push({
      kind: 'iam',
      target: { type: 'project' },
      member: runnerMember,
      role: 'roles/bigquery.jobUser',
      why: 'Dataform runs query jobs in this project (Dataform docs: required roles)',
    });
    resources.push({
      kind: 'iam',
      target: { type: 'bucket', bucket: input.bucket },
      member: runnerMember,
      role: 'roles/storage.objectViewer',
      why: "BigQuery reads the UDF library from gs:// with the caller's credentials",
    });
    resources.push({
      kind: 'iam',
      target: { type: 'serviceAccount', email: runner },
      member: dataformAgent(input.projectNumber),
      role: 'roles/iam.serviceAccountTokenCreator',
      why: 'the Dataform service agent acts as the runner (Dataform docs: required roles)',
    });
    resources.push({ kind: 'dataformRepository', name: repository, serviceAccount: runner });
    resources.push({ kind: 'dataformTree', repository, coreVersion: input.versions.dataformCore });
    resources.push({
      kind: 'releaseConfig',
      name: releaseConfig,
      repository,
      overrides: {
        defaultDatabase: p,
        defaultSchema: input.dataform.schema,
        assertionSchema: input.dataform.assertionSchema,
        defaultLocation: input.location,
        vars: { ...input.dataform.vars, warehouse: 'bigquery', uaParserLibraryUri: uaParserUri },
      },
    });
    resources.push({
      kind: 'workflowConfig',
      name: workflowConfig,
      releaseConfig,
      cronSchedule: input.schedule,
      timeZone: input.timeZone,
      serviceAccount: runner,
    });
  }
  return { input, resources, names };
}

/** A short, unique label for a resource, used in every report line. */
export function label(r: Resource, project: string): string {
  switch (r.kind) {
    case 'service':
      return `api ${r.service}`;
    case 'dataset':
      return `dataset ${project}.${r.dataset}`;
    case 'table':
      return `table ${project}.${r.dataset}.${r.table}`;
    case 'topic':
      return `topic projects/${project}/topics/${r.topic}`;
    case 'subscription':
      return `subscription projects/${project}/subscriptions/${r.subscription}`;
    case 'iam': {
      const sink = sinkOfMember(r.member);
      return `iam ${r.role} for ${sink ? `the writer identity of log sink ${sink}` : r.member} on ${iamTargetLabel(r.target, project)}`;
    }
    case 'logSink':
      return `log sink projects/${project}/sinks/${r.sink}`;
    case 'bucket':
      return `bucket gs://${r.bucket}`;
    case 'object':
      return `object gs://${r.bucket}/${r.object}`;
    case 'reference':
      return `reference tables ${r.tables.map((t) => `${project}.${r.dataset}.${t}`).join(', ')}`;
    case 'serviceAccount':
      return `service account ${r.email}`;
    case 'dataformRepository':
      return `dataform repository ${r.name}`;
    case 'dataformTree':
      return `dataform tree in ${r.repository}`;
    case 'releaseConfig':
      return `dataform release config ${r.name}`;
    case 'workflowConfig':
      return `dataform workflow config ${r.name}`;
  }
}

export function iamTargetLabel(t: IamTarget, project: string): string {
  switch (t.type) {
    case 'table':
      return `table ${project}.${t.dataset}.${t.table}`;
    case 'topic':
      return `topic ${t.topic}`;
    case 'subscription':
      return `subscription ${t.subscription}`;
    case 'project':
      return `project ${project}`;
    case 'bucket':
      return `bucket gs://${t.bucket}`;
    case 'serviceAccount':
      return `service account ${t.email}`;
  }
}
