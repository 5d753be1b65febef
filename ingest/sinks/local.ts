import { DOUBLE, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { ATTRIBUTE_KEYS, LANDING_DATASET, LANDING_TABLE, LOCAL_SUBSCRIPTION, ensureLanding } from '../../pipeline/landing.ts';
import { openWarehouse, ident, literal, warehouseError, type Warehouse } from '../../warehouse/duckdb.ts';
import { LogflowError } from '../../core/errors.ts';
import { applyResourceLimits, resourceLimits } from '../../warehouse/resources.ts';
import {
  MAX_MESSAGE_BYTES,
  TRUNCATED_PREFIX_BYTES,
  attributeOverhead,
  mustTruncate,
  sourceAttribute,
  truncatedMessage,
  type AttributeContext,
} from '../attributes.ts';
import type { Checkpoint, LineBatch, Reporter } from '../types.ts';
import type { Sink } from './sink.ts';

/**
 * The local sink: landing rows in the DuckDB warehouse, as the Pub/Sub BigQuery subscription
 * would write them. Lines go through the DuckDB appender into a temporary staging table; one
 * transaction per batch then inserts them into logflow_raw.landing (attributes JSON and the
 * idempotency key computed by DuckDB, key for key what lineAttributes() builds) and records the
 * batch's checkpoint in logflow_ingest.checkpoints. Rows and checkpoint commit together, so a
 * restart after any crash resumes exactly after the last committed batch. While one batch
 * commits, the caller reads the next one.
 */
export const CHECKPOINT_SCHEMA = 'logflow_ingest';
export const CHECKPOINT_TABLE = 'checkpoints';
const STAGE = 'logflow_ingest_stage';
/**
 * DuckDB's memory limit for an ingest that opens its own warehouse (LOGFLOW_MEMORY_LIMIT overrides
 * it). The sink holds a batch or two (one row group each) at a time, so DuckDB needs little.
 */
export const INGEST_MEMORY_LIMIT = '256MB';
/** DuckDB's appender writes its buffer to the table by itself every 100 vectors (checked: 204,800 rows). */
const APPENDER_AUTO_FLUSH_ROWS = 100 * 2048;

const CHECKPOINT_COLUMNS =
  'source_id varchar primary key, path varchar, "offset" bigint, line bigint, fp_len bigint, fp_hash varchar, tail_offset bigint, tail_len bigint, tail_hash varchar, dev double, ino double, updated_at timestamptz';

export interface LocalSinkOptions {
  /** An open warehouse (left open by close()), or the path of one to open and close. */
  warehouse: string | Warehouse;
  context: AttributeContext;
  runId: string;
  report: Reporter;
}

export class LocalSink implements Sink {
  readonly counts = { delivered: 0, retried: 0, failed: 0, truncated: 0 };
  private inflight: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private lastMicros = 0n;
  private readonly sourceIndex = new Map<string, number>();

  private constructor(
    private readonly warehouse: Warehouse,
    private readonly appender: DuckDBAppender,
    private readonly options: LocalSinkOptions,
    private readonly owned: boolean,
  ) {}

  static async open(options: LocalSinkOptions): Promise<LocalSink> {
    const owned = typeof options.warehouse === 'string';
    const warehouse = typeof options.warehouse === 'string' ? await openWarehouse(options.warehouse) : options.warehouse;
    try {
      const c = warehouse.connection;
      // bounded footprint for long runs (follow mode): RSS levels off near 1 GB, 1M lines or 3M.
      // A borrowed warehouse keeps its owner's settings.
      if (owned) await applyResourceLimits(warehouse, resourceLimits(warehouse.path, {}, process.env, INGEST_MEMORY_LIMIT));
      await ensureLanding(c);
      await c.run(`create schema if not exists ${ident(CHECKPOINT_SCHEMA)}`);
      await c.run(`create table if not exists ${ident(CHECKPOINT_SCHEMA)}.${ident(CHECKPOINT_TABLE)} (${CHECKPOINT_COLUMNS})`);
      await c.run(
        `create or replace temp table ${STAGE} (data blob, line_number double, byte_offset double, original_length double, format varchar)`,
      );
      const appender = await c.createAppender(STAGE, 'main', 'temp');
      const sink = new LocalSink(warehouse, appender, options, owned);
      sink.lastMicros = await maxPublishMicros(c);
      return sink;
    } catch (error) {
      if (owned) {
        try {
          warehouse.close();
        } catch {
          // the first error says more
        }
      }
      throw warehouseError(warehouse.path, error, 'write');
    }
  }

  async loadCheckpoints(): Promise<Checkpoint[]> {
    const reader = await this.warehouse.connection
      .runAndReadAll(
        `select source_id, path, "offset", line, fp_len, fp_hash, tail_offset, tail_len, tail_hash, dev, ino from ${ident(CHECKPOINT_SCHEMA)}.${ident(CHECKPOINT_TABLE)} order by updated_at`,
      )
      .catch((error: unknown) => {
        throw warehouseError(this.warehouse.path, error, 'read');
      });
    return reader.getRowObjectsJS().map((r) => ({
      sourceId: String(r.source_id),
      path: String(r.path),
      offset: Number(r.offset),
      line: Number(r.line),
      fpLen: Number(r.fp_len),
      fpHash: String(r.fp_hash),
      tailOffset: Number(r.tail_offset),
      tailLen: Number(r.tail_len),
      tailHash: String(r.tail_hash),
      dev: Number(r.dev),
      ino: Number(r.ino),
    }));
  }

  async write(batch: LineBatch): Promise<void> {
    if (this.failure) throw this.failure;
    let rows: number;
    try {
      // Rows are appended while the previous batch commits: the appender only buffers them (its
      // own memory, not the connection's) until flushSync, which waits for that commit. The
      // appender flushes by itself at APPENDER_AUTO_FLUSH_ROWS; a batch that large could land
      // rows in the staging table mid-commit, so it waits for the commit first.
      if (batch.lines.length >= APPENDER_AUTO_FLUSH_ROWS) await this.inflight;
      if (this.failure) throw this.failure;
      rows = this.append(batch);
      await this.inflight;
      if (this.failure) throw this.failure;
      this.appender.flushSync();
    } catch (error) {
      throw warehouseError(this.warehouse.path, error, 'write');
    }
    this.inflight = this.commit(batch, rows).catch((error: unknown) => {
      const translated = warehouseError(this.warehouse.path, error, 'write');
      this.failure = /damaged|permission denied/.test(translated.message)
        ? translated
        : new LogflowError(`${translated.message}; nothing after the last committed batch was recorded, run again to resume`);
    });
  }

  /**
   * Appends the batch's lines to the appender's buffer; returns how many. A line over the
   * message limit is appended as its prefix with its original length (as the Pub/Sub sink
   * publishes it), and reported.
   */
  private append(batch: LineBatch): number {
    const limit = MAX_MESSAGE_BYTES - attributeOverhead(batch.source, this.options.context);
    const a = this.appender;
    let rows = 0;
    for (let i = 0; i < batch.lines.length; i++) {
      const bytes = batch.lines[i]!;
      const length = batch.lengths[i]!;
      if (mustTruncate(bytes, length, limit)) {
        this.counts.truncated += 1;
        this.options.report(truncatedMessage(batch.source, batch.firstLine + i, batch.offsets[i]!, length));
        a.appendBlob(bytes.subarray(0, TRUNCATED_PREFIX_BYTES));
      } else {
        a.appendBlob(bytes);
      }
      a.appendDouble(batch.firstLine + i);
      a.appendDouble(batch.offsets[i]!);
      if (mustTruncate(bytes, length, limit)) a.appendDouble(length);
      else a.appendNull();
      const format = batch.formats?.[i];
      if (format === undefined) a.appendNull();
      else a.appendVarchar(format);
      a.endRow();
      rows += 1;
    }
    return rows;
  }

  async flush(): Promise<void> {
    await this.inflight;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    // The first failure is the one reported; the appender and an owned warehouse are closed regardless.
    let failure: unknown;
    try {
      await this.flush();
    } catch (error) {
      failure = error;
    }
    try {
      this.appender.closeSync();
    } catch (error) {
      failure ??= warehouseError(this.warehouse.path, error, 'write');
    } finally {
      if (this.owned) this.warehouse.close();
    }
    if (failure !== undefined) throw failure;
  }

  private async commit(batch: LineBatch, rows: number): Promise<void> {
    const c = this.warehouse.connection;
    const micros = this.nextMicros();
    await c.run('begin transaction');
    try {
      if (rows > 0) await c.run(insertSql(), this.params(batch, micros));
      await c.run(`delete from ${STAGE}`);
      if (batch.checkpoint) await saveCheckpoint(c, batch.checkpoint);
      await c.run('commit');
    } catch (error) {
      await c.run('rollback').catch(() => undefined);
      throw error;
    }
    this.counts.delivered += rows;
  }

  private params(batch: LineBatch, micros: bigint): Record<string, string> {
    let index = this.sourceIndex.get(batch.source.sourceId);
    if (index === undefined) {
      index = this.sourceIndex.size;
      this.sourceIndex.set(batch.source.sourceId, index);
    }
    return {
      subscription: LOCAL_SUBSCRIPTION,
      prefix: `${this.options.runId}-${index}-`,
      publish_time: microsToIso(micros),
      source: sourceAttribute(batch.source.name),
      source_id: batch.source.sourceId,
      format: batch.format ?? this.options.context.format,
      ingest_host: this.options.context.ingestHost,
    };
  }

  /** publish_time strictly increases from batch to batch, and stays after every earlier row. */
  private nextMicros(): bigint {
    const now = BigInt(Date.now()) * 1000n;
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1n;
    return this.lastMicros;
  }
}

function insertSql(): string {
  const k = ATTRIBUTE_KEYS;
  const attributes = [
    `${literal(k.source)}, $source`,
    `${literal(k.sourceId)}, $source_id`,
    `${literal(k.lineNumber)}, line_number::bigint::varchar`,
    `${literal(k.byteOffset)}, byte_offset::bigint::varchar`,
    `${literal(k.format)}, coalesce(format, $format)`,
    `${literal(k.ingestHost)}, $ingest_host`,
    `${literal(k.idempotencyKey)}, $source_id || '@' || byte_offset::bigint::varchar`,
  ].join(', ');
  // a truncated line also carries its original length, as the last key (as lineAttributes() does)
  const truncated = `${attributes}, ${literal(k.originalLength)}, original_length::bigint::varchar`;
  return `insert into ${ident(LANDING_DATASET)}.${ident(LANDING_TABLE)} (subscription_name, message_id, publish_time, data, attributes)
    select $subscription, $prefix || line_number::bigint::varchar, $publish_time::timestamptz, data,
      case when original_length is null then json_object(${attributes}) else json_object(${truncated}) end
    from ${STAGE}`;
}

async function saveCheckpoint(c: DuckDBConnection, cp: Checkpoint): Promise<void> {
  await c.run(
    `insert or replace into ${ident(CHECKPOINT_SCHEMA)}.${ident(CHECKPOINT_TABLE)} values ($source_id, $path, $offset, $line, $fp_len, $fp_hash, $tail_offset, $tail_len, $tail_hash, $dev, $ino, now())`,
    {
      source_id: cp.sourceId,
      path: cp.path,
      offset: cp.offset,
      line: cp.line,
      fp_len: cp.fpLen,
      fp_hash: cp.fpHash,
      tail_offset: cp.tailOffset,
      tail_len: cp.tailLen,
      tail_hash: cp.tailHash,
      dev: cp.dev,
      ino: cp.ino,
    },
    { offset: DOUBLE, line: DOUBLE, fp_len: DOUBLE, tail_offset: DOUBLE, tail_len: DOUBLE, dev: DOUBLE, ino: DOUBLE },
  );
}

async function maxPublishMicros(c: DuckDBConnection): Promise<bigint> {
  const reader = await c.runAndReadAll(
    `select coalesce(epoch_us(max(publish_time)), 0) as m from ${ident(LANDING_DATASET)}.${ident(LANDING_TABLE)}`,
  );
  const value = reader.getRowObjectsJS()[0]?.m;
  return typeof value === 'bigint' ? value : BigInt(Number(value ?? 0));
}

/** '2026-11-28 12:00:00.123456+00' from microseconds since the epoch. */
export function microsToIso(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const frac = String(micros % 1_000_000n).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}.${frac}+00`;
}
