import { label, sinkOfMember, type IamTarget, type Plan, type Resource } from './plan.ts';

/**
 * Text for `logflow setup --dry-run`: every resource with its settings, and the gcloud / bq
 * command (or REST call, for Dataform, which gcloud does not cover) that does the same by hand.
 * Note the two table spellings: gcloud's --bigquery-table and bq take project:dataset.table,
 * the Pub/Sub API takes project.dataset.table.
 */

const q = (s: string) => (/^[A-Za-z0-9_./:@=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function settingsOf(r: Resource): string[] {
  switch (r.kind) {
    case 'service':
      return [];
    case 'dataset':
      return [`location: ${r.location}`, `holds: ${r.purpose}`];
    case 'table':
      return [
        `columns: ${r.fields.map((f) => `${f.name} ${f.type}${f.defaultValueExpression ? ` default ${f.defaultValueExpression}` : ''}`).join(', ')}`,
        `partitioned by: ${r.partitioning.field ? `${r.partitioning.type.toLowerCase()} of ${r.partitioning.field}` : `ingestion time, by ${r.partitioning.type.toLowerCase()} (_PARTITIONTIME = arrival: late rows are read by the next run)`}`,
        ...(r.partitioning.expirationDays
          ? [`partition expiration: ${r.partitioning.expirationDays} days (every line is kept in logflow.stg_landing__lines)`]
          : []),
        `clustered by: ${r.clustering.length > 0 ? r.clustering.join(', ') : 'none (reads are by arrival partition)'}`,
      ];
    case 'topic':
      return [`for: ${r.purpose}`];
    case 'subscription':
      return [
        `topic: ${r.topic}`,
        `for: ${r.purpose}`,
        ...(r.bigquery
          ? [
              `bigquery table: ${r.bigquery.table}`,
              'write_metadata: true (subscription_name, message_id, publish_time, attributes)',
              'use_topic_schema: false, drop_unknown_fields: false',
            ]
          : ['delivery: pull (read it with gcloud pubsub subscriptions pull)']),
        ...(r.deadLetter ? [`dead-letter topic: ${r.deadLetter.topic}, max delivery attempts: ${r.deadLetter.maxDeliveryAttempts}`] : []),
        `message retention: 7 days; expiration: never`,
      ];
    case 'iam':
      return [`why: ${r.why}`];
    case 'logSink':
      return [
        `destination: pubsub.googleapis.com/projects/PROJECT/topics/${r.topic}`,
        `filter: ${r.filter}`,
        'unique writer identity (granted Pub/Sub Publisher on the topic below)',
        'publishes each LogEntry as JSON in the message data (attribute logging.googleapis.com/timestamp only): the BigQuery subscription lands it, and staging reads such lines as cloud_logging',
      ];
    case 'bucket':
      return [`location: ${r.location}`, 'uniform bucket-level access: on', 'public access prevention: enforced'];
    case 'object':
      return [
        `content: ${r.source} of the installed ua-parser-js ${r.version} (MIT), byte for byte`,
        'the var uaParserLibraryUri points the UDF at it',
      ];
    case 'reference':
      return ['loaded with `logflow geo load` (BigQuery load jobs) when missing; kept when present'];
    case 'serviceAccount':
      return [`display name: ${r.displayName}`, 'runs the scheduled Dataform workflows'];
    case 'dataformRepository':
      return ['no Git remote: logflow publishes the Dataform-only tree into it through the API', `service account: ${r.serviceAccount}`];
    case 'dataformTree':
      return [
        'files: definitions/**, includes/**, workflow_settings.yaml (no package.json, no node_modules)',
        `workflow_settings.yaml: dataformCoreVersion ${r.coreVersion} (exact), settings from dataform.json`,
        'committed only when its content changed (digest in the commit message)',
      ];
    case 'releaseConfig':
      return [
        'git commitish: the tree commit logflow published',
        `compilation overrides: defaultDatabase=${r.overrides.defaultDatabase} defaultSchema=${r.overrides.defaultSchema} assertionSchema=${r.overrides.assertionSchema} defaultLocation=${r.overrides.defaultLocation}`,
        `vars: ${Object.entries(r.overrides.vars)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
        'compiled once at setup; the compilation result is checked for errors',
      ];
    case 'workflowConfig':
      return [
        `release config: ${r.releaseConfig}`,
        `cron: ${r.cronSchedule}`,
        `time zone: ${r.timeZone}`,
        `service account: ${r.serviceAccount}`,
        'runs every action (incremental; no full refresh)',
      ];
  }
}

function iamCommand(t: IamTarget, member: string, role: string, project: string): string {
  const quoted = member.includes('${') ? `"${member}"` : q(member);
  const tail = `--member=${quoted} --role=${role}`;
  switch (t.type) {
    case 'table':
      return `bq add-iam-policy-binding ${tail} ${project}:${t.dataset}.${t.table}`;
    case 'topic':
      return `gcloud pubsub topics add-iam-policy-binding ${t.topic} ${tail} --project=${project}`;
    case 'subscription':
      return `gcloud pubsub subscriptions add-iam-policy-binding ${t.subscription} ${tail} --project=${project}`;
    case 'project':
      return `gcloud projects add-iam-policy-binding ${project} ${tail} --condition=None`;
    case 'bucket':
      return `gcloud storage buckets add-iam-policy-binding gs://${t.bucket} ${tail}`;
    case 'serviceAccount':
      return `gcloud iam service-accounts add-iam-policy-binding ${t.email} ${tail} --project=${project}`;
  }
}

const DATAFORM_API = 'https://dataform.googleapis.com/v1';
const curl = (method: string, url: string, body: unknown) =>
  `curl -X ${method} -H "Authorization: Bearer $(gcloud auth print-access-token)" -H 'Content-Type: application/json' ${q(url)} -d ${q(JSON.stringify(body))}`;

export function commandsFor(r: Resource, plan: Plan): string[] {
  const p = plan.input.project;
  switch (r.kind) {
    case 'service':
      return [`gcloud services enable ${r.service} --project=${p}`];
    case 'dataset':
      return [`bq --location=${r.location} mk --dataset ${p}:${r.dataset}`];
    case 'table': {
      const schema = r.fields.map((f) => `${f.name}:${f.type}`).join(',');
      const flags = [`--time_partitioning_type=${r.partitioning.type}`];
      if (r.partitioning.field) flags.push(`--time_partitioning_field=${r.partitioning.field}`);
      if (r.partitioning.expirationDays) flags.push(`--time_partitioning_expiration=${r.partitioning.expirationDays * 86400}`);
      if (r.clustering.length > 0) flags.push(`--clustering_fields=${r.clustering.join(',')}`);
      return [`bq mk --table ${flags.join(' ')} ${p}:${r.dataset}.${r.table} ${schema}`];
    }
    case 'topic':
      return [`gcloud pubsub topics create ${r.topic} --project=${p}`];
    case 'subscription': {
      const parts = [`gcloud pubsub subscriptions create ${r.subscription} --topic=${r.topic} --project=${p}`];
      if (r.bigquery) parts.push(`--bigquery-table=${r.bigquery.table.replace('.', ':')} --write-metadata`);
      if (r.deadLetter) parts.push(`--dead-letter-topic=${r.deadLetter.topic} --max-delivery-attempts=${r.deadLetter.maxDeliveryAttempts}`);
      parts.push('--message-retention-duration=7d --expiration-period=never');
      return [parts.join(' ')];
    }
    case 'logSink':
      return [
        `gcloud logging sinks create ${r.sink} pubsub.googleapis.com/projects/${p}/topics/${r.topic} --log-filter=${q(r.filter)} --project=${p}`,
      ];
    case 'iam': {
      const sink = sinkOfMember(r.member);
      if (sink)
        return [
          `SINK_WRITER=$(gcloud logging sinks describe ${sink} --project=${p} --format='value(writerIdentity)')`,
          iamCommand(r.target, '${SINK_WRITER}', r.role, p),
        ];
      const lookup = r.member.includes('PROJECT_NUMBER')
        ? [`PROJECT_NUMBER=$(gcloud projects describe ${p} --format='value(projectNumber)')`]
        : [];
      return [...lookup, iamCommand(r.target, r.member.replace('PROJECT_NUMBER', '${PROJECT_NUMBER}'), r.role, p)];
    }
    case 'bucket':
      return [
        `gcloud storage buckets create gs://${r.bucket} --project=${p} --location=${r.location} --uniform-bucket-level-access --public-access-prevention`,
      ];
    case 'object':
      return [`gcloud storage cp ${r.source} gs://${r.bucket}/${r.object}`];
    case 'reference':
      return [`logflow geo load --target bigquery --project ${p} --location ${plan.input.location}`];
    case 'serviceAccount':
      return [`gcloud iam service-accounts create ${r.accountId} --display-name=${q(r.displayName)} --project=${p}`];
    case 'dataformRepository': {
      const [parent, id] = splitName(r.name, '/repositories/');
      return [curl('POST', `${DATAFORM_API}/${parent}/repositories?repositoryId=${id}`, { serviceAccount: r.serviceAccount })];
    }
    case 'dataformTree':
      return [
        `${curl('POST', `${DATAFORM_API}/${r.repository}:commit`, { commitMetadata: { author: { name: 'logflow setup', emailAddress: 'logflow@localhost' }, commitMessage: 'logflow tree sha256:...' }, fileOperations: { 'definitions/...': { writeFile: { contents: '<base64>' } } } })}  # one entry per file`,
      ];
    case 'releaseConfig': {
      const [parent, id] = splitName(r.name, '/releaseConfigs/');
      return [
        curl('POST', `${DATAFORM_API}/${parent}/releaseConfigs?releaseConfigId=${id}`, {
          gitCommitish: '<tree commit sha>',
          codeCompilationConfig: r.overrides,
        }),
        curl('POST', `${DATAFORM_API}/${parent}/compilationResults`, { releaseConfig: r.name }),
      ];
    }
    case 'workflowConfig': {
      const [parent, id] = splitName(r.name, '/workflowConfigs/');
      return [
        curl('POST', `${DATAFORM_API}/${parent}/workflowConfigs?workflowConfigId=${id}`, {
          releaseConfig: r.releaseConfig,
          cronSchedule: r.cronSchedule,
          timeZone: r.timeZone,
          invocationConfig: { serviceAccount: r.serviceAccount },
        }),
      ];
    }
  }
}

function splitName(name: string, sep: string): [string, string] {
  const i = name.lastIndexOf(sep);
  return [name.slice(0, i), name.slice(i + sep.length)];
}

/** The whole dry-run report. */
export function renderPlan(plan: Plan): string {
  const { input } = plan;
  const out: string[] = [
    `logflow setup plan for project ${input.project} (BigQuery/Storage location ${input.location}${input.schedule ? `, Dataform region ${input.region}` : ''})`,
    `project number: ${input.projectNumber ?? 'read from Resource Manager when applied (PROJECT_NUMBER below)'}`,
    'dry run: nothing was read or changed.',
    '',
  ];
  plan.resources.forEach((r, i) => {
    out.push(`${String(i + 1).padStart(2)}. ${label(r, input.project)}`);
    for (const s of settingsOf(r)) out.push(`      ${s}`);
    for (const c of commandsFor(r, plan)) out.push(`      $ ${c}`);
  });
  out.push('');
  out.push('Then, on each web server:');
  out.push(
    `  logflow ingest --sink pubsub --topic projects/${input.project}/topics/${plan.names.topic} --follow /var/log/nginx/access.log`,
  );
  if (!input.schedule)
    out.push('No --schedule: no Dataform repository or schedule is planned (run `dataform run` yourself, or add --schedule "<cron>").');
  return out.join('\n') + '\n';
}
