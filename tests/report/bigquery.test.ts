import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigquerySource, buildReportData, localSource } from '../../report/index.ts';
import { parameterTypes } from '../../check/report-queries.ts';
import { reportQueries } from '../../report/queries.ts';
import { spelling } from '../../report/source.ts';
import { openWarehouse, type Warehouse } from '../../warehouse/duckdb.ts';
import { buildFixtureWarehouse } from './fixture.ts';

/**
 * A loopback fake of BigQuery's jobs.query / getQueryResults REST API. It answers only the
 * report's own fixed queries: it recognises the BigQuery text, runs the same named query's
 * DuckDB spelling with the bound parameter values on a fixture warehouse, and answers in
 * BigQuery's wire format. jobs.query answers "not complete", so the client must poll
 * getQueryResults, as it does for slow queries.
 */
describe('bigquerySource() against a loopback BigQuery REST fake', () => {
  let warehouse: string;
  let wh: Warehouse;
  let server: Server;
  let endpoint: string;
  const received: { method: string; path: string; body?: Record<string, unknown> }[] = [];
  const pending = new Map<string, Record<string, unknown>>();
  const bqQueries = reportQueries(spelling('bigquery', 'logflow', 'my-project'));
  const duckQueries = reportQueries(spelling('duckdb', 'logflow'));
  const nameOf = new Map(Object.entries(bqQueries).map(([name, sql]) => [sql, name]));

  async function answer(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const name = nameOf.get(String(body.query));
    if (!name) throw new Error('fake: not one of the report queries');
    const params = Object.fromEntries(
      ((body.queryParameters ?? []) as { name: string; parameterValue: { value: string } }[]).map((p) => [p.name, p.parameterValue.value]),
    );
    const reader = await wh.connection.runAndReadAll(duckQueries[name]!, params);
    const types = reader.columnTypes().map((t) => String(t));
    const fields = reader.columnNames().map((n, i) => ({
      name: n,
      type: /INT/.test(types[i]!)
        ? 'INTEGER'
        : /DOUBLE|FLOAT|DECIMAL/.test(types[i]!)
          ? 'FLOAT'
          : types[i] === 'BOOLEAN'
            ? 'BOOLEAN'
            : 'STRING',
      mode: 'NULLABLE',
    }));
    const rows = reader.getRowsJS().map((r) => ({ f: r.map((v) => ({ v: v === null ? null : String(v) })) }));
    return { kind: 'bigquery#getQueryResultsResponse', schema: { fields }, rows, totalRows: String(rows.length), jobComplete: true };
  }

  beforeAll(async () => {
    warehouse = await buildFixtureWarehouse(800);
    wh = await openWarehouse(warehouse, { readOnly: true });
    let next = 0;
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        void (async () => {
          const url = new URL(req.url ?? '/', 'http://x');
          const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
          received.push({ method: req.method ?? '', path: url.pathname, body });
          const json = (status: number, value: unknown) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(value));
          };
          try {
            if (req.method === 'POST' && url.pathname === '/bigquery/v2/projects/my-project/queries') {
              const jobId = `job_${++next}`;
              pending.set(jobId, body!);
              return json(200, {
                kind: 'bigquery#queryResponse',
                jobReference: { projectId: 'my-project', jobId, location: 'EU' },
                jobComplete: false,
              });
            }
            const poll = /^\/bigquery\/v2\/projects\/my-project\/queries\/(job_\d+)$/.exec(url.pathname);
            if (req.method === 'GET' && poll && pending.has(poll[1]!)) {
              return json(200, {
                ...(await answer(pending.get(poll[1]!)!)),
                jobReference: { projectId: 'my-project', jobId: poll[1], location: 'EU' },
              });
            }
            return json(404, { error: { code: 404, message: `fake: no route for ${req.method} ${url.pathname}` } });
          } catch (error) {
            return json(400, { error: { code: 400, message: (error as Error).message } });
          }
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);

  afterAll(async () => {
    wh?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('sends only the fixed report queries, with named parameters, and builds the same data as the local warehouse', async () => {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'fake-token', expiry_date: Date.now() + 3_600_000 });
    const bq = bigquerySource({ project: 'my-project', dataset: 'logflow', location: 'EU', client: { apiEndpoint: endpoint, authClient } });
    const range = { from: '2026-11-01', to: '2026-11-02' };
    const remote = await buildReportData(bq.source, bq.spelling, range);

    const checkedTypes = new Map(parameterTypes().map((p) => [p.name, p.type]));
    const posts = received.filter((r) => r.method === 'POST');
    expect(posts.length).toBe(Object.keys(bqQueries).length);
    for (const { body } of posts) {
      expect(nameOf.has(String(body!.query)), 'a fixed report query').toBe(true);
      expect(body!.useLegacySql).toBe(false);
      expect(body!.location).toBe('EU');
      expect(String(body!.query)).not.toMatch(/2026-11-0[12]/); // values are bound, never spliced
      expect(String(body!.query)).toMatch(/`my-project\.logflow\.[a-z_]+`/);
      const params = (body!.queryParameters ?? []) as {
        name: string;
        parameterType: { type: string };
        parameterValue: { value: string };
      }[];
      for (const p of params) expect(String(body!.query)).toContain(`@${p.name}`);
      // The types logflow check analyses these queries with (check/report-queries.ts) are the ones sent.
      for (const p of params) expect(checkedTypes.get(p.name), p.name).toBe(p.parameterType.type);
      if (String(body!.query).includes('@from')) {
        expect(String(body!.parameterMode).toUpperCase()).toBe('NAMED');
        expect(params.find((p) => p.name === 'from')).toEqual({
          name: 'from',
          parameterType: { type: 'STRING' },
          parameterValue: { value: '2026-11-01' },
        });
      }
    }
    expect(received.filter((r) => r.method === 'GET' && r.path.includes('/queries/')).length).toBe(posts.length);

    const local = await localSource(warehouse);
    try {
      const mine = await buildReportData(local.source, local.spelling, range);
      const strip = (d: typeof mine) => ({ ...d, meta: { ...d.meta, generatedAt: '', source: '', engine: '' } });
      expect(strip(remote)).toEqual(strip(mine));
      expect(remote.daily.length).toBeGreaterThan(0);
    } finally {
      await local.source.close();
    }
  });
});

describe('bigquerySource() names', () => {
  it.each([
    { project: 'my-project`; drop table x; --', dataset: 'logflow', message: /^--project '.*' is not a BigQuery project id/ },
    { project: 'p', dataset: 'logflow', message: /^--project 'p' is not a BigQuery project id/ },
    { project: 'my-project', dataset: 'logflow.x', message: /^--dataset 'logflow\.x' is not a BigQuery dataset name/ },
    { project: 'my-project', dataset: 'a`b', message: /^--dataset 'a`b' is not a BigQuery dataset name/ },
  ])('refuses project $project, dataset $dataset (the only text spliced into the queries)', ({ project, dataset, message }) => {
    expect(() => bigquerySource({ project, dataset })).toThrow(message);
  });

  it.each(['my-project', 'example.com:my-project', 'your-gcp-project'])('accepts the project id %s', (project) => {
    expect(bigquerySource({ project, dataset: 'logflow_eu' }).spelling.table('requests')).toBe(`\`${project}.logflow_eu.requests\``);
  });
});
