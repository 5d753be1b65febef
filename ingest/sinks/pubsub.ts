import { PubSub, type Topic } from '@google-cloud/pubsub';
import { LogflowError } from '../../core/errors.ts';
import {
  MAX_MESSAGE_BYTES,
  TRUNCATED_PREFIX_BYTES,
  attributeOverhead,
  lineAttributes,
  messageSize,
  mustTruncate,
  truncatedMessage,
  type AttributeContext,
} from '../attributes.ts';
import { StateFile } from '../state.ts';
import type { Checkpoint, LineBatch, Reporter } from '../types.ts';
import type { Sink } from './sink.ts';

/**
 * The Pub/Sub sink: one message per line (data = the raw line bytes, attributes as
 * lineAttributes()), published with the client's batching and its publisher flow control, so
 * memory stays bounded when the server is slow. The client retries retryable gRPC codes itself;
 * a message that still fails with a retryable code is published again (up to `retries` times, with
 * backoff), a non-retryable code (permission, not found, ...) is fatal. Checkpoints advance per
 * source only over batches whose every line the server acknowledged, and are saved to the
 * state file at most every `saveEveryMs` and when flushing.
 */
export interface PubsubSinkOptions {
  topic: string;
  /** host:port of an emulator or loopback server (plain gRPC, no auth); PUBSUB_EMULATOR_HOST. */
  endpoint?: string;
  batching: { maxMessages: number; maxBytes: number; maxMilliseconds: number };
  flowControl: { maxOutstandingMessages: number; maxOutstandingBytes: number };
  /** Times a message is published again after the client gave up on a retryable error. */
  retries: number;
  /** The client's total time for one publish including its own retries (ms). */
  timeoutMs: number;
  statePath: string;
  context: AttributeContext;
  report: Reporter;
  saveEveryMs?: number;
}

function digits(n: number): number {
  return n < 10 ? 1 : Math.floor(Math.log10(n)) + 1;
}

export const TOPIC_PATTERN = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9]|[^/]+)\/topics\/([^/]+)$/;

