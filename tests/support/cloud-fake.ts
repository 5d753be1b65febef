import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback fake of the Google Cloud HTTP APIs logflow's setup, load and status call, speaking
 * their real REST shapes so the real clients can be pointed at it (BigQuery and Storage JSON APIs,
 * IAM, Resource Manager v3, Service Usage v1 and Dataform v1 through google-gax's REST fallback,
 * and Monitoring v3). It keeps state in memory, records every request, checks the bearer token, and
 * injects failures on demand. Binds 127.0.0.1 only.
 *
 *   const fake = await startCloudFake({ project: 'demo-project', number: '123456789' });
 *   connect({ projectId, endpoints: { http: fake.endpoint }, authClient: fakeAuth() })
 */
export interface Policy {
  bindings?: Array<{ role: string; members: string[] }>;
  etag?: string;
  version?: number;
}

export interface Commit {
  sha: string;
  message: string;
  files: Map<string, Buffer>;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface Fault {
  method: string;
  path: RegExp;
  status: number;
  message: string;
  reason?: string;
  times: number;
}

export interface LoadUpload {
  configuration: { load?: Record<string, unknown> };
  rows: Record<string, unknown>[];
  jobId: string;
}

export interface CloudState {
  services: Map<string, 'ENABLED' | 'DISABLED'>;
  datasets: Map<string, { location: string }>;
  tables: Map<string, Record<string, unknown>>;
  tableIam: Map<string, Policy>;
  buckets: Map<string, Record<string, unknown>>;
  objects: Map<string, { data: Buffer; md5Hash: string }>;
  bucketIam: Map<string, Policy>;
  serviceAccounts: Map<string, Record<string, unknown>>;
  serviceAccountIam: Map<string, Policy>;
  projectIam: Policy;
  repositories: Map<string, Record<string, unknown>>;
  commits: Map<string, Commit[]>;
  releaseConfigs: Map<string, Record<string, unknown>>;
  compilationResults: Map<string, Record<string, unknown>>;
  workflowConfigs: Map<string, Record<string, unknown>>;
  workflowInvocations: Map<string, Array<Record<string, unknown>>>;
  /** Compilation errors the next compilation results carry. */
  compilationErrors: Array<{ path: string; message: string }>;
  /** Load jobs received (multipart uploads and gs:// loads). */
  loads: LoadUpload[];
  /** Rows per landing-table query answer (`logflow status`), by a word the SQL contains. */
  queryAnswers: Array<{ contains: string; rows: Record<string, unknown>[]; types?: Record<string, string> }>;
  /** Actions of each workflow invocation (QueryWorkflowInvocationActions). */
  invocationActions: Map<string, Array<Record<string, unknown>>>;
  /** SQL of every query received. */
  queries: string[];
  /** Monitoring: latest value per metric type and subscription id. */
  metrics: Map<string, number>;
  /** Jobs that fail when polled (load jobs), by job number. */
  failJobs: Set<number>;
  /** Cloud Logging sinks (Log Router) by full name projects/P/sinks/S. */
  sinks: Map<string, Record<string, unknown>>;
}

export interface CloudFake {
  endpoint: string;
  project: string;
  number: string;
  state: CloudState;
  requests: FakeRequest[];
  /** Requests that changed state (POST/PUT/PATCH/DELETE other than reads such as getIamPolicy). */
  mutations(): FakeRequest[];
  fail(fault: Omit<Fault, 'times'> & { times?: number }): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

const READ_VERBS = /:(getIamPolicy|query|fetchHistory|readFile|queryDirectoryContents)$/;

function emptyState(): CloudState {
  return {
    services: new Map(),
    datasets: new Map(),
    tables: new Map(),
    tableIam: new Map(),
    buckets: new Map(),
    objects: new Map(),
    bucketIam: new Map(),
    serviceAccounts: new Map(),
    serviceAccountIam: new Map(),
    projectIam: { bindings: [], etag: 'BwX0', version: 1 },
    repositories: new Map(),
    commits: new Map(),
    releaseConfigs: new Map(),
    compilationResults: new Map(),
    workflowConfigs: new Map(),
    workflowInvocations: new Map(),
    compilationErrors: [],
    loads: [],
    queryAnswers: [],
    invocationActions: new Map(),
    queries: [],
    metrics: new Map(),
    failJobs: new Set(),
    sinks: new Map(),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function googleError(res: ServerResponse, status: number, message: string, reason?: string): void {
  const statusName =
    (
      { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS' } as Record<
        number,
        string
      >
    )[status] ?? 'UNKNOWN';
  json(res, status, {
    error: {
      code: status,
      message,
      status: statusName,
      errors: [
        {
          message,
          reason:
            reason === 'SERVICE_DISABLED' ? 'accessNotConfigured' : status === 404 ? 'notFound' : status === 403 ? 'forbidden' : 'invalid',
        },
      ],
      ...(reason ? { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' }] } : {}),
    },
  });
}

function parseMultipart(req: IncomingMessage, body: Buffer): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(req.headers['content-type'] ?? '')?.[1];
  if (!boundary) throw new Error('no multipart boundary');
  const text = body.toString('latin1');
  return text
    .split(`--${boundary}`)
    .map((p) => p.replace(/^\r\n/, ''))
    .filter((p) => p.trim() !== '' && p.trim() !== '--')
    .map((part) => Buffer.from(part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''), 'latin1'));
}

const sha = () => randomBytes(20).toString('hex');

export async function startCloudFake(options: { project?: string; number?: string } = {}): Promise<CloudFake> {
  const project = options.project ?? 'demo-project';
  const number = options.number ?? '123456789';
  const state = emptyState();
  const requests: FakeRequest[] = [];
  const faults: Fault[] = [];
  let nextJob = 0;

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    const isMultipart = /multipart/.test(req.headers['content-type'] ?? '');
    let body: unknown;
    if (!isMultipart && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
    }
    requests.push({ method, path, query: url.searchParams, body });
    // The Storage client sends no credentials to a custom endpoint (its emulator mode); every other
    // client must present the token.
    const storagePath = path.startsWith('/storage/') || path.startsWith('/upload/storage/') || path.startsWith('/download/storage/');
    if (req.headers.authorization !== 'Bearer fake-token' && !(storagePath && req.headers.authorization === undefined))
      return googleError(res, 401, 'Request had invalid authentication credentials.');
    const fault = faults.find((f) => f.method === method && f.path.test(path) && f.times > 0);
    if (fault) {
      fault.times -= 1;
      return googleError(res, fault.status, fault.message, fault.reason);
    }
    const b = (body ?? {}) as Record<string, any>;
    let m: RegExpExecArray | null;

    // ---- Resource Manager v3
    if (method === 'GET' && (m = /^\/v3\/projects\/([^/:]+)$/.exec(path))) {
      if (m[1] !== project) return googleError(res, 403, `Permission denied on resource project ${m[1]} (or it may not exist).`);
      return json(res, 200, { name: `projects/${number}`, projectId: project, state: 'ACTIVE' });
    }
    if (method === 'POST' && (m = /^\/v3\/projects\/([^/:]+):(get|set)IamPolicy$/.exec(path))) {
      if (m[2] === 'get') return json(res, 200, state.projectIam);
      state.projectIam = { ...b.policy, etag: `BwX${requests.length}` };
      return json(res, 200, state.projectIam);
    }
    // ---- Monitoring v3
    if (method === 'GET' && /^\/v3\/projects\/[^/]+\/timeSeries$/.test(path)) {
      const filter = url.searchParams.get('filter') ?? '';
      const type = /metric\.type\s*=\s*"([^"]+)"/.exec(filter)?.[1] ?? '';
      const sub = /resource\.labels\.subscription_id\s*=\s*"([^"]+)"/.exec(filter)?.[1] ?? '';
      const value = state.metrics.get(`${type}|${sub}`);
      if (value === undefined) return json(res, 200, {});
      return json(res, 200, {
        timeSeries: [
          { metric: { type }, points: [{ interval: { endTime: new Date().toISOString() }, value: { int64Value: String(value) } }] },
        ],
      });
    }
    // ---- Service Usage v1
    if ((m = /^\/v1\/projects\/([^/]+)\/services\/([^/:]+)(:enable)?$/.exec(path))) {
      const service = m[2]!;
      if (m[1] !== project && m[1] !== number)
        return googleError(res, 403, `Permission denied on resource project ${m[1]} (or it may not exist).`);
      const name = `projects/${number}/services/${service}`;
      if (method === 'GET') return json(res, 200, { name, parent: `projects/${number}`, state: state.services.get(service) ?? 'DISABLED' });
      if (method === 'POST' && m[3]) {
        state.services.set(service, 'ENABLED');
        return json(res, 200, {
          name: `operations/acf.${sha().slice(0, 8)}`,
          done: true,
          response: {
            '@type': 'type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse',
            service: { name, state: 'ENABLED' },
          },
        });
      }
    }
    // ---- IAM v1 service accounts
    if ((m = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/:]+)(?::(get|set)IamPolicy)?$/.exec(path))) {
      const email = m[2]!;
      if (!state.serviceAccounts.has(email)) return googleError(res, 404, `Unknown service account ${email}`);
      if (method === 'GET' && !m[3]) return json(res, 200, state.serviceAccounts.get(email));
      if (method === 'POST' && m[3] === 'get') return json(res, 200, state.serviceAccountIam.get(email) ?? { etag: 'ACAB' });
      if (method === 'POST' && m[3] === 'set') {
        state.serviceAccountIam.set(email, { ...b.policy, etag: `ACAB${requests.length}` });
        return json(res, 200, state.serviceAccountIam.get(email));
      }
    }
    if (method === 'POST' && (m = /^\/v1\/projects\/([^/]+)\/serviceAccounts$/.exec(path))) {
      const email = `${b.accountId}@${project}.iam.gserviceaccount.com`;
      if (state.serviceAccounts.has(email))
        return googleError(res, 409, `Service account ${b.accountId} already exists within project projects/${project}.`);
      const account = {
        name: `projects/${project}/serviceAccounts/${email}`,
        projectId: project,
        email,
        displayName: b.serviceAccount?.displayName ?? '',
      };
      state.serviceAccounts.set(email, account);
      return json(res, 200, account);
    }
    // ---- Dataform v1
    // Cloud Logging v2 ConfigServiceV2 (Log Router sinks), google-gax REST fallback shapes
    if (method === 'GET' && (m = /^\/v2\/(projects\/[^/]+\/sinks\/[^/:]+)$/.exec(path))) {
      const sink = state.sinks.get(m[1]!);
      return sink ? json(res, 200, sink) : googleError(res, 404, `Sink ${m[1]} does not exist`);
    }
    if (method === 'POST' && (m = /^\/v2\/(projects\/[^/]+)\/sinks$/.exec(path))) {
      const name = `${m[1]}/sinks/${String(b.name ?? '')}`;
      if (!b.name || !b.destination) return googleError(res, 400, 'sink name and destination are required');
      if (state.sinks.has(name)) return googleError(res, 409, `Sink ${b.name} already exists`);
      // a unique writer identity, as Cloud Logging creates for a sink with uniqueWriterIdentity
      const unique = url.searchParams.get('uniqueWriterIdentity') === 'true';
      const writerIdentity = unique
        ? `serviceAccount:service-${number}@gcp-sa-logging.iam.gserviceaccount.com`
        : 'serviceAccount:cloud-logs@system.gserviceaccount.com';
      const sink = {
        name: String(b.name),
        destination: b.destination,
        filter: b.filter ?? '',
        writerIdentity,
        createTime: new Date().toISOString(),
      };
      state.sinks.set(name, sink);
      return json(res, 200, sink);
    }
    if (path.startsWith('/v1/projects/') && path.includes('/locations/')) return dataform(method, path, url.searchParams, b, res);
    // ---- BigQuery v2
    if (path.startsWith('/bigquery/v2/') || path.startsWith('/upload/bigquery/v2/'))
      return bigquery(req, method, path, url.searchParams, b, raw, res);
    // ---- Storage v1
    if (
      path.startsWith('/storage/v1/') ||
      path.startsWith('/upload/storage/v1/') ||
      path.startsWith('/download/storage/v1/') ||
      path.startsWith('/b/')
    )
      return storage(req, method, path, url.searchParams, b, raw, res);
    return googleError(res, 400, `fake: no route for ${method} ${path}`);
  };

  function dataform(method: string, path: string, query: URLSearchParams, b: Record<string, any>, res: ServerResponse): void {
    let m: RegExpExecArray | null;
    if ((m = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+)\/repositories$/.exec(path)) && method === 'POST') {
      const name = `${m[1]}/repositories/${query.get('repositoryId')}`;
      if (state.repositories.has(name)) return googleError(res, 409, `Repository ${name} already exists`);
      const repository = { ...b, name };
      state.repositories.set(name, repository);
      state.commits.set(name, []);
      return json(res, 200, repository);
    }
    if ((m = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/repositories\/[^/:]+)(?::(\w+))?$/.exec(path))) {
      const name = m[1]!;
      const repository = state.repositories.get(name);
      if (!repository) return googleError(res, 404, `Repository ${name} not found`);
      const commits = state.commits.get(name)!;
      if (method === 'GET' && !m[2]) return json(res, 200, repository);
      if (method === 'GET' && m[2] === 'fetchHistory') {
        const size = Number(query.get('pageSize') ?? 100);
        return json(res, 200, {
          commits: [...commits]
            .reverse()
            .slice(0, size)
            .map((c) => ({ commitSha: c.sha, commitMessage: c.message, author: { name: 'logflow setup', emailAddress: 'x' } })),
        });
      }
      if (method === 'GET' && m[2] === 'readFile') {
        const commit = commits.find((c) => c.sha === query.get('commitSha')) ?? commits.at(-1);
        const file = commit?.files.get(query.get('path') ?? '');
        if (!file) return googleError(res, 404, `File ${query.get('path')} not found`);
        return json(res, 200, { contents: file.toString('base64') });
      }
      if (method === 'POST' && m[2] === 'commit') {
        const head = commits.at(-1);
        if (b.requiredHeadCommitSha && b.requiredHeadCommitSha !== head?.sha)
          return googleError(res, 400, 'required_head_commit_sha does not match');
        const files = new Map(head?.files ?? []);
        for (const [file, op] of Object.entries(
          (b.fileOperations ?? {}) as Record<string, { writeFile?: { contents: string }; deleteFile?: unknown }>,
        )) {
          if (op.writeFile) files.set(file, Buffer.from(op.writeFile.contents ?? '', 'base64'));
          else files.delete(file);
        }
        const commit = { sha: sha(), message: b.commitMetadata?.commitMessage ?? '', files };
        commits.push(commit);
        return json(res, 200, { commitSha: commit.sha });
      }
    }
    if (
      (m =
        /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/repositories\/[^/]+)\/(releaseConfigs|workflowConfigs|compilationResults|workflowInvocations)(?:\/([^/]+))?$/.exec(
          path,
        ))
    ) {
      const [, repo, collection, id] = m as unknown as [string, string, string, string | undefined];
      if (!state.repositories.has(repo)) return googleError(res, 404, `Repository ${repo} not found`);
      if (collection === 'workflowInvocations' && method === 'GET' && id?.endsWith(':query')) {
        return json(res, 200, {
          workflowInvocationActions: state.invocationActions.get(`${repo}/${collection}/${id.slice(0, -':query'.length)}`) ?? [],
        });
      }
      if (collection === 'workflowInvocations' && method === 'GET' && !id) {
        return json(res, 200, { workflowInvocations: state.workflowInvocations.get(repo) ?? [] });
      }
      const store =
        collection === 'releaseConfigs'
          ? state.releaseConfigs
          : collection === 'workflowConfigs'
            ? state.workflowConfigs
            : state.compilationResults;
      if (method === 'POST' && !id) {
        if (collection === 'compilationResults') {
          const release = state.releaseConfigs.get(b.releaseConfig);
          if (!release) return googleError(res, 400, `release config ${b.releaseConfig} not found`);
          const name = `${repo}/compilationResults/${sha().slice(0, 12)}`;
          const result = {
            name,
            releaseConfig: b.releaseConfig,
            resolvedGitCommitSha: release.gitCommitish,
            codeCompilationConfig: release.codeCompilationConfig,
            dataformCoreVersion: '3.0.62',
            compilationErrors: state.compilationErrors,
          };
          store.set(name, result);
          return json(res, 200, result);
        }
        const idParam = collection === 'releaseConfigs' ? 'releaseConfigId' : 'workflowConfigId';
        const name = `${repo}/${collection}/${query.get(idParam)}`;
        if (store.has(name)) return googleError(res, 409, `${name} already exists`);
        const created = { ...b, name };
        store.set(name, created);
        return json(res, 200, created);
      }
      const name = `${repo}/${collection}/${id}`;
      const existing = store.get(name);
      if (!existing) return googleError(res, 404, `${name} not found`);
      if (method === 'GET') return json(res, 200, existing);
      if (method === 'PATCH') {
        const mask = (query.get('updateMask') ?? '')
          .split(',')
          .filter(Boolean)
          .map((f) => f.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
        const updated = { ...existing };
        for (const field of mask) updated[field] = b[field];
        store.set(name, updated);
        return json(res, 200, updated);
      }
    }
    return googleError(res, 400, `fake: no Dataform route for ${method} ${path}`);
  }

  function bigquery(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    b: Record<string, any>,
    raw: Buffer,
    res: ServerResponse,
  ): void {
    let m: RegExpExecArray | null;
    const base = `/bigquery/v2/projects/${project}`;
    if (method === 'POST' && path === `${base}/datasets`) {
      const id = b.datasetReference?.datasetId as string;
      if (state.datasets.has(id)) return googleError(res, 409, `Already Exists: Dataset ${project}:${id}`);
      state.datasets.set(id, { location: b.location ?? 'US' });
      return json(res, 200, { ...b, id: `${project}:${id}` });
    }
    if ((m = new RegExp(`^${base}/datasets/([^/]+)$`).exec(path)) && method === 'GET') {
      const d = state.datasets.get(m[1]!);
      return d
        ? json(res, 200, { datasetReference: { projectId: project, datasetId: m[1] }, location: d.location })
        : googleError(res, 404, `Not found: Dataset ${project}:${m[1]}`);
    }
    if ((m = new RegExp(`^${base}/datasets/([^/]+)/tables$`).exec(path)) && method === 'POST') {
      if (!state.datasets.has(m[1]!)) return googleError(res, 404, `Not found: Dataset ${project}:${m[1]}`);
      const key = `${m[1]}.${b.tableReference?.tableId}`;
      if (state.tables.has(key)) return googleError(res, 409, `Already Exists: Table ${project}:${key}`);
      state.tables.set(key, { ...b, numRows: '0' });
      return json(res, 200, state.tables.get(key));
    }
    if ((m = new RegExp(`^${base}/datasets/([^/]+)/tables/([^/:]+)(?::(get|set)IamPolicy)?$`).exec(path))) {
      const key = `${m[1]}.${m[2]}`;
      const table = state.tables.get(key);
      if (!table) return googleError(res, 404, `Not found: Table ${project}:${key}`);
      if (method === 'GET' && !m[3]) return json(res, 200, table);
      if (method === 'POST' && m[3] === 'get') return json(res, 200, state.tableIam.get(key) ?? { etag: 'BwW=', version: 1 });
      if (method === 'POST' && m[3] === 'set') {
        state.tableIam.set(key, { ...b.policy, etag: `BwW${requests.length}=` });
        return json(res, 200, state.tableIam.get(key));
      }
    }
    if (method === 'POST' && (path === `/upload${base}/jobs` || path === `${base}/jobs`)) {
      let configuration: LoadUpload['configuration'];
      let rows: Record<string, unknown>[] = [];
      if (path.startsWith('/upload')) {
        const [meta, data] = parseMultipart(req, raw);
        const job = JSON.parse(meta!.toString('utf8')) as { configuration: LoadUpload['configuration']; jobReference?: { jobId?: string } };
        configuration = job.configuration;
        b.jobReference = job.jobReference;
        rows = data!
          .toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      } else {
        configuration = b.configuration;
      }
      const jobId = b.jobReference?.jobId ?? `job_${++nextJob}`;
      if (state.loads.some((l) => l.jobId === jobId)) return googleError(res, 409, `Already Exists: Job ${project}:EU.${jobId}`);
      nextJob = Math.max(nextJob, state.loads.length + 1);
      state.loads.push({ configuration, rows, jobId });
      const load = configuration.load as { destinationTable?: { datasetId: string; tableId: string } } | undefined;
      if (load?.destinationTable) {
        const key = `${load.destinationTable.datasetId}.${load.destinationTable.tableId}`;
        if (!state.tables.has(key))
          state.tables.set(key, { tableReference: load.destinationTable, schema: (configuration.load as any).schema, numRows: '0' });
        const t = state.tables.get(key)!;
        t.numRows = String(Number(t.numRows ?? 0) + rows.length);
      }
      return json(res, 200, {
        jobReference: { projectId: project, jobId, location: query.get('location') ?? 'EU' },
        configuration,
        status: { state: 'RUNNING' },
      });
    }
    if ((m = new RegExp(`^${base}/jobs/([^/]+)$`).exec(path)) && method === 'GET') {
      const index = state.loads.findIndex((l) => l.jobId === m![1]);
      if (index < 0) return googleError(res, 404, `Not found: Job ${project}:${m[1]}`);
      const failed = state.failJobs.has(index + 1);
      const status = failed
        ? {
            state: 'DONE',
            errorResult: { message: 'Error while reading data, error message: JSON table encountered too many errors' },
            errors: [{ message: 'Error while reading data' }],
          }
        : { state: 'DONE' };
      return json(res, 200, {
        jobReference: { projectId: project, jobId: m[1], location: 'EU' },
        configuration: state.loads[index]!.configuration,
        status,
        statistics: { load: { outputRows: String(state.loads[index]!.rows.length) } },
      });
    }
    if (method === 'POST' && path === `${base}/queries`) {
      const sql = String(b.query ?? '');
      state.queries.push(sql);
      const answer = state.queryAnswers.find((a) => sql.includes(a.contains));
      const rows = answer?.rows ?? [];
      const names = rows[0] ? Object.keys(rows[0]) : [];
      const types = answer?.types ?? {};
      return json(res, 200, {
        kind: 'bigquery#queryResponse',
        jobComplete: true,
        jobReference: { projectId: project, jobId: `q_${requests.length}`, location: 'EU' },
        schema: { fields: names.map((n) => ({ name: n, type: types[n] ?? 'STRING', mode: 'NULLABLE' })) },
        rows: rows.map((r) => ({ f: names.map((n) => ({ v: r[n] === null || r[n] === undefined ? null : String(r[n]) })) })),
        totalRows: String(rows.length),
      });
    }
    return googleError(res, 400, `fake: no BigQuery route for ${method} ${path}`);
  }

  function storage(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    b: Record<string, any>,
    raw: Buffer,
    res: ServerResponse,
  ): void {
    let m: RegExpExecArray | null;
    const p = path.replace(/^\/storage\/v1/, '');
    if (method === 'POST' && p === '/b') {
      if (state.buckets.has(b.name))
        return googleError(res, 409, 'Your previous request to create the named bucket succeeded and you already own it.');
      const bucket = { ...b, kind: 'storage#bucket', id: b.name, location: String(b.location ?? 'US').toUpperCase() };
      state.buckets.set(b.name, bucket);
      return json(res, 200, bucket);
    }
    if ((m = /^\/b\/([^/]+)(\/iam)?$/.exec(p))) {
      const bucket = state.buckets.get(m[1]!);
      if (!bucket) return googleError(res, 404, 'The specified bucket does not exist.');
      if (method === 'GET' && !m[2]) return json(res, 200, bucket);
      if (method === 'GET' && m[2])
        return json(
          res,
          200,
          state.bucketIam.get(m[1]!) ?? {
            kind: 'storage#policy',
            resourceId: `projects/_/buckets/${m[1]}`,
            version: 1,
            etag: 'CAE=',
            bindings: [],
          },
        );
      if (method === 'PUT' && m[2]) {
        state.bucketIam.set(m[1]!, { ...b, etag: `CA${requests.length}=` } as Policy);
        return json(res, 200, state.bucketIam.get(m[1]!));
      }
    }
    if ((m = /^\/b\/([^/]+)\/o\/(.+)$/.exec(p.replace(/^\/download\/storage\/v1/, ''))) && method === 'GET') {
      const object = state.objects.get(`${m[1]}/${m[2]}`);
      if (!object) return googleError(res, 404, 'No such object: ' + `${m[1]}/${m[2]}`);
      if (query.get('alt') === 'media') {
        const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
        const start = range ? Number(range[1]) : 0;
        const end = range && range[2] ? Math.min(Number(range[2]), object.data.length - 1) : object.data.length - 1;
        res.writeHead(range ? 206 : 200, { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1) });
        res.end(object.data.subarray(start, end + 1));
        return;
      }
      return json(res, 200, {
        kind: 'storage#object',
        bucket: m[1],
        name: m[2],
        size: String(object.data.length),
        md5Hash: object.md5Hash,
      });
    }
    if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && method === 'POST') {
      if (!state.buckets.has(m[1]!)) return googleError(res, 404, 'The specified bucket does not exist.');
      const [meta, data] = parseMultipart(req, raw);
      const metadata = JSON.parse(meta!.toString('utf8')) as { name?: string };
      const name = metadata.name ?? query.get('name') ?? '';
      const md5Hash = createHash('md5').update(data!).digest('base64');
      state.objects.set(`${m[1]}/${name}`, { data: data!, md5Hash });
      return json(res, 200, { kind: 'storage#object', bucket: m[1], name, size: String(data!.length), md5Hash });
    }
    return googleError(res, 400, `fake: no Storage route for ${method} ${path}`);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (error) {
        googleError(res, 500, `fake crashed: ${(error as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    project,
    number,
    state,
    requests,
    mutations: () => requests.filter((r) => r.method !== 'GET' && !READ_VERBS.test(r.path)),
    fail(fault) {
      faults.push({ times: 1, ...fault });
    },
    clearFaults() {
      faults.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
