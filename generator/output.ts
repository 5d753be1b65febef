/**
 * Writing a generated log: batches of lines to a file or stdout (with backpressure), the truth
 * NDJSON beside it, optionally paced at N lines per wall-clock second. A closed pipe (`| head`)
 * ends the run quietly.
 */
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import type { Engine } from './engine.ts';
import { truthJson } from './truth.ts';

export interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /** True once the reader went away (EPIPE). */
  readonly closed: boolean;
}

/** A file written with synchronous writes (the fastest path for big batches). */
export function fileSink(path: string): Sink {
  const fd = fs.openSync(path, 'w');
  return {
    closed: false,
    async write(chunk) {
      fs.writeSync(fd, chunk);
    },
    async close() {
      fs.closeSync(fd);
    },
  };
}

/** A stream such as process.stdout; EPIPE marks it closed instead of throwing. */
export function streamSink(stream: Writable): Sink {
  const sink = {
    closed: false,
    async write(chunk: Uint8Array) {
      if (sink.closed) return;
      if (!stream.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stream.off('drain', done);
            stream.off('error', done);
            stream.off('close', done);
            resolve();
          };
          stream.on('drain', done);
          stream.on('error', done);
          stream.on('close', done);
        });
      }
    },
    async close() {
      if (sink.closed) return;
      await new Promise<void>((resolve) => (stream.writableNeedDrain ? stream.once('drain', () => resolve()) : resolve()));
    },
  };
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') sink.closed = true;
    else throw error;
  });
  return sink;
}

export interface PumpOptions {
  truth?: Sink;
  /** Lines per wall-clock second; undefined writes as fast as possible. */
  rate?: number;
  /** Stop after this much wall-clock time (rate mode). */
  wallMs?: number;
  /** Stop when aborted (Ctrl-C in rate mode), after flushing. */
  signal?: AbortSignal;
}

export interface PumpResult {
  lines: number;
  bytes: number;
  seconds: number;
}

const BATCH_BYTES = 1 << 18;

/** Lines encoded straight into a buffer (cheaper than joining strings and encoding the result). */
class Batch {
  buf = Buffer.allocUnsafe(BATCH_BYTES + (1 << 16));
  length = 0;

  /** Appends a line and its newline (growing the buffer for an unusually long line). */
  add(line: string): void {
    const need = this.length + line.length * 3 + 1;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(line, this.length, 'utf8');
    this.buf[this.length++] = 10;
  }

  get full(): boolean {
    return this.length >= BATCH_BYTES;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

interface Taken {
  log: Buffer;
  truth: Buffer | null;
  n: number;
  end: boolean;
}

/** Takes up to `max` lines (about BATCH_BYTES of log) from the engine into fresh buffers. */
function take(engine: Engine, max: number, withTruth: boolean): Taken {
  const log = new Batch();
  const truth = withTruth ? new Batch() : null;
  let n = 0;
  let end = false;
  while (n < max && !log.full && !(truth?.full ?? false)) {
    const line = engine.next();
    if (line === null) {
      end = true;
      break;
    }
    log.add(line);
    truth?.add(truthJson(engine.truth));
    n++;
  }
  return { log: log.bytes(), truth: truth ? truth.bytes() : null, n, end };
}

export async function pump(engine: Engine, out: Sink, options: PumpOptions = {}): Promise<PumpResult> {
  const started = performance.now();
  let lines = 0;
  let bytes = 0;
  const withTruth = options.truth !== undefined;
  const emit = async (batch: Taken) => {
    if (batch.n === 0) return;
    lines += batch.n;
    bytes += batch.log.length;
    await out.write(batch.log);
    if (batch.truth) await options.truth!.write(batch.truth);
  };
  if (options.rate === undefined) {
    for (;;) {
      if (out.closed || options.signal?.aborted) break;
      const batch = take(engine, Infinity, withTruth);
      await emit(batch);
      if (batch.end) break;
    }
  } else {
    const rate = options.rate;
    const tickMs = Math.max(10, Math.min(100, 1000 / rate));
    // The first line costs the engine's warm-up: write it, then start the clock.
    const head = take(engine, 1, withTruth);
    await emit(head);
    const clock = performance.now();
    for (;;) {
      if (head.end || out.closed || options.signal?.aborted) break;
      const elapsed = performance.now() - clock;
      const last = options.wallMs !== undefined && elapsed >= options.wallMs;
      const due = Math.floor((rate * Math.min(elapsed, options.wallMs ?? Infinity)) / 1000) + head.n - lines;
      let end = false;
      for (let left = due; left > 0 && !out.closed; ) {
        const batch = take(engine, left, withTruth);
        await emit(batch);
        left -= batch.n;
        if (batch.end) {
          end = true;
          break;
        }
      }
      if (end || last) break;
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  }
  await out.close();
  if (withTruth) await options.truth!.close();
  return { lines, bytes, seconds: (performance.now() - started) / 1000 };
}
