import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBAppender } from '@duckdb/node-api';
import { LogflowError } from '../core/errors.ts';
import { expandInputs } from '../ingest/files.ts';
import type { BatchLimits } from '../ingest/batches.ts';
import type { AttributeContext } from '../ingest/attributes.ts';
import { ensureLanding, LANDING_DATASET, LANDING_TABLE } from '../pipeline/landing.ts';
import { ident, openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';
import { checkCredentials, connect, type Clients, type Connection } from './clients.ts';
import { cloudError, isNotFound } from './errors.ts';
import { localSource, objectSource, readChunks, type Chunk, type ContentSource } from './load-source.ts';

/**
 * `logflow load`: backfill files into the landing table, chunk by chunk. Each chunk is one
 * atomic unit: a BigQuery load job with a deterministic job id (re-running finds the job and skips
 * it), or one DuckDB transaction that also records the chunk in logflow_ingest.loaded_chunks. So
 * an interrupted or failed load is re-run safely, and whatever is landed twice anyway (another
 * chunk size, a load plus a stream) carries the same idempotency keys and collapses downstream.
 */
export const LOAD_SUBSCRIPTION = 'logflow-load';
/** 100k lines (~20-40 MB of NDJSON) per chunk: bounded memory; BigQuery allows 1,500 load jobs per table per day, so a backfill over 150M lines a day needs a larger --chunk-lines. */
export const DEFAULT_CHUNK: BatchLimits = { maxLines: 100_000, maxBytes: 64 * 1024 * 1024 };
const LEDGER = 'loaded_chunks';
const LEDGER_SCHEMA = 'logflow_ingest';

export interface LoadOptions {
  inputs: string[];
  target: 'bigquery' | 'local';
  format?: string;
  ingestHost?: string;
  chunk?: Partial<BatchLimits>;
  /** local target */
  warehouse?: string;
  /** bigquery target */
  project?: string;
  location?: string;
  connection?: Omit<Connection, 'projectId'>;
  /** Progress lines (stderr in the CLI). */
  progress: (line: string) => void;
  signal?: AbortSignal;
}

export interface LoadSummary {
  sources: number;
  chunks: number;
  loaded: number;
  skipped: number;
  rows: number;
  /** Lines over the message limit, landed truncated (parse errors 'line too long'). */
  truncatedLines: number;
  interrupted: boolean;
}

interface Target {
  destination: string;
  /** Whether the chunk is already landed (then it is skipped). */
  landed(chunk: Chunk): Promise<boolean>;
  write(chunk: Chunk): Promise<string>;
  open(input: string): Promise<ContentSource>;
  close(): Promise<void>;
}

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  if (options.inputs.length === 0) throw new LogflowError('nothing to load: give files, globs or gs:// URIs', 2);
  const context: AttributeContext = { format: options.format ?? 'combined', ingestHost: options.ingestHost ?? hostname() };
  const limits = { ...DEFAULT_CHUNK, ...options.chunk };
  const target = options.target === 'local' ? await localTarget(options) : await bigqueryTarget(options);
  const summary: LoadSummary = { sources: 0, chunks: 0, loaded: 0, skipped: 0, rows: 0, truncatedLines: 0, interrupted: false };
  const taken = new Set<string>();
  try {
    const local = await expandInputs(
      options.inputs.filter((i) => !i.startsWith('gs://')),
      { follow: false },
    );
    const inputs = options.inputs.flatMap((i) => (i.startsWith('gs://') ? [i] : []));
    for (const input of [...local, ...inputs]) {
      if (options.signal?.aborted) break;
      let source: ContentSource;
      try {
        source = await target.open(input);
      } catch (error) {
        if (error instanceof LogflowError) throw error;
        const e = error as NodeJS.ErrnoException;
        throw new LogflowError(`${input}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message.split('\n')[0]}`);
      }
      summary.sources += 1;
      for await (const chunk of readChunks(source, context, limits, target.destination, taken)) {
        summary.chunks += 1;
        for (const line of chunk.truncated) options.progress(line);
        summary.truncatedLines += chunk.truncated.length;
        const where = `${source.name}: lines ${chunk.firstLine}-${chunk.lastLine}`;
        if (await target.landed(chunk)) {
          summary.skipped += 1;
          options.progress(`${where} already loaded, skipped`);
        } else {
          const how = await target.write(chunk);
          summary.loaded += 1;
          summary.rows += chunk.rows.length;
          options.progress(`${where} loaded (${chunk.rows.length} rows, ${how})`);
        }
        if (options.signal?.aborted) {
          summary.interrupted = true;
          break;
        }
      }
    }
  } finally {
    await target.close();
  }
  if (options.signal?.aborted) summary.interrupted = true;
  return summary;
}

