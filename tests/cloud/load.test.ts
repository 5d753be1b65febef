import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runLoad, type LoadOptions, type LoadSummary } from '../../cloud/load.ts';
import { generateLines } from '../../generator/index.ts';
import { runIngest } from '../../ingest/index.ts';
import { compileProject } from '../../warehouse/compile.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { prepareWarehouse } from '../../pipeline/prepare.ts';
import { runModels, queryRows } from '../support/pipeline.ts';
import { startCloudFake, type CloudFake } from '../support/cloud-fake.ts';
import { fakeAuth } from '../support/fake-auth.ts';

let dir: string;
let log: string;
const LINES = 1200;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-load-'));
  log = join(dir, 'access.log');
  writeFileSync(log, [...generateLines({ lines: LINES, seed: 11 })].join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet = () => undefined;

async function loadLocal(warehouse: string, extra: Partial<LoadOptions> = {}): Promise<LoadSummary> {
  return runLoad({
    inputs: [log],
    target: 'local',
    warehouse,
    ingestHost: 'test-host',
    chunk: { maxLines: 500 },
    progress: quiet,
    ...extra,
  });
}

/** Runs the real models on the warehouse file and returns request and parse-error counts. */
async function transform(warehouse: string): Promise<{ requests: number; distinctRequests: number; parseErrors: number; landed: number }> {
  const wh = await openWarehouse(warehouse);
  try {
    await prepareWarehouse(wh.connection, compileProject({ warehouse: 'duckdb' }));
    await runModels(wh);
    const [row] = await queryRows(
      wh,
      `select (select count(*) from logflow.requests) as requests, (select count(distinct request_id) from logflow.requests) as d,
              (select count(*) from logflow.parse_errors) as e, (select count(*) from logflow_raw.landing) as landed`,
    );
    return { requests: Number(row!.requests), distinctRequests: Number(row!.d), parseErrors: Number(row!.e), landed: Number(row!.landed) };
  } finally {
    wh.close();
  }
}

describe('runLoad() --target local', () => {
  it('loading the same file twice and transforming yields each request once', async () => {
    const warehouse = join(dir, 'twice.duckdb');
    const first = await loadLocal(warehouse);
    expect(first).toMatchObject({ sources: 1, chunks: 3, loaded: 3, skipped: 0, rows: LINES });
    const second = await loadLocal(warehouse);
    expect(second).toMatchObject({ loaded: 0, skipped: 3, rows: 0 });
    const once = await transform(warehouse);
    expect(once.requests + once.parseErrors).toBe(LINES);
    expect(once.distinctRequests).toBe(once.requests);

    // Even when the rows really land twice (the ledger lost, another chunk size), the idempotency
    // keys collapse them: the landing table doubles, the requests do not.
    const wh = await openWarehouse(warehouse);
    await wh.connection.run('delete from logflow_ingest.loaded_chunks');
    wh.close();
    const again = await loadLocal(warehouse, { chunk: { maxLines: 700 } });
    expect(again.rows).toBe(LINES);
    const after = await transform(warehouse);
    expect(after.landed).toBe(2 * LINES);
    expect(after).toMatchObject({ requests: once.requests, distinctRequests: once.requests, parseErrors: once.parseErrors });
  }, 120_000);

  it('gives every line the attributes `logflow ingest` gives it, so loading and streaming the same file yields each request once', async () => {
    const warehouse = join(dir, 'both.duckdb');
    await runIngest({ inputs: [log], warehouse, sink: 'local', ingestHost: 'test-host', report: quiet });
    await loadLocal(warehouse);
    const wh = await openWarehouse(warehouse);
    const rows = await queryRows(
      wh,
      `select subscription_name like '%logflow-load' as loaded, attributes::varchar as a, data from logflow_raw.landing order by (attributes->>'byte_offset')::bigint, loaded`,
    );
    wh.close();
    expect(rows).toHaveLength(2 * LINES);
    for (let i = 0; i < rows.length; i += 2) {
      const [streamed, loaded] = [rows[i]!, rows[i + 1]!];
      expect([streamed.loaded, loaded.loaded]).toEqual([false, true]);
      expect(JSON.parse(String(loaded.a))).toEqual(JSON.parse(String(streamed.a)));
      expect(loaded.data).toEqual(streamed.data);
    }
    const counts = await transform(warehouse);
    expect(counts.requests + counts.parseErrors).toBe(LINES);
    expect(counts.distinctRequests).toBe(counts.requests);
  }, 120_000);

  it('resumes after an interruption: chunks done are skipped, the rest loaded', async () => {
    const warehouse = join(dir, 'resume.duckdb');
    const controller = new AbortController();
    let seen = 0;
    const stopped = await loadLocal(warehouse, {
      signal: controller.signal,
      progress: () => (++seen === 1 ? controller.abort() : undefined),
    });
    expect(stopped).toMatchObject({ loaded: 1, interrupted: true });
    const rest = await loadLocal(warehouse);
    expect(rest).toMatchObject({ loaded: 2, skipped: 1, rows: LINES - 500, interrupted: false });
    const wh = await openWarehouse(warehouse);
    const [row] = await queryRows(wh, `select count(*) as n, count(distinct attributes->>'idempotency_key') as k from logflow_raw.landing`);
    wh.close();
    expect([Number(row!.n), Number(row!.k)]).toEqual([LINES, LINES]);
  }, 60_000);
});

describe('runLoad() --target bigquery', () => {
  let cloud: CloudFake;
  const P = 'demo-project';
  beforeEach(async () => {
    cloud = await startCloudFake({ project: P });
    cloud.state.datasets.set('logflow_raw', { location: 'EU' });
    cloud.state.tables.set('logflow_raw.landing', {
      tableReference: { projectId: P, datasetId: 'logflow_raw', tableId: 'landing' },
      location: 'EU',
      timePartitioning: { type: 'HOUR' },
    });
  });
  afterEach(() => cloud.stop());
  const load = (inputs: string[], extra: Partial<LoadOptions> = {}) =>
    runLoad({
      inputs,
      target: 'bigquery',
      project: P,
      ingestHost: 'test-host',
      chunk: { maxLines: 500 },
      connection: { endpoints: { http: cloud.endpoint }, authClient: fakeAuth() },
      progress: quiet,
      ...extra,
    });

  it("loads chunks with load jobs into the landing table, with ingest's attributes and the subscription's columns", async () => {
    const summary = await load([log]);
    expect(summary).toMatchObject({ chunks: 3, loaded: 3, rows: LINES });
    expect(cloud.state.loads).toHaveLength(3);
    for (const upload of cloud.state.loads) {
      expect(upload.jobId).toMatch(/^logflow_load_[0-9a-f]{40}$/);
      expect(upload.configuration.load).toMatchObject({
        destinationTable: { projectId: P, datasetId: 'logflow_raw', tableId: 'landing' },
        sourceFormat: 'NEWLINE_DELIMITED_JSON',
        writeDisposition: 'WRITE_APPEND',
        createDisposition: 'CREATE_NEVER',
      });
    }
    const rows = cloud.state.loads.flatMap((l) => l.rows);
    expect(rows).toHaveLength(LINES);
    expect(Object.keys(rows[0]!)).toEqual(['subscription_name', 'message_id', 'publish_time', 'data', 'attributes']);
    const lines = readFileSync(log, 'utf8').split('\n');
    const firstLine = lines[0]!;
    const sourceId = `file:${createHash('sha256')
      .update(firstLine + '\n')
      .digest('hex')
      .slice(0, 32)}`;
    expect(rows[1]).toMatchObject({
      subscription_name: `projects/${P}/subscriptions/logflow-load`,
      data: Buffer.from(lines[1]!).toString('base64'),
      attributes: {
        source: log,
        source_id: sourceId,
        line_number: '2',
        byte_offset: String(firstLine.length + 1),
        format: 'combined',
        ingest_host: 'test-host',
        idempotency_key: `${sourceId}@${firstLine.length + 1}`,
      },
    });
  }, 60_000);

  it('skips chunks whose load job is done on a re-run, and retries a failed one under a new job id', async () => {
    cloud.state.failJobs.add(2);
    await expect(load([log])).rejects.toThrow(
      /^.*access\.log: lines 501-1000: load job logflow_load_[0-9a-f]+ failed: .*run the same command again to retry$/,
    );
    expect(cloud.state.loads).toHaveLength(2);
    const again = await load([log]);
    expect(again).toMatchObject({ loaded: 2, skipped: 1 });
    expect(cloud.state.loads.map((l) => l.jobId)).toEqual([
      cloud.state.loads[0]!.jobId,
      cloud.state.loads[1]!.jobId,
      `${cloud.state.loads[1]!.jobId}_1`,
      cloud.state.loads[3]!.jobId,
    ]);
    const third = await load([log]);
    expect(third).toMatchObject({ loaded: 0, skipped: 3 });
    expect(cloud.state.loads).toHaveLength(4);
  }, 60_000);

  it('streams a gzip gs:// object and gives it the identity of the same content on disk', async () => {
    cloud.state.buckets.set('logs', { name: 'logs', location: 'EU' });
    const data = gzipSync(readFileSync(log));
    cloud.state.objects.set('logs/2026/access.log.gz', { data, md5Hash: createHash('md5').update(data).digest('base64') });
    const summary = await load(['gs://logs/2026/access.log.gz']);
    expect(summary).toMatchObject({ loaded: 3, rows: LINES });
    const fromObject = cloud.state.loads.flatMap((l) => l.rows);
    const firstLine = readFileSync(log, 'utf8').split('\n')[0]!;
    const sourceId = `file:${createHash('sha256')
      .update(firstLine + '\n')
      .digest('hex')
      .slice(0, 32)}`;
    expect(fromObject[0]!.attributes).toMatchObject({
      source: 'gs://logs/2026/access.log.gz',
      source_id: sourceId,
      idempotency_key: `${sourceId}@0`,
    });
    // the same content on disk is the same chunks (same source_id and line ranges): nothing to load
    expect(await load([log])).toMatchObject({ loaded: 0, skipped: 3 });
    expect(cloud.state.loads).toHaveLength(3);
  }, 60_000);

  it('says to run setup when the landing table is missing', async () => {
    cloud.state.tables.delete('logflow_raw.landing');
    await expect(load([log])).rejects.toThrow(
      /^the landing table demo-project\.logflow_raw\.landing does not exist; run `logflow setup --project demo-project --location L` first$/,
    );
  });
});
