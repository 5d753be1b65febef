import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LogflowError, usageError } from '../core/errors.ts';
import { readProjectConfig } from '../warehouse/project.ts';
import { DEFAULTS, DEFAULT_LOG_FILTER, dataformRegion, type SetupInput } from './plan.ts';

/** Validation of setup's flags and the installed versions it pins: pure apart from reading package.json files. */

const require = createRequire(import.meta.url);

export const PROJECT_ID = /^(?:[a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** The exact installed version of a package (its own package.json). */
export function installedVersion(pkg: string): string {
  let main: string;
  try {
    main = require.resolve(`${pkg}/package.json`);
  } catch {
    // packages whose exports hide package.json: walk up from the main file
    let dir = dirname(require.resolve(pkg));
    for (;;) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg && json.version) return json.version;
      } catch {
        // keep walking
      }
      const up = dirname(dir);
      if (up === dir) throw new LogflowError(`cannot find the installed version of ${pkg}; run npm ci`);
      dir = up;
    }
  }
  return String((JSON.parse(readFileSync(main, 'utf8')) as { version: string }).version);
}

/** Path of the installed ua-parser-js build that the UDF loads. */
export function uaParserDist(): string {
  return join(dirname(require.resolve('ua-parser-js/package.json')), 'dist', 'ua-parser.min.js');
}

/** Five-field cron, as Dataform's cron_schedule takes it. */
export function checkCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => /^[0-9*/,\-A-Za-z]+$/.test(f))) {
    throw usageError(`--schedule must be a five-field cron expression such as "*/15 * * * *", got '${cron}' (see: logflow setup --help)`);
  }
  return fields.join(' ');
}

export interface SetupFlags {
  project?: string;
  location?: string;
  region?: string;
  topic?: string;
  schedule?: string;
  'time-zone'?: string;
  bucket?: string;
  'max-delivery-attempts'?: string;
  'landing-expiration-days'?: string;
  'cloud-logging'?: boolean;
  'log-filter'?: string;
}

export function setupInput(flags: SetupFlags, env: NodeJS.ProcessEnv = process.env, command = 'setup'): SetupInput {
  const project = flags.project ?? env.GOOGLE_CLOUD_PROJECT;
  if (!project) throw usageError(`--project P is required (or set GOOGLE_CLOUD_PROJECT) (see: logflow ${command} --help)`);
  if (!PROJECT_ID.test(project))
    throw usageError(`--project must be a project id (6-30 lowercase letters, digits and hyphens), got '${project}'`);
  const config = readProjectConfig();
  const location = flags.location ?? config.location;
  if (!/^[A-Za-z]+(?:-[a-z]+\d+)?$/.test(location))
    throw usageError(`--location must be a BigQuery location such as EU, US or europe-west1, got '${location}'`);
  const topic = flags.topic ?? DEFAULTS.topic;
  if (!/^[A-Za-z][A-Za-z0-9._~%+-]{2,200}$/.test(topic) || topic.startsWith('goog'))
    throw usageError(`--topic must be a topic id (letters first, 3-200 of letters, digits, - . _ ~ % +), got '${topic}'`);
  const attempts = flags['max-delivery-attempts'] ?? String(DEFAULTS.maxDeliveryAttempts);
  if (!/^\d+$/.test(attempts) || Number(attempts) < 5 || Number(attempts) > 100)
    throw usageError(`--max-delivery-attempts must be 5-100 (Pub/Sub's range), got '${attempts}'`);
  const expiration = flags['landing-expiration-days'] ?? String(DEFAULTS.landingExpirationDays);
  if (!/^\d+$/.test(expiration) || Number(expiration) < 8 || Number(expiration) > 415)
    throw usageError(
      `--landing-expiration-days must be 8-415 (Pub/Sub keeps messages 7 days; about 416 days of hourly partitions reach BigQuery's 10,000-partition limit), got '${expiration}'`,
    );
  const bucket = flags.bucket ?? `${project.replace(/^.*:/, '')}-logflow`;
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(bucket))
    throw usageError(`--bucket must be a Cloud Storage bucket name, got '${bucket}'`);
  const uaParser = installedVersion('ua-parser-js');
  if (!uaParser.startsWith('1.'))
    throw new LogflowError(`installed ua-parser-js is ${uaParser}; logflow needs 1.x (MIT; 2.x is AGPL). Run npm ci`);
  const filter = flags['log-filter'];
  if (filter !== undefined && filter.trim() === '')
    throw usageError(`--log-filter must be a Cloud Logging query (an empty one would export every log entry of the project)`);
  const logSink = flags['cloud-logging'] || filter !== undefined ? { filter: filter?.trim() ?? DEFAULT_LOG_FILTER } : undefined;
  return {
    project,
    location,
    ...(logSink ? { logSink } : {}),
    region: flags.region ?? dataformRegion(location),
    topic,
    schedule: flags.schedule === undefined ? undefined : checkCron(flags.schedule),
    timeZone: flags['time-zone'] ?? DEFAULTS.timeZone,
    bucket,
    maxDeliveryAttempts: Number(attempts),
    landingExpirationDays: Number(expiration),
    dataform: { schema: config.schema, assertionSchema: config.assertionSchema, vars: config.vars },
    versions: { uaParser, dataformCore: installedVersion('@dataform/core') },
  };
}
