/**
 * Test support for the session and output models: a `logflow.requests` table with the
 * contract's columns, filled from plain objects with bound parameters, and runs of the
 * real compiled project's downstream models (everything but the parsing chain) on it.
 */
import { compileProject } from '../../warehouse/compile.ts';
import { runGraph, type RunSummary } from '../../warehouse/executor.ts';
import type { CompiledGraph } from '../../warehouse/graph.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { testWarehouse, queryRows } from './pipeline.ts';

export const REQUESTS = '"your-gcp-project"."logflow"."requests"';

/** The contract of logflow.requests (issue 5), as DuckDB column types. */
export const REQUEST_COLUMNS: [string, string][] = [
  ['request_id', 'varchar'],
  ['source', 'varchar'],
  ['source_id', 'varchar'],
  ['line_number', 'bigint'],
  ['byte_offset', 'bigint'],
  ['received_at', 'timestamptz'],
  ['requested_at', 'timestamptz'],
  ['client_ip', 'varchar'],
  ['ip_key', 'varchar'],
  ['method', 'varchar'],
  ['path', 'varchar'],
  ['query', 'varchar'],
  ['protocol', 'varchar'],
  ['status', 'bigint'],
  ['status_class', 'varchar'],
  ['response_bytes', 'bigint'],
  ['referrer', 'varchar'],
  ['referrer_host', 'varchar'],
  ['is_internal_referrer', 'boolean'],
  ['user_agent', 'varchar'],
  ['browser_name', 'varchar'],
  ['browser_version', 'varchar'],
  ['browser_major', 'varchar'],
  ['os_name', 'varchar'],
  ['os_version', 'varchar'],
  ['device_type', 'varchar'],
  ['engine_name', 'varchar'],
  ['is_bot', 'boolean'],
  ['bot_name', 'varchar'],
  ['is_static', 'boolean'],
  ['is_page_view', 'boolean'],
  ['country_code', 'varchar'],
  ['asn', 'bigint'],
  ['as_org', 'varchar'],
  ['log_format', 'varchar'],
  // Contract 2 (plan-s3) and the fields the request panels read (definitions/outputs/panels/request_panels.js)
  ['vhost', 'varchar'],
  ['host', 'varchar'],
  ['auth_user', 'varchar'],
  ['cache_status', 'varchar'],
  ['tls_protocol', 'varchar'],
  ['tls_cipher', 'varchar'],
  ['mime_type', 'varchar'],
  ['trailing_text', 'varchar'],
  ['request_time_us', 'bigint'],
];

/** A request row for tests: the fields a test cares about; the rest get plain defaults. */
export interface Hit {
  id: string;
  at: string | Date;
  receivedAt?: string | Date;
  ip?: string;
  ua?: string | null;
  path?: string;
  status?: number;
  bytes?: number;
  pageView?: boolean;
  isBot?: boolean;
  referrer?: string | null;
  query?: string | null;
}

const iso = (v: string | Date) => (typeof v === 'string' ? v : v.toISOString());

function rowOf(h: Hit): Record<string, unknown> {
  const path = h.path ?? '/';
  const status = h.status ?? 200;
  const isStatic = /\.(css|js|png|jpg|gif|ico|svg|woff2?)$/.test(path);
  const referrer = h.referrer ?? null;
  return {
    request_id: h.id,
    source: 'test',
    source_id: 'test-id',
    line_number: 1,
    byte_offset: 0,
    received_at: iso(h.receivedAt ?? h.at),
    requested_at: iso(h.at),
    client_ip: h.ip ?? '192.0.2.1',
    ip_key: null,
    method: 'GET',
    path,
    query: h.query ?? null,
    protocol: 'HTTP/1.1',
    status,
    status_class: `${Math.floor(status / 100)}xx`,
    response_bytes: h.bytes ?? 100,
    referrer,
    referrer_host: referrer ? new URL(referrer).host : null,
    is_internal_referrer: false,
    user_agent: h.ua === undefined ? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' : h.ua,
    browser_name: 'Firefox',
    browser_version: '120.0',
    browser_major: '120',
    os_name: 'Linux',
    os_version: null,
    device_type: 'desktop',
    engine_name: 'Gecko',
    is_bot: h.isBot ?? false,
    bot_name: null,
    is_static: isStatic,
    is_page_view: h.pageView ?? (!isStatic && status < 400),
    country_code: 'DE',
    asn: 64500,
    as_org: 'Example',
    log_format: 'combined',
    // plain defaults derived from the hit, so the request panels have rows (ties in request_time_us included)
    vhost: 'www.example.com',
    host: 'www.example.com',
    auth_user: status === 401 ? null : h.ip === '2001:db8::7' ? 'alice' : null,
    cache_status: isStatic ? 'HIT' : 'MISS',
    tls_protocol: 'TLSv1.3',
    tls_cipher: 'TLS_AES_128_GCM_SHA256',
    mime_type: isStatic ? 'text/css' : 'text/html',
    trailing_text: null,
    request_time_us: (h.bytes ?? 100) * 10 + status,
  };
}