// ---- local target: DuckDB, chunk rows and ledger entry in one transaction

async function localTarget(options: LoadOptions): Promise<Target> {
  if (!options.warehouse) throw new LogflowError('the local target needs a warehouse path', 2);
  const warehouse: Warehouse = await openWarehouse(options.warehouse);
  const c = warehouse.connection;
  let appender: DuckDBAppender;
  try {
    await ensureLanding(c);
    await c.run(`create schema if not exists ${ident(LEDGER_SCHEMA)}`);
    await c.run(
      `create table if not exists ${ident(LEDGER_SCHEMA)}.${ident(LEDGER)} (chunk_id varchar primary key, source varchar, source_id varchar, first_line bigint, last_line bigint, rows bigint, loaded_at timestamptz)`,
    );
    await c.run('create or replace temp table logflow_load_stage (message_id varchar, data blob, attributes varchar)');
    appender = await c.createAppender('logflow_load_stage', 'main', 'temp');
  } catch (error) {
    warehouse.close();
    throw error;
  }
  return {
    destination: 'local',
    open: (input) => localSource(input),
    async landed(chunk) {
      const reader = await c.runAndReadAll(`select 1 from ${ident(LEDGER_SCHEMA)}.${ident(LEDGER)} where chunk_id = $id`, { id: chunk.id });
      return reader.currentRowCount > 0;
    },
    async write(chunk) {
      for (const row of chunk.rows) {
        appender.appendVarchar(row.messageId);
        appender.appendBlob(row.data);
        appender.appendVarchar(JSON.stringify(row.attributes));
        appender.endRow();
      }
      appender.flushSync();
      await c.run('begin transaction');
      try {
        await c.run(
          `insert into ${ident(LANDING_DATASET)}.${ident(LANDING_TABLE)} (subscription_name, message_id, publish_time, data, attributes)
           select $subscription, message_id, now(), data, attributes::json from logflow_load_stage`,
          { subscription: `projects/local/subscriptions/${LOAD_SUBSCRIPTION}` },
        );
        await c.run(`insert into ${ident(LEDGER_SCHEMA)}.${ident(LEDGER)} values ($id, $source, $source_id, $first, $last, $rows, now())`, {
          id: chunk.id,
          source: chunk.source.name,
          source_id: chunk.source.sourceId,
          first: chunk.firstLine,
          last: chunk.lastLine,
          rows: chunk.rows.length,
        });
        await c.run('delete from logflow_load_stage');
        await c.run('commit');
      } catch (error) {
        await c.run('rollback').catch(() => undefined);
        await c.run('delete from logflow_load_stage').catch(() => undefined);
        throw new LogflowError(
          `cannot write to the warehouse ${warehouse.path}: ${(error as Error).message.split('\n')[0]}; nothing of this chunk was recorded, run again to resume`,
        );
      }
      return 'committed';
    },
    async close() {
      try {
        appender.closeSync();
      } finally {
        warehouse.close();
      }
    },
  };
}

// ---- BigQuery target: one load job per chunk, with a deterministic job id

export function loadJobId(chunk: Chunk, attempt: number): string {
  return `logflow_load_${chunk.id}${attempt > 0 ? `_${attempt}` : ''}`;
}

function ndjson(chunk: Chunk, subscription: string, publishTime: string): string {
  let out = '';
  for (const row of chunk.rows) {
    out +=
      JSON.stringify({
        subscription_name: subscription,
        message_id: row.messageId,
        publish_time: publishTime,
        data: row.data.toString('base64'),
        attributes: row.attributes,
      }) + '\n';
  }
  return out;
}

