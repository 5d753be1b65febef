import { LineSplitter } from './lines.ts';
import { sha256 } from './identity.ts';
import { MAX_MESSAGE_BYTES, TRUNCATED_PREFIX_BYTES } from './attributes.ts';
import type { Checkpoint, LineBatch, SourceRef } from './types.ts';

export interface BatchLimits {
  /** Lines per batch (one local transaction, or one unit of checkpointing for Pub/Sub). */
  maxLines: number;
  /** Bytes of line data per batch. */
  maxBytes: number;
  /**
   * Lines per piece: a batch is handed over in pieces of this many lines as it is read, each
   * marked `partial` but the last, which closes the batch and carries its checkpoint (the local
   * sink appends each piece inside the batch's transaction, so neither the reader nor DuckDB holds
   * a whole batch twice). Unset: whole batches.
   */
  pieceLines?: number;
}

/**
 * Local sink: one DuckDB row group (122,880 rows) per transaction. DuckDB writes a transaction of
 * whole row groups straight to the database file, compressed; smaller batches go through the
 * write-ahead log and are compressed again at every automatic checkpoint (measured 2-3x slower).
 * The batch reaches the sink in pieces of 16,384 lines (8 DuckDB vectors), each appended to the
 * staging table as it is read: holding whole batches in JavaScript and in the appender's buffer
 * cost about 150 MB of peak RSS (1M lines: 654 MB vs 444 MB, the same CPU).
 */
export const LOCAL_BATCH: BatchLimits = { maxLines: 122_880, maxBytes: 64 * 1024 * 1024, pieceLines: 16_384 };
/** Pub/Sub sink: the unit a checkpoint advances by (its lines stay in memory until acknowledged). */
export const PUBSUB_BATCH: BatchLimits = { maxLines: 10_000, maxBytes: 16 * 1024 * 1024 };
export const DEFAULT_BATCH = LOCAL_BATCH;

/** What a checkpoint says about a file besides the position (null for non-resumable sources). */
export interface CheckpointBase {
  path: string;
  fpLen: number;
  fpHash: string;
  dev: number;
  ino: number;
}

/**
 * Turns a byte stream of one source into LineBatches: a LineSplitter plus batch cutting and
 * the checkpoint after each batch. Pure apart from hashing the last line of each batch.
 */
export class Batcher {
  private readonly splitter: LineSplitter;
  private lines: Buffer[] = [];
  private offsets: number[] = [];
  private lengths: number[] = [];
  private bytes = 0;
  /** Lines of the open batch already handed over as pieces. */
  private pieced = 0;
  private piecedBytes = 0;
  /** The last line handed over in a piece: the checkpoint's tail if the batch closes with no more lines. */
  private pieceTail: { offset: number; bytes: Buffer } | null = null;
  private firstLine: number;
  private nextLine: number;
  private endOffset: number;
  private readonly ready: LineBatch[] = [];
  private readonly emit = (bytes: Buffer, offset: number, length: number, next: number): void => {
    this.lines.push(bytes);
    this.offsets.push(offset);
    this.lengths.push(length);
    this.bytes += length;
    this.nextLine += 1;
    this.endOffset = next;
    if (this.pieced + this.lines.length >= this.limits.maxLines || this.piecedBytes + this.bytes >= this.limits.maxBytes) this.cut();
    else if (this.limits.pieceLines !== undefined && this.lines.length >= this.limits.pieceLines) this.cutPiece();
  };

  constructor(
    readonly source: SourceRef,
    start: { offset: number; line: number },
    public base: CheckpointBase | null,
    private readonly limits: BatchLimits = DEFAULT_BATCH,
  ) {
    this.splitter = new LineSplitter(start.offset, MAX_MESSAGE_BYTES, TRUNCATED_PREFIX_BYTES);
    this.firstLine = start.line + 1;
    this.nextLine = start.line + 1;
    this.endOffset = start.offset;
  }

  /** Offset just past the last complete line seen. */
  get consumed(): number {
    return this.splitter.consumed;
  }

  /** Bytes of an unterminated last line held back. */
  get pending(): number {
    return this.splitter.pending;
  }

  /** Feeds bytes; returns the batches that filled up. */
  push(chunk: Buffer): LineBatch[] {
    this.splitter.push(chunk, this.emit);
    return this.drainReady();
  }

  /** Ends the stream: the unterminated tail becomes a line; returns the remaining batches. */
  end(): LineBatch[] {
    this.splitter.end(this.emit);
    this.cut();
    return this.drainReady();
  }

  /** Cuts the lines seen so far into a batch now (e.g. when a follower goes idle). */
  flush(): LineBatch[] {
    this.cut();
    return this.drainReady();
  }

  private drainReady(): LineBatch[] {
    return this.ready.splice(0, this.ready.length);
  }

  /** Hands the lines read so far over as a piece of the open batch. */
  private cutPiece(): void {
    const last = this.lines.length - 1;
    this.pieceTail = { offset: this.offsets[last]!, bytes: this.lines[last]! };
    this.pieced += this.lines.length;
    this.piecedBytes += this.bytes;
    this.take({ checkpoint: null, partial: true });
  }

  /** Queues the lines read so far, with `close` (a piece's mark, or the batch's checkpoint), and starts anew. */
  private take(close: Pick<LineBatch, 'checkpoint' | 'partial'>): void {
    this.ready.push({
      source: this.source,
      lines: this.lines,
      offsets: this.offsets,
      lengths: this.lengths,
      firstLine: this.firstLine,
      bytes: this.bytes,
      ...close,
    });
    this.lines = [];
    this.offsets = [];
    this.lengths = [];
    this.bytes = 0;
    this.firstLine = this.nextLine;
  }

  private cut(): void {
    // a batch whose lines all went in pieces still closes, with no lines and its checkpoint
    if (this.lines.length === 0 && this.pieced === 0) return;
    this.take({ checkpoint: this.checkpoint() });
    this.pieced = 0;
    this.piecedBytes = 0;
    this.pieceTail = null;
  }

  private checkpoint(): Checkpoint | null {
    if (!this.base) return null;
    const last = this.lines.length - 1;
    // a truncated line's prefix: still its bytes at its offset
    const tail = this.lines[last] ?? this.pieceTail?.bytes ?? Buffer.alloc(0);
    return {
      ...this.base,
      sourceId: this.source.sourceId,
      offset: this.endOffset,
      line: this.nextLine - 1,
      tailOffset: this.offsets[last] ?? this.pieceTail?.offset ?? this.endOffset,
      tailLen: tail.length,
      tailHash: sha256(tail),
    };
  }
}
