import { LogflowError } from '../core/errors.ts';
import { checkCredentials, connect, type Clients, type Connection } from './clients.ts';
import { cloudError } from './errors.ts';
import { label, planSetup, type Resource, type SetupInput } from './plan.ts';
import { ensure, type Context, type Outcome, type Status } from './resources.ts';

/**
 * `logflow setup` (apply) and `logflow setup --check`: credentials, the project number from
 * Resource Manager, then every planned resource in order, one line each. Apply stops at the first
 * error (later resources depend on earlier ones); drift does not stop it, but makes the exit
 * status 1. Check changes nothing and reports every resource.
 */
export interface SetupOptions {
  mode: 'apply' | 'check';
  out: (line: string) => void;
  /** For tests: loopback endpoints and a fixed-token auth client. */
  connection?: Omit<Connection, 'projectId'>;
  /** For tests: see Context. */
  context?: Partial<Pick<Context, 'tree' | 'loadReference'>>;
}

export interface SetupReport {
  outcomes: Array<{ label: string } & Outcome>;
  exitCode: number;
}

const WORD: Record<Status, string> = { ok: 'ok', created: 'created', updated: 'updated', missing: 'MISSING', drift: 'DRIFT' };

export async function projectNumber(clients: Clients, project: string): Promise<string> {
  try {
    const [meta] = await clients.projects.getProject({ name: `projects/${project}` });
    const number = /^projects\/(\d+)$/.exec(meta.name ?? '')?.[1];
    if (!number) throw new LogflowError(`Resource Manager returned no project number for ${project} (got '${meta.name ?? ''}')`);
    return number;
  } catch (error) {
    const e = cloudError(
      error,
      project,
      `reading project ${project}`,
      'roles/browser (resourcemanager.projects.get)',
      `project ${project}`,
    );
    if (/PERMISSION_DENIED|not found/.test(e.message) && !/not enabled/.test(e.message)) {
      throw new LogflowError(
        `project ${project} does not exist or the account cannot see it (needs roles/browser on it); check --project and \`gcloud projects list\``,
      );
    }
    throw e;
  }
}

export async function setupWith(clients: Clients, input: SetupInput, options: SetupOptions): Promise<SetupReport> {
  const apply = options.mode === 'apply';
  await checkCredentials(clients);
  // APIs first (Service Usage takes the project id), so that Resource Manager can be enabled
  // before the project number is read from it.
  const services = planSetup(input).resources.filter((r) => r.kind === 'service');
  const outcomes: SetupReport['outcomes'] = [];
  const step = async (ctx: Context, resource: Resource) => {
    const name = label(resource, input.project);
    const outcome = await ensure(ctx, resource);
    outcomes.push({ label: name, ...outcome });
    options.out(`${WORD[outcome.status].padEnd(8)} ${name}${outcome.detail ? `: ${outcome.detail}` : ''}`);
  };
  options.out(`${apply ? 'setting up' : 'checking'} project ${input.project}, location ${input.location}`);
  const early: Context = { clients, plan: planSetup(input), apply, ...options.context };
  for (const resource of services) await step(early, resource);
  const number = await projectNumber(clients, input.project);
  const plan = planSetup({ ...input, projectNumber: number });
  options.out(`project number ${number}: ${plan.resources.length} resources`);
  const ctx: Context = { clients, plan, apply, ...options.context };
  for (const resource of plan.resources) if (resource.kind !== 'service') await step(ctx, resource);
  const count = (s: Status) => outcomes.filter((o) => o.status === s).length;
  const bad = count('drift') + (apply ? 0 : count('missing'));
  options.out(
    `${count('created')} created, ${count('updated')} updated, ${count('ok')} unchanged, ${count('drift')} drift${apply ? '' : `, ${count('missing')} missing`}.` +
      (bad > 0 ? ' Fix the lines marked DRIFT/MISSING (logflow changes nothing that exists with other settings).' : ''),
  );
  if (apply && plan.names.workflowConfig) options.out(`schedule: ${plan.names.workflowConfig}`);
  if (apply) options.out(`ingest with: logflow ingest --sink pubsub --topic projects/${input.project}/topics/${plan.names.topic} FILE...`);
  return { outcomes, exitCode: bad > 0 ? 1 : 0 };
}

export async function runSetup(input: SetupInput, options: SetupOptions): Promise<number> {
  const clients = connect({ projectId: input.project, ...options.connection });
  try {
    return (await setupWith(clients, input, options)).exitCode;
  } finally {
    await clients.close();
  }
}