/** An in-memory warehouse with an empty logflow.requests table of the contract's shape. */
export async function requestsWarehouse(): Promise<Warehouse> {
  const wh = await testWarehouse();
  await wh.connection.run('create schema if not exists "your-gcp-project"."logflow"');
  // staged_at: when the row was staged; each insert statement (a batch) stages at its own time, as a staging run would.
  await wh.connection.run(
    `create table ${REQUESTS} (${REQUEST_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')}, staged_at timestamptz default current_timestamp)`,
  );
  // The daily outputs find their new requests in int_lines_parsed (partitioned by arrival on BigQuery): here, the same rows.
  await wh.connection.run(`create view "your-gcp-project"."logflow"."int_lines_parsed" as
    select request_id as line_id, true as is_parsed, received_at, requested_at, staged_at from ${REQUESTS}`);
  return wh;
}

/** Appends hits to logflow.requests (values bound, one statement per batch of rows). */
export async function addHits(wh: Warehouse, hits: Hit[]): Promise<void> {
  if (hits.length === 0) return;
  const json = JSON.stringify(hits.map(rowOf));
  const columns = REQUEST_COLUMNS.map(([n, t]) => `cast(r ->> '${n}' as ${t}) as ${n}`).join(', ');
  const names = REQUEST_COLUMNS.map(([n]) => n).join(', ');
  await wh.connection.run(`insert into ${REQUESTS} (${names}) select ${columns} from (select unnest(cast($1 as json[])) as r)`, [json]);
}

let cached: CompiledGraph | undefined;
let cachedVars = '';

/** The real project compiled for DuckDB, without the parsing chain (requests is a fixture here). */
export function downstreamGraph(vars: Record<string, string> = {}): CompiledGraph {
  const key = JSON.stringify(vars);
  if (!cached || cachedVars !== key) {
    cached = compileProject({ warehouse: 'duckdb', vars });
    cachedVars = key;
  }
  return cached;
}

/** The run marks table (definitions/meta/model_watermarks.sqlx). */
const MARKS = 'logflow.model_watermarks';

/** Names of the actions that depend, directly or not, on logflow.requests (tables and assertions), and the run marks table. */
export function downstreamActions(graph: CompiledGraph): string[] {
  const nodes = [...(graph.tables ?? []), ...(graph.assertions ?? [])];
  const downstream = new Set<string>(['logflow.requests']);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of nodes) {
      const name = `${n.target.schema}.${n.target.name}`;
      if (downstream.has(name)) continue;
      if ((n.dependencyTargets ?? []).some((t) => downstream.has(`${t.schema}.${t.name}`))) {
        downstream.add(name);
        grew = true;
      }
    }
  }
  // Keep only actions whose every input is logflow.requests or downstream of it.
  // Assertions on requests alone belong to its owner (and may read other upstream tables).
  const checks = new Set((graph.assertions ?? []).map((a) => `${a.target.schema}.${a.target.name}`));
  const runnable = nodes.filter((n) => {
    const name = `${n.target.schema}.${n.target.name}`;
    const deps = (n.dependencyTargets ?? []).map((t) => `${t.schema}.${t.name}`);
    const ownsIt = !checks.has(name) || deps.some((d) => d !== 'logflow.requests');
    // int_lines_parsed is provided too (a view over the fixture requests, see requestsWarehouse), and
    // the run marks table is built with them (the models record their marks there).
    return downstream.has(name) && deps.every((d) => downstream.has(d) || d === 'logflow.int_lines_parsed' || d === MARKS) && ownsIt;
  });
  return [MARKS, ...runnable.map((n) => `${n.target.schema}.${n.target.name}`)];
}

/** Runs the models downstream of requests (optionally only `only` and their assertions); throws on a failure. */
export async function runDownstream(
  wh: Warehouse,
  options: { fullRefresh?: boolean; only?: string[]; vars?: Record<string, string> } = {},
): Promise<RunSummary> {
  const graph = downstreamGraph(options.vars);
  let actions = downstreamActions(graph);
  if (options.only) {
    const only = options.only;
    actions = actions.filter(
      (a) => a === MARKS || only.some((o) => a === `logflow.${o}` || (a.startsWith('logflow_assertions.') && a.includes(o))),
    );
  }
  const summary = await runGraph(wh.connection, graph, { actions, fullRefresh: options.fullRefresh });
  if (!summary.ok) {
    const failed = summary.results.filter((r) => r.status === 'failed');
    throw new Error(`model run failed: ${failed.map((r) => `${r.name}: ${r.error}`).join('; ')}`);
  }
  return summary;
}

/** Sessions as plain rows ordered by visitor and start. */
export async function sessionRows(wh: Warehouse): Promise<Record<string, unknown>[]> {
  return queryRows(wh, 'select * from "your-gcp-project"."logflow"."sessions" order by visitor_id, started_at');
}
