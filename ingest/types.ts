/** Where lines come from: what the attributes say about it, and whether it can be resumed. */
export interface SourceRef {
  /** `source` attribute: the file path as given, `stdin`, `generator`, or a caller's name. */
  name: string;
  /** `source_id` attribute: the identity the idempotency key and the checkpoint hang on. */
  sourceId: string;
  /** Files can be resumed from a checkpoint; stdin and generators cannot. */
  resumable: boolean;
}

/** How far a resumable source has been durably delivered, and how to recognise it again. */
export interface Checkpoint {
  sourceId: string;
  /** Last path the source was read from (informative; identity does not depend on it). */
  path: string;
  /** Offset just past the last delivered line (its terminator included). */
  offset: number;
  /** Number of lines delivered (the next line number is `line + 1`). */
  line: number;
  /** Length and sha256 of the head the identity was taken from. */
  fpLen: number;
  fpHash: string;
  /** Offset, length and sha256 of the last delivered line: checked before resuming. */
  tailOffset: number;
  tailLen: number;
  tailHash: string;
  /** device and inode of the file last read under this identity. */
  dev: number;
  ino: number;
}

/**
 * Consecutive lines of one source. `lines[i]` is the raw line (no terminator) at `offsets[i]`,
 * with line number `firstLine + i` and length `lengths[i]`; a line too long to hold is only its
 * prefix (`lines[i].length < lengths[i]`). `checkpoint` is the position after the batch (null
 * for sources that cannot resume).
 */
export interface LineBatch {
  source: SourceRef;
  lines: Buffer[];
  offsets: number[];
  lengths: number[];
  firstLine: number;
  bytes: number;
  checkpoint: Checkpoint | null;
  /** `format` attribute of every line (set by format detection, ingest/detect.ts); else the run's. */
  format?: string;
  /** `format` attribute per line, when the lines do not share one (a source mixing formats). */
  formats?: string[];
  /**
   * A piece of a batch still being read (BatchLimits.pieceLines): more lines of it follow, and
   * the batch's last piece (not partial, possibly with no lines) carries its checkpoint.
   */
  partial?: boolean;
}

/** Counters a run reports. */
export interface IngestCounts {
  /** Lines read from the sources (including failed ones). */
  read: number;
  /** Lines the sink durably accepted (local commit, or Pub/Sub acknowledgement). */
  delivered: number;
  /** Line deliveries that were attempted again after a retryable error. */
  retried: number;
  /** Lines that could not be delivered, each reported on stderr. */
  failed: number;
  /** Lines over the message limit delivered as a prefix with `original_length` (each reported). */
  truncated: number;
  /** Bytes of line data read. */
  bytes: number;
}

export function emptyCounts(): IngestCounts {
  return { read: 0, delivered: 0, retried: 0, failed: 0, truncated: 0, bytes: 0 };
}

/** Where per-line problems and notices go (stderr in the CLI). */
export type Reporter = (message: string) => void;
