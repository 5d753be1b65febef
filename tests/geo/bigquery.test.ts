import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogflowError } from '../../core/errors.ts';
import {
  bigQueryClient,
  checkCredentials,
  ensureBigQueryTable,
  ensureDataset,
  loadIntoBigQuery,
  type BigQueryTarget,
} from '../../geo/bigquery.ts';
import { ensureGeoTables, loadIntoDuckDB } from '../../geo/load.ts';
import { MmdbWriter } from '../support/mmdb-writer.ts';
import { testWarehouse } from '../support/pipeline.ts';

/**
 * A loopback fake of the BigQuery REST API, just enough for dataset get/create, a multipart
 * load-job upload and job polling. It records what the real client sent.
 */
interface Upload {
  configuration: { load?: Record<string, unknown> };
  rows: Record<string, unknown>[];
}

let server: Server;
let endpoint: string;
let dir: string;
const requests: string[] = [];
const uploads: Upload[] = [];
let datasetExists = false;
let failJobs = false;
let rejectUploads = 0;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function parseMultipart(req: IncomingMessage, body: Buffer): Upload {
  const boundary = /boundary="?([^";]+)"?/.exec(req.headers['content-type'] ?? '')?.[1];
  if (!boundary) throw new Error('no multipart boundary');
  const parts = body
    .toString('utf8')
    .split(`--${boundary}`)
    .map((p) => p.replace(/^\r\n/, ''))
    .filter((p) => p.trim() !== '' && p.trim() !== '--');
  const payload = (part: string) => part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  const metadata = JSON.parse(payload(parts[0]!)) as { configuration: Upload['configuration'] };
  const rows = payload(parts[1]!)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { configuration: metadata.configuration, rows };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-geo-bq-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push(`${req.method} ${url.pathname}`);
      if (req.headers.authorization !== 'Bearer fake-token') return json(res, 401, { error: { code: 401, message: 'no auth' } });
      if (req.method === 'GET' && url.pathname === '/bigquery/v2/projects/p/datasets/logflow_ref') {
        return datasetExists
          ? json(res, 200, { datasetReference: { projectId: 'p', datasetId: 'logflow_ref' }, location: 'EU' })
          : json(res, 404, {
              error: {
                code: 404,
                message: 'Not found: Dataset p:logflow_ref',
                errors: [{ message: 'Not found: Dataset p:logflow_ref', reason: 'notFound' }],
              },
            });
      }
      if (req.method === 'POST' && url.pathname === '/bigquery/v2/projects/p/datasets') {
        datasetExists = true;
        return json(res, 200, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      }
      if (req.method === 'POST' && url.pathname === '/upload/bigquery/v2/projects/p/jobs') {
        if (rejectUploads > 0) {
          rejectUploads--;
          return json(res, 403, {
            error: {
              code: 403,
              message: 'Access Denied: Project p: User does not have bigquery.jobs.create permission',
              errors: [{ message: 'Access Denied: Project p: User does not have bigquery.jobs.create permission', reason: 'accessDenied' }],
            },
          });
        }
        const upload = parseMultipart(req, Buffer.concat(chunks));
        uploads.push(upload);
        const jobId = `job_${uploads.length}`;
        return json(res, 200, {
          jobReference: { projectId: 'p', jobId, location: 'EU' },
          configuration: upload.configuration,
          status: { state: 'RUNNING' },
        });
      }
      const job = /^\/bigquery\/v2\/projects\/p\/jobs\/(job_\d+)$/.exec(url.pathname);
      if (req.method === 'GET' && job) {
        const status = failJobs
          ? { state: 'DONE', errorResult: { message: 'Error while reading data' }, errors: [{ message: 'Error while reading data' }] }
          : { state: 'DONE' };
        return json(res, 200, { jobReference: { projectId: 'p', jobId: job[1], location: 'EU' }, status });
      }
      return json(res, 404, { error: { code: 404, message: `fake: no route for ${req.method} ${url.pathname}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function target(): BigQueryTarget {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'fake-token', expiry_date: Date.now() + 3_600_000 });
  return { projectId: 'p', dataset: 'logflow_ref', location: 'EU', apiEndpoint: endpoint, authClient };
}

describe('loadIntoBigQuery()', () => {
  it('loads city ranges with region and city (NULL when empty)', async () => {
    const csv = join(dir, 'city.csv');
    writeFileSync(csv, '81.2.69.0,81.2.69.255,GB,England,London\n81.2.70.0,81.2.70.255,gb,,\n');
    const t = target();
    const client = bigQueryClient(t);
    const result = await loadIntoBigQuery(client, t, 'city', [csv]);
    expect(result).toEqual({ kind: 'city', table: 'p.logflow_ref.ip_city_ranges', ranges: 2, rows: 2 });
    const upload = uploads.at(-1)!;
    expect(upload.configuration.load).toMatchObject({
      destinationTable: { tableId: 'ip_city_ranges' },
      writeDisposition: 'WRITE_TRUNCATE',
      schema: { fields: expect.arrayContaining([{ name: 'region', type: 'STRING', mode: 'NULLABLE' }]) },
    });
    expect(upload.rows).toEqual([
      { bucket: '4510245', start_key: '51024500', end_key: '510245ff', country_code: 'GB', region: 'England', city: 'London' },
      { bucket: '4510246', start_key: '51024600', end_key: '510246ff', country_code: 'GB', region: null, city: null },
    ]);
  });

  it('loads a city MMDB into the same rows as the local table', async () => {
    const mmdb = join(dir, 'city.mmdb');
    writeFileSync(
      mmdb,
      new MmdbWriter({ ipVersion: 6, recordSize: 28 })
        .insert('81.2.69.0/24', {
          country: { iso_code: 'GB' },
          subdivisions: [{ names: { en: 'England' } }],
          city: { names: { en: 'London' } },
        })
        .insert('81.2.69.128/26', { country: { iso_code: 'GB' }, city: { names: { en: 'Boxford' } } })
        .insert('2a02:8010::/32', { country: { iso_code: 'DE' }, city: { names: { en: 'München' } } })
        .build(),
    );
    const t = target();
    const result = await loadIntoBigQuery(bigQueryClient(t), t, 'city', [{ mmdb }]);
    expect(result).toEqual({ kind: 'city', table: 'p.logflow_ref.ip_city_ranges', ranges: 4, rows: 4 });
    const local = await testWarehouse();
    try {
      await ensureGeoTables(local.connection);
      await loadIntoDuckDB(local.connection, 'city', [{ mmdb }]);
      const reader = await local.connection.runAndReadAll('select * from logflow_ref.ip_city_ranges order by bucket, start_key');
      expect(uploads.at(-1)!.rows).toEqual(reader.getRowObjectsJson());
      expect(uploads.at(-1)!.rows.map((r) => r.city)).toEqual(['London', 'Boxford', 'London', 'München']);
    } finally {
      local.close();
    }
  });

  it('ensureBigQueryTable() creates a missing table empty without replacing one that exists (WRITE_APPEND of no rows)', async () => {
    const t = target();
    await ensureBigQueryTable(bigQueryClient(t), t, 'city');
    const upload = uploads.at(-1)!;
    expect(upload.configuration.load).toMatchObject({
      destinationTable: { tableId: 'ip_city_ranges' },
      writeDisposition: 'WRITE_APPEND',
      createDisposition: 'CREATE_IF_NEEDED',
    });
    expect(upload.rows).toEqual([]);
  });

  it('creates the dataset, uploads the bucketed rows as NDJSON in a WRITE_TRUNCATE load job and waits for it', async () => {
    const csv = join(dir, 'asn.csv');
    writeFileSync(
      csv,
      'start,end,asn,org\n8.8.8.0,8.8.8.255,15169,Google LLC\n8.0.0.0,9.255.255.255,3356,"Level 3, Inc."\n2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,\n',
    );
    const t = target();
    const client = bigQueryClient(t);
    await checkCredentials(client);
    await ensureDataset(client, t);
    const result = await loadIntoBigQuery(client, t, 'asn', [csv]);
    expect(result).toEqual({ kind: 'asn', table: 'p.logflow_ref.ip_asn_ranges', ranges: 3, rows: 4 });
    expect(requests).toContain('POST /bigquery/v2/projects/p/datasets');
    const upload = uploads.at(-1)!;
    expect(upload.configuration.load).toMatchObject({
      destinationTable: { projectId: 'p', datasetId: 'logflow_ref', tableId: 'ip_asn_ranges' },
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      writeDisposition: 'WRITE_TRUNCATE',
      clustering: { fields: ['bucket'] },
      schema: {
        fields: [
          { name: 'bucket', type: 'STRING', mode: 'REQUIRED' },
          { name: 'start_key', type: 'STRING', mode: 'REQUIRED' },
          { name: 'end_key', type: 'STRING', mode: 'REQUIRED' },
          { name: 'asn', type: 'INT64', mode: 'REQUIRED' },
          { name: 'as_org', type: 'STRING', mode: 'NULLABLE' },
        ],
      },
    });
    expect(upload.rows).toEqual([
      { bucket: '4080808', start_key: '08080800', end_key: '080808ff', asn: 15169, as_org: 'Google LLC' },
      { bucket: '408', start_key: '08000000', end_key: '09ffffff', asn: 3356, as_org: 'Level 3, Inc.' },
      { bucket: '409', start_key: '08000000', end_key: '09ffffff', asn: 3356, as_org: 'Level 3, Inc.' },
      {
        bucket: '620014860',
        start_key: '20014860000000000000000000000000',
        end_key: '20014860ffffffffffffffffffffffff',
        asn: 15169,
        as_org: null,
      },
    ]);
    expect(requests.filter((r) => r.startsWith('GET /bigquery/v2/projects/p/jobs/')).length).toBeGreaterThan(0);
  });

  it('reports a failed job in one line naming the table', async () => {
    const csv = join(dir, 'country.csv');
    writeFileSync(csv, '1.0.4.0,1.0.7.255,AU\n');
    const t = target();
    failJobs = true;
    try {
      await expect(loadIntoBigQuery(bigQueryClient(t), t, 'country', [csv])).rejects.toThrow(
        /^loading p\.logflow_ref\.ip_country_ranges failed: Error while reading data$/,
      );
    } finally {
      failJobs = false;
    }
  });

  it('turns a permission error into one actionable line', async () => {
    const csv = join(dir, 'country.csv');
    const t = target();
    rejectUploads = 1;
    await expect(loadIntoBigQuery(bigQueryClient(t), t, 'country', [csv])).rejects.toThrow(
      /permission denied .*BigQuery Data Editor and Job User/,
    );
  });
});

describe('checkCredentials()', () => {
  it.each([
    [
      'Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.',
    ],
    ['invalid_grant: reauth related error (invalid_rapt)'],
    [
      'Unable to read the credential file specified by the GOOGLE_APPLICATION_CREDENTIALS environment variable: The file at /x.json does not exist',
    ],
  ])('says how to authenticate when the auth library fails with %j', async (message) => {
    const client = bigQueryClient({ projectId: 'p', dataset: 'd', location: 'US', apiEndpoint: endpoint });
    Object.defineProperty(client, 'authClient', { value: { getAccessToken: () => Promise.reject(new Error(message)) } });
    const error = await checkCredentials(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogflowError);
    expect((error as Error).message).toMatch(/gcloud auth application-default login/);
    expect((error as Error).message).not.toMatch(/\n/);
  });
});
