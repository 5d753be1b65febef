import {
  BLOB,
  DOUBLE,
  DuckDBBlobValue,
  DuckDBDataChunk,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBListValue,
} from '@duckdb/node-api';
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
 * commits, the caller reads the next one into the other of two staging tables. A batch read in
 * pieces (BatchLimits.pieceLines) is staged piece by piece; its last piece commits it.
 */
export const CHECKPOINT_SCHEMA = 'logflow_ingest';
export const CHECKPOINT_TABLE = 'checkpoints';
/**
 * Two staging tables, used in turn: batch n+1 is appended to one while batch n commits from the
 * other. After its batch commits a staging table is replaced by an empty one: DuckDB does not give
 * back the storage of deleted rows of a temporary table, so `delete from` let it grow by a batch
 * each time, up to the memory limit (measured: 170 MB of DuckDB's 256 MB at 1M lines, then spilled).
 */
const STAGES = ['logflow_ingest_stage_0', 'logflow_ingest_stage_1'] as const;
/**
 * No column of a staging row is NULL: a NULL set row by row costs the appender's JavaScript
 * wrapper a BigInt validity update per row (0.4 s of main-thread CPU per 1M lines, profiled).
 * `original_length` is 0 for a line landed whole (a truncated line is over 9 MiB); `format` is 0
 * for a line in its batch's format, else the 1-based index of its own in the stage's `formats`.
 */
const STAGE_COLUMNS = 'data blob, line_number double, byte_offset double, original_length double, format double';
const STAGE_TYPES = [BLOB, DOUBLE, DOUBLE, DOUBLE, DOUBLE];
/**
 * DuckDB's memory limit for an ingest that opens its own warehouse (LOGFLOW_MEMORY_LIMIT overrides
 * it). While a batch commits, DuckDB holds its staging table (about 35 MB per 122,880 lines), the
 * landing row group being built (about 70 MB) and the next batch's first pieces. At 64MB it
 * writes some of them to the spill folder instead of holding them: measured on a busy machine
 * (load 23-26, so noisy), 500k lines 552 -> 403 MB peak RSS, 1M lines 481 MB against 501-558 MB
 * at 128MB, CPU within noise (7.52 vs 7.96 s at 500k). With whole batches (before pieces) 64MB
 * gave 571 vs 663 MB.
 */
export const INGEST_MEMORY_LIMIT = '64MB';
/**
 * `allocator_background_threads`: DuckDB's allocator (jemalloc) keeps the pages DuckDB frees for
 * seconds before giving them back, and without its background threads it gives them back only
 * while allocating. Every batch frees its staging table and the row group it wrote, so that
 * memory piled up: 10M lines, busy machine, 629 MB peak RSS without them, 456 MB with them (one
 * run each); one insert of a batch alone (tmp harness) went back to its starting RSS within 3 s
 * with them and never without. This switch is the process's, so only an ingest that opened its
 * own warehouse sets it (the `logflow ingest` process).
 */
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

/** What a commit needs of its batch. */
type BatchHead = Pick<LineBatch, 'source' | 'format' | 'checkpoint'>;

interface Stage {
  name: string;
  appender: DuckDBAppender;
  /** Rows appended for the open batch, and how many of them the appender still buffers. */
  rows: number;
  buffered: number;
  /**
   * The batch-wide `format` of the open batch's rows (its first piece's): a later piece labelled
   * otherwise writes its format into each of its rows.
   */
  format: string | undefined;
  /** Formats of the open batch's rows labelled otherwise, by their `format` code - 1. */
  formats: string[];
}

export class LocalSink implements Sink {
  readonly counts = { delivered: 0, retried: 0, failed: 0, truncated: 0 };
  private inflight: Promise<void> = Promise.resolve();
  /** No commit is running (`inflight` has settled). */
  private committed = true;
  private failure: unknown = null;
  private lastMicros = 0n;
  private readonly sourceIndex = new Map<string, number>();
  /** JSON string literals of the attribute values that are the same for a whole batch, by value. */
  private readonly jsonLiterals = new Map<string, string>();
  /** The staging table the next batch is appended to. */
  private turn = 0;
  /** One appender data chunk (DuckDB's vector size, 2,048 rows), reused. */
  private readonly chunk = DuckDBDataChunk.create(STAGE_TYPES);

  private constructor(
    private readonly warehouse: Warehouse,
    private readonly stages: Stage[],
    private readonly options: LocalSinkOptions,
    private readonly owned: boolean,
  ) {}