async function bigqueryTarget(options: LoadOptions): Promise<Target> {
  const project = options.project;
  if (!project) throw new LogflowError('--project P is required with --target bigquery', 2);
  const clients: Clients = connect({ projectId: project, ...options.connection });
  const table = clients.bigquery.dataset(LANDING_DATASET).table(LANDING_TABLE);
  const name = `${project}.${LANDING_DATASET}.${LANDING_TABLE}`;
  const dir = mkdtempSync(join(tmpdir(), 'logflow-load-'));
  const fail = (error: unknown, action: string, role: string) =>
    cloudError(error, project, action, role, `dataset ${project}.${LANDING_DATASET}`);
  const close = async () => {
    rmSync(dir, { recursive: true, force: true });
    await clients.close();
  };
  let location: string | undefined;
  try {
    await checkCredentials(clients);
    const [meta] = await table.getMetadata();
    location = options.location ?? (meta as { location?: string }).location;
  } catch (error) {
    await close();
    if (isNotFound(error))
      throw new LogflowError(`the landing table ${name} does not exist; run \`logflow setup --project ${project} --location L\` first`);
    throw fail(error, `reading ${name}`, 'roles/bigquery.metadataViewer');
  }
  const subscription = `projects/${project}/subscriptions/${LOAD_SUBSCRIPTION}`;
  /** Job id found done for a chunk by landed(), or the attempt to start with. */
  const attempts = new Map<string, number>();

  async function jobState(id: string): Promise<'missing' | 'done' | 'failed' | 'running'> {
    try {
      const [meta] = await clients.bigquery.job(id, { location }).getMetadata();
      const status = (meta as { status?: { state?: string; errorResult?: unknown } }).status;
      if (status?.state !== 'DONE') return 'running';
      return status.errorResult ? 'failed' : 'done';
    } catch (error) {
      if (isNotFound(error)) return 'missing';
      throw fail(error, `reading load job ${id}`, 'roles/bigquery.jobUser');
    }
  }

  return {
    destination: name,
    open: async (input) => {
      if (!input.startsWith('gs://')) return localSource(input);
      const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(input);
      if (!match || /[*?[]/.test(input))
        throw new LogflowError(`${input}: give one object per gs:// URI (bucket and object name, no wildcards)`);
      const file = clients.storage.bucket(match[1]!).file(match[2]!);
      try {
        await file.getMetadata();
      } catch (error) {
        throw cloudError(error, project, `reading ${input}`, 'roles/storage.objectViewer', `bucket gs://${match[1]}`);
      }
      return objectSource(input, (range) => file.createReadStream({ validation: false, ...(range ?? {}) }));
    },
    async landed(chunk) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const state = await jobState(loadJobId(chunk, attempt));
        if (state === 'missing') {
          attempts.set(chunk.id, attempt);
          return false;
        }
        if (state === 'done') return true;
        if (state === 'running') {
          await clients.bigquery
            .job(loadJobId(chunk, attempt), { location })
            .promise()
            .catch(() => undefined);
          if ((await jobState(loadJobId(chunk, attempt))) === 'done') return true;
        }
      }
      throw new LogflowError(
        `${chunk.source.name}: lines ${chunk.firstLine}-${chunk.lastLine} failed to load 5 times; see \`bq ls -j --max_results 20 ${project}\``,
      );
    },
    async write(chunk) {
      const id = loadJobId(chunk, attempts.get(chunk.id) ?? 0);
      const path = join(dir, `${chunk.id}.ndjson`);
      const out = createWriteStream(path, 'utf8');
      out.end(ndjson(chunk, subscription, new Date().toISOString()));
      await once(out, 'close');
      try {
        const [job] = await table.createLoadJob(path, {
          jobId: id,
          location,
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          writeDisposition: 'WRITE_APPEND',
          createDisposition: 'CREATE_NEVER',
        } as never);
        await job.promise();
        const [meta] = await job.getMetadata();
        const status = (meta as { status?: { errorResult?: { message?: string } } }).status;
        if (status?.errorResult)
          throw new LogflowError(
            `${chunk.source.name}: lines ${chunk.firstLine}-${chunk.lastLine}: load job ${id} failed: ${status.errorResult.message ?? 'unknown error'}; run the same command again to retry`,
          );
      } catch (error) {
        if (error instanceof LogflowError) throw error;
        const message = (error as Error).message ?? '';
        if (/Error while reading data|errorResult|failed/i.test(message) && !/Access Denied|permission/i.test(message)) {
          throw new LogflowError(
            `${chunk.source.name}: lines ${chunk.firstLine}-${chunk.lastLine}: load job ${id} failed: ${message.split('\n')[0]}; run the same command again to retry`,
          );
        }
        throw fail(
          error,
          `loading ${chunk.source.name} lines ${chunk.firstLine}-${chunk.lastLine} into ${name}`,
          'roles/bigquery.dataEditor on the dataset and roles/bigquery.jobUser on the project',
        );
      } finally {
        rmSync(path, { force: true });
      }
      return `job ${id}`;
    },
    close,
  };
}
