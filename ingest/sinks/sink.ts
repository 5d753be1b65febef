import type { Checkpoint, IngestCounts, LineBatch } from '../types.ts';

/** Where batches go. Implementations: the local DuckDB landing table, and Pub/Sub. */
export interface Sink {
  /** Checkpoints durably recorded by earlier runs. */
  loadCheckpoints(): Promise<Checkpoint[]>;
  /**
   * Accepts a batch. Resolves when the sink can take another one (backpressure); rejects with a
   * LogflowError on a fatal error. A batch's checkpoint becomes durable only once all its lines
   * are delivered (a line too large for a message is delivered truncated).
   */
  write(batch: LineBatch): Promise<void>;
  /** Waits until every accepted line is delivered or failed, and checkpoints are durable. */
  flush(): Promise<void>;
  /** Flushes what can be flushed and releases resources. */
  close(): Promise<void>;
  readonly counts: Pick<IngestCounts, 'delivered' | 'retried' | 'failed' | 'truncated'>;
}