  static async open(options: LocalSinkOptions): Promise<LocalSink> {
    const owned = typeof options.warehouse === 'string';
    const warehouse = typeof options.warehouse === 'string' ? await openWarehouse(options.warehouse) : options.warehouse;
    try {
      const c = warehouse.connection;
      // bounded footprint for long runs (follow mode). A borrowed warehouse keeps its owner's settings.
      if (owned) {
        await applyResourceLimits(warehouse, resourceLimits(warehouse.path, {}, process.env, INGEST_MEMORY_LIMIT));
        await c.run(`set allocator_background_threads = true`);
      }
      await ensureLanding(c);
      await c.run(`create schema if not exists ${ident(CHECKPOINT_SCHEMA)}`);
      await c.run(`create table if not exists ${ident(CHECKPOINT_SCHEMA)}.${ident(CHECKPOINT_TABLE)} (${CHECKPOINT_COLUMNS})`);
      const stages: Stage[] = [];
      for (const name of STAGES)
        stages.push({ name, appender: await createStage(c, name), rows: 0, buffered: 0, format: undefined, formats: [] });
      const sink = new LocalSink(warehouse, stages, options, owned);
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
    const stage = this.stages[this.turn]!;
    try {
      // Rows are appended while the previous batch commits (from the other staging table): the
      // appender only buffers them (its own memory, not the connection's) until flushSync, which
      // waits for that commit. The appender flushes by itself at APPENDER_AUTO_FLUSH_ROWS, which
      // would use the connection mid-commit, so rows that would reach it wait for the commit first.
      if (stage.buffered + batch.lines.length >= APPENDER_AUTO_FLUSH_ROWS) await this.inflight;
      if (this.failure) throw this.failure;
      if (stage.rows === 0) stage.format = batch.format;
      const rows = this.append(stage, batch, batch.format === stage.format ? undefined : batch.format);
      stage.rows += rows;
      stage.buffered += rows;
      // A piece of a batch goes into the staging table as soon as no commit runs, so that neither
      // the reader nor the appender holds a whole batch; the batch's last piece waits for it.
      if (!batch.partial || this.committed) {
        await this.inflight;
        if (this.failure) throw this.failure;
        stage.appender.flushSync();
        stage.buffered = 0;
      }
    } catch (error) {
      throw warehouseError(this.warehouse.path, error, 'write');
    }
    if (batch.partial) return;
    const rows = stage.rows;
    this.turn = (this.turn + 1) % this.stages.length;
    // the commit keeps what it needs of the batch, not its lines (they hold the file's read chunks)
    const { source, checkpoint } = batch;
    const format = stage.format;
    this.committed = false;
    this.inflight = this.commit({ source, format, checkpoint }, rows, stage, stage.formats)
      .catch((error: unknown) => {
        const translated = warehouseError(this.warehouse.path, error, 'write');
        this.failure = /damaged|permission denied/.test(translated.message)
          ? translated
          : new LogflowError(`${translated.message}; nothing after the last committed batch was recorded, run again to resume`);
      })
      .finally(() => {
        this.committed = true;
      });
  }

  /**
   * Appends the batch's lines to the appender's buffer, a data chunk of 2,048 rows at a time
   * (one call per row and column cost more than the rest of the sink's work); returns how many. A
   * line over the message limit is appended as its prefix with its original length (as the Pub/Sub
   * sink publishes it), and reported.
   */
  private append(stage: Stage, batch: LineBatch, ownFormat: string | undefined): number {
    const limit = MAX_MESSAGE_BYTES - attributeOverhead(batch.source, this.options.context);
    const chunk = this.chunk;
    const total = batch.lines.length;
    for (let from = 0; from < total; from += CHUNK_ROWS) {
      const size = Math.min(CHUNK_ROWS, total - from);
      chunk.reset();
      chunk.rowCount = size;
      const [data, lineNumber, byteOffset, originalLength, format] = STAGE_TYPES.map((_, c) => chunk.getColumnVector(c));
      for (let r = 0; r < size; r++) {
        const i = from + r;
        const bytes = batch.lines[i]!;
        const length = batch.lengths[i]!;
        const truncated = mustTruncate(bytes, length, limit);
        if (truncated) {
          this.counts.truncated += 1;
          this.options.report(truncatedMessage(batch.source, batch.firstLine + i, batch.offsets[i]!, length));
        }
        data!.setItem(r, new DuckDBBlobValue(truncated ? bytes.subarray(0, TRUNCATED_PREFIX_BYTES) : bytes));
        lineNumber!.setItem(r, batch.firstLine + i);
        byteOffset!.setItem(r, batch.offsets[i]!);
        originalLength!.setItem(r, truncated ? length : 0);
        const own = batch.formats?.[i] ?? ownFormat;
        format!.setItem(r, own === undefined ? 0 : formatCode(stage.formats, own));
      }
      for (const vector of [data, lineNumber, byteOffset, originalLength, format]) vector!.flush();
      stage.appender.appendDataChunk(chunk);
    }
    return total;
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
      for (const stage of this.stages) stage.appender.closeSync();
    } catch (error) {
      failure ??= warehouseError(this.warehouse.path, error, 'write');
    } finally {
      if (this.owned) this.warehouse.close();
    }
    if (failure !== undefined) throw failure;
  }

