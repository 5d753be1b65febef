import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { usageError } from '../../core/errors.ts';

const help = `logflow setup: create or verify everything logflow needs in a Google Cloud project

Usage:
  logflow setup --project P --location L [options] [--dry-run | --check]

Plans, then creates what is missing and verifies what exists (idempotent: a second run
changes nothing). A resource that exists with other settings is reported as drift and left
alone; setup then exits 1. In order:
  APIs (Service Usage); datasets logflow, logflow_raw, logflow_ref, logflow_assertions in L;
  the landing table (the BigQuery subscription's columns, partitioned by ingestion hour so
  that late rows are read by the next run, partitions expiring after 365 days);
  the topic, a dead-letter topic with its own subscription, and the BigQuery subscription
  (write_metadata, dead-letter policy); the Pub/Sub service agent's roles (project number from
  Resource Manager); a bucket holding the installed ua-parser-js 1.x dist/ua-parser.min.js under
  a versioned name; the IP reference tables (logflow geo load);
  with --cloud-logging: a Log Router sink publishing Cloud Logging request logs (load balancer,
  Cloud Run, App Engine LogEntry JSON with httpRequest) to the topic, its writer identity granted
  Pub/Sub Publisher on it; the BigQuery subscription lands them like ingested lines;
  with --schedule: a runner service account and its roles, a Dataform repository holding a
  Dataform-only copy of definitions/ and includes/, a release configuration whose compilation
  overrides set project, location and vars, and a workflow configuration with the cron.

Options:
  --project P                 GCP project id (default $GOOGLE_CLOUD_PROJECT)
  --location L                BigQuery/Storage location: EU, US or a region (default:
                              dataform.json's defaultLocation)
  --topic T                   topic id the ingesters publish to (default access-logs)
  --schedule "<cron>"         run the Dataform workflow on this five-field cron
  --time-zone TZ              time zone of the cron (default Etc/UTC)
  --region R                  Dataform region (default: europe-west1 for EU, us-central1 for US,
                              else L)
  --bucket B                  bucket for the UDF library (default <project>-logflow)
  --max-delivery-attempts N   before a message is dead-lettered, 5-100 (default 10)
  --landing-expiration-days N landing partitions kept, 8-415 (default 365); every line stays in
                              logflow.stg_landing__lines
  --cloud-logging             add the Log Router sink logflow-request-logs (see above)
  --log-filter "FILTER"       the sink's Cloud Logging query (implies --cloud-logging; default:
                              httpRequest.requestUrl:* AND resource.type is http_load_balancer,
                              cloud_run_revision or gae_app)
  --dry-run                   print every resource, setting and the equivalent gcloud/bq
                              commands; reads and changes nothing
  --check                     read the state back and report it; changes nothing
  -h, --help                  show this help

Credentials: Application Default Credentials (gcloud auth application-default login, or
GOOGLE_APPLICATION_CREDENTIALS). The account needs roles to create these resources (Owner, or
Service Usage Admin, BigQuery Admin, Pub/Sub Admin, Storage Admin, Service Account Admin,
Project IAM Admin and Dataform Admin; with --cloud-logging, Logs Configuration Writer).

Exit status: 0 when everything is in place, 1 on drift, a failed check or an error (one line),
2 on bad usage.`;

export const command: Command = {
  name: 'setup',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'setup',
      argv,
      {
        project: { type: 'string' },
        location: { type: 'string' },
        region: { type: 'string' },
        topic: { type: 'string' },
        schedule: { type: 'string' },
        'time-zone': { type: 'string' },
        bucket: { type: 'string' },
        'max-delivery-attempts': { type: 'string' },
        'landing-expiration-days': { type: 'string' },
        'cloud-logging': { type: 'boolean' },
        'log-filter': { type: 'string' },
        'dry-run': { type: 'boolean' },
        check: { type: 'boolean' },
      },
      true,
    );
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}' (see: logflow setup --help)`);
    if (values['dry-run'] && values.check) throw usageError('--dry-run and --check exclude each other (see: logflow setup --help)');
    const { setupInput } = await import('../../cloud/input.ts');
    const { planSetup } = await import('../../cloud/plan.ts');
    const input = setupInput(values);
    if (values['dry-run']) {
      const { renderPlan } = await import('../../cloud/render.ts');
      process.stdout.write(renderPlan(planSetup(input)));
      return 0;
    }
    const { runSetup } = await import('../../cloud/setup.ts');
    return runSetup(input, { mode: values.check ? 'check' : 'apply', out: (line) => process.stdout.write(line + '\n') });
  },
};