/** gRPC codes a publish is never retried on. */
const FATAL_CODES: Record<number, string> = {
  3: 'INVALID_ARGUMENT',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  9: 'FAILED_PRECONDITION',
  12: 'UNIMPLEMENTED',
  16: 'UNAUTHENTICATED',
};
const CODE_NAMES: Record<number, string> = {
  ...FATAL_CODES,
  1: 'CANCELLED',
  2: 'UNKNOWN',
  4: 'DEADLINE_EXCEEDED',
  8: 'RESOURCE_EXHAUSTED',
  10: 'ABORTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

interface Pending {
  batch: LineBatch;
  remaining: number;
  done: boolean;
}

export class PubsubSink implements Sink {
  readonly counts = { delivered: 0, retried: 0, failed: 0, truncated: 0 };
  private readonly pubsub: PubSub;
  private readonly topic: Topic;
  private readonly state: StateFile;
  private readonly queues = new Map<string, Pending[]>();
  private outstanding = 0;
  private idle: (() => void) | null = null;
  private fatal: LogflowError | null = null;
  private dirty = false;
  private lastSave = 0;

  constructor(private readonly options: PubsubSinkOptions) {
    const match = TOPIC_PATTERN.exec(options.topic);
    if (!match) throw new LogflowError(`the topic must look like projects/PROJECT/topics/TOPIC, got '${options.topic}'`, 2, ['topic']);
    this.pubsub = new PubSub({
      projectId: match[1],
      ...(options.endpoint ? { apiEndpoint: options.endpoint, emulatorMode: true, universeDomain: 'googleapis.com' } : {}),
    });
    this.topic = this.pubsub.topic(options.topic, {
      batching: options.batching,
      flowControlOptions: options.flowControl,
      gaxOpts: { timeout: options.timeoutMs },
    });
    this.state = new StateFile(options.statePath);
  }

  async loadCheckpoints(): Promise<Checkpoint[]> {
    return this.state.load();
  }

  async write(batch: LineBatch): Promise<void> {
    if (this.fatal) throw this.fatal;
    const pending: Pending = { batch, remaining: 0, done: false };
    let queue = this.queues.get(batch.source.sourceId);
    if (!queue) this.queues.set(batch.source.sourceId, (queue = []));
    queue.push(pending);
    this.outstanding += 1;
    pending.remaining = batch.lines.length;
    const flow = this.topic.publisher.flowControl;
    const context = batch.format ? { ...this.options.context, format: batch.format } : this.options.context;
    // attribute bytes that do not depend on the line: everything but the two numbers
    const fixed = messageSize(0, lineAttributes(batch.source, 0, 0, context)) - 2;
    // the same limit as the local sink, so both land the same rows
    const limit = MAX_MESSAGE_BYTES - attributeOverhead(batch.source, this.options.context);
    for (let i = 0; i < batch.lines.length; i++) {
      if (this.fatal) throw this.fatal;
      let bytes = batch.lines[i]!;
      const lineNumber = batch.firstLine + i;
      const offset = batch.offsets[i]!;
      const length = batch.lengths[i]!;
      let attributes: Record<string, string>;
      let size: number;
      // a line of a source mixing formats carries its own (ingest/detect.ts)
      const own = batch.formats?.[i];
      const lineContext = own === undefined ? context : { ...context, format: own };
      const extra = Buffer.byteLength(lineContext.format) - Buffer.byteLength(context.format);
      if (mustTruncate(bytes, length, limit)) {
        // over the message limit: its prefix, marked with its original length
        this.counts.truncated += 1;
        this.options.report(truncatedMessage(batch.source, lineNumber, offset, length));
        bytes = bytes.subarray(0, TRUNCATED_PREFIX_BYTES);
        attributes = lineAttributes(batch.source, lineNumber, offset, lineContext, length);
        size = messageSize(bytes.length, attributes);
      } else {
        attributes = lineAttributes(batch.source, lineNumber, offset, lineContext);
        size = length + fixed + extra + digits(lineNumber) + digits(offset);
      }
      // as the client's FlowControlledPublisher does, without a promise per message when there is room
      if (flow.wouldExceed(size, 1)) await flow.willSend(size, 1);
      else flow.addToCount(size, 1);
      this.publish(pending, { data: bytes, attributes }, size, 0);
    }
    if (batch.lines.length === 0) this.lineDone(pending, true);
  }

  async flush(): Promise<void> {
    if (this.outstanding > 0 && !this.fatal) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        if (this.outstanding === 0) resolve();
      });
    }
    this.save(true);
    if (this.fatal) throw this.fatal;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.save(true);
      await this.pubsub.close().catch(() => undefined);
    }
  }

  private publish(pending: Pending, message: { data: Buffer; attributes: Record<string, string> }, size: number, attempt: number): void {
    const flow = this.topic.publisher.flowControl;
    this.topic.publishMessage(message).then(
      () => {
        flow.sent(size, 1);
        this.counts.delivered += 1;
        this.lineDone(pending);
      },
      (error: unknown) => {
        flow.sent(size, 1);
        this.onError(pending, message, size, attempt, error);
      },
    );
  }

  private onError(
    pending: Pending,
    message: { data: Buffer; attributes: Record<string, string> },
    size: number,
    attempt: number,
    error: unknown,
  ): void {
    const code = typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 2;
    const detail = String((error as Error).message ?? error).split('\n')[0];
    if (this.fatal) return this.wake();
    if (FATAL_CODES[code] || attempt >= this.options.retries) {
      const what =
        code === 3
          ? `Pub/Sub refused a message published to ${this.options.topic}: ${detail}. A message broke a Pub/Sub limit the ingester should have kept; please report it`
          : FATAL_CODES[code]
            ? `Pub/Sub refused to publish to ${this.options.topic}: ${detail}. Check that the topic exists and that these credentials may publish to it`
            : `Pub/Sub publish to ${this.options.topic} still failing after ${attempt + 1} attempts: ${detail}. Check the network and the Pub/Sub service, then run again to resume`;
      this.fatal = new LogflowError(`${what} (${CODE_NAMES[code] ?? `code ${code}`})`);
      return this.wake();
    }
    this.counts.retried += 1;
    const delay = Math.min(100 * 2 ** attempt, 5_000) * (0.5 + Math.random() / 2);
    setTimeout(() => {
      if (this.fatal) return this.wake();
      // counted without waiting (like the client's publishNow): a retry replaces a message that was
      // already outstanding, and waiting here could starve when every slot is held by waiters
      this.topic.publisher.flowControl.addToCount(size, 1);
      this.publish(pending, message, size, attempt + 1);
    }, delay);
  }

  private lineDone(pending: Pending, empty = false): void {
    if (!empty) pending.remaining -= 1;
    if (pending.remaining > 0 || pending.done) return;
    pending.done = true;
    this.outstanding -= 1;
    const queue = this.queues.get(pending.batch.source.sourceId)!;
    while (queue.length > 0 && queue[0]!.done) {
      const head = queue.shift()!;
      if (head.batch.checkpoint) {
        this.state.set(head.batch.checkpoint);
        this.dirty = true;
      }
    }
    this.save(this.outstanding === 0);
    if (this.outstanding === 0) this.wake();
  }

  private wake(): void {
    const idle = this.idle;
    this.idle = null;
    idle?.();
  }

  private save(force: boolean): void {
    if (!this.dirty) return;
    const now = Date.now();
    if (!force && now - this.lastSave < (this.options.saveEveryMs ?? 500)) return;
    this.state.save();
    this.dirty = false;
    this.lastSave = now;
  }
}