  private async commit(batch: BatchHead, rows: number, stage: Stage, formats: string[]): Promise<void> {
    const c = this.warehouse.connection;
    const micros = this.nextMicros();
    const params = rows > 0 ? await this.params(batch, micros, formats) : null;
    await c.run('begin transaction');
    try {
      if (params) await c.run(insertSql(stage.name), params, { formats: LIST(VARCHAR) });
      if (batch.checkpoint) await saveCheckpoint(c, batch.checkpoint);
      await c.run('commit');
    } catch (error) {
      await c.run('rollback').catch(() => undefined);
      throw error;
    }
    this.counts.delivered += rows;
    // an empty staging table for the batch after next (see STAGES)
    stage.appender.closeSync();
    stage.appender = await createStage(c, stage.name);
    stage.rows = 0;
    stage.format = undefined;
    stage.formats = [];
  }

  private async params(batch: BatchHead, micros: bigint, formats: string[]): Promise<Record<string, string | DuckDBListValue>> {
    let index = this.sourceIndex.get(batch.source.sourceId);
    if (index === undefined) {
      index = this.sourceIndex.size;
      this.sourceIndex.set(batch.source.sourceId, index);
    }
    return {
      subscription: LOCAL_SUBSCRIPTION,
      prefix: `${this.options.runId}-${index}-`,
      publish_time: microsToIso(micros),
      source: await this.jsonLiteral(sourceAttribute(batch.source.name)),
      source_id: await this.jsonLiteral(batch.source.sourceId),
      format: await this.jsonLiteral(batch.format ?? this.options.context.format),
      ingest_host: await this.jsonLiteral(this.options.context.ingestHost),
      formats: listValue(await Promise.all(formats.map((f) => this.jsonLiteral(f)))),
    };
  }

  /**
   * A value as a JSON string literal, escaped by DuckDB's own JSON writer (so that the attributes
   * are the text json_object() writes, byte for byte); computed once per distinct value.
   */
  private async jsonLiteral(value: string): Promise<string> {
    let literal = this.jsonLiterals.get(value);
    if (literal === undefined) {
      const reader = await this.warehouse.connection.runAndReadAll('select to_json($v::varchar)::varchar as j', { v: value });
      literal = String(reader.getRowObjectsJS()[0]?.j);
      this.jsonLiterals.set(value, literal);
    }
    return literal;
  }

  /** publish_time strictly increases from batch to batch, and stays after every earlier row. */
  private nextMicros(): bigint {
    const now = BigInt(Date.now()) * 1000n;
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1n;
    return this.lastMicros;
  }
}

/** Rows of one appender data chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

/** A line's own format as its staging `format` code (see STAGE_COLUMNS), adding it to `formats` on first sight. */
function formatCode(formats: string[], format: string): number {
  const index = formats.indexOf(format);
  if (index !== -1) return index + 1;
  formats.push(format);
  return formats.length;
}

async function createStage(c: DuckDBConnection, name: string): Promise<DuckDBAppender> {
  await c.run(`create or replace temp table ${name} (${STAGE_COLUMNS})`);
  return c.createAppender(name, 'main', 'temp');
}

/**
 * The landing insert from a staging table. The attributes are written as JSON text with concat()
 * and cast to JSON (which checks it): the same text json_object() writes, key for key in
 * lineAttributes() order, at about half its cost. The batch-wide values ($source, $source_id,
 * $format, $ingest_host) come as JSON string literals (jsonLiteral()); numbers are digits; a
 * line's own format is one of the literals in $formats (STAGE_COLUMNS).
 */
function insertSql(stage: string): string {
  const k = ATTRIBUTE_KEYS;
  const key = (name: string, first = false) => literal(`${first ? '{' : ','}${JSON.stringify(name)}:`);
  const offset = 'byte_offset::bigint::varchar';
  const attributes = [
    key(k.source, true),
    '$source',
    key(k.sourceId),
    '$source_id',
    key(k.lineNumber),
    `'"'`,
    'line_number::bigint::varchar',
    `'"'`,
    key(k.byteOffset),
    `'"'`,
    offset,
    `'"'`,
    key(k.format),
    'case when format = 0 then $format else $formats[format::bigint] end',
    key(k.ingestHost),
    '$ingest_host',
    key(k.idempotencyKey),
    // the key is source_id + '@' + offset: the source_id literal without its closing quote
    `left($source_id, -1)`,
    `'@'`,
    offset,
    `'"'`,
    // a truncated line also carries its original length, as the last key (as lineAttributes() does)
    `case when original_length = 0 then '' else concat(${key(k.originalLength)}, '"', original_length::bigint::varchar, '"') end`,
    `'}'`,
  ].join(', ');
  return `insert into ${ident(LANDING_DATASET)}.${ident(LANDING_TABLE)} (subscription_name, message_id, publish_time, data, attributes)
    select $subscription, $prefix || line_number::bigint::varchar, $publish_time::timestamptz, data, concat(${attributes})::json
    from ${stage}`;
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
