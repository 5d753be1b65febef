import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { LogflowError } from '../core/errors.ts';
import { Batcher, LOCAL_BATCH, PUBSUB_BATCH, type BatchLimits } from './batches.ts';
import { expandInputs } from './files.ts';
import { followFiles } from './follow.ts';
import { readFile, type RunContext } from './read-file.ts';
import { Progress } from './progress.ts';
import { LocalSink } from './sinks/local.ts';
import type { PubsubSinkOptions } from './sinks/pubsub.ts';
import type { Sink } from './sinks/sink.ts';
import { emptyCounts, type Checkpoint, type IngestCounts, type Reporter, type SourceRef } from './types.ts';
import type { AttributeContext } from './attributes.ts';
import { AUTO_FORMAT, CUSTOM_FORMAT, LONGEST_FORMAT, checkFormatName, compileCustomFormat, createFormatLabeler } from './detect.ts';
import type { Warehouse } from '../warehouse/duckdb.ts';

export interface IngestOptions {
  /** Files, glob patterns, or '-' for standard input. */
  inputs?: string[];
  /** Lines produced in-process (e.g. by the generator), each without its newline. */
  lines?: Iterable<string | Buffer> | AsyncIterable<string | Buffer>;
  /** `source` attribute for `lines` (default 'generator'). */
  linesName?: string;
  /** Standard input to read for '-' (default process.stdin). */
  stdin?: Readable;
  sink?: 'local' | 'pubsub';
  /** The local sink's warehouse: an open one (left open), or the path of a file to open. */
  warehouse?: string | Warehouse;
  /** Pub/Sub settings (pubsub sink). */
  pubsub?: Omit<PubsubSinkOptions, 'context' | 'report' | 'statePath'>;
  /** Checkpoint file for the Pub/Sub sink. */
  statePath?: string;
  /**
   * `format` attribute (default 'combined'); 'auto' detects each source's format from its first
   * lines, line by line for a source that mixes formats (ingest/detect.ts).
   */
  format?: string;
  /**
   * A custom format string (Apache LogFormat, nginx log_format or W3C #Fields; the var
   * customLogFormat the models compile): lines in it are labelled `custom` (detected, or all of
   * them with format 'custom'). Checked here: an unknown directive is one error naming it.
   */
  customFormat?: string;
  /** Keep reading files as they grow, rotate and appear (like tail -F) until `signal` aborts. */
  follow?: boolean;
  /**
   * The files are complete: an unterminated last line is delivered as a line. Without it, a
   * plain file's last line without a newline is held back (a writer may be mid-line) and a later
   * run delivers it once completed. Gzip files, stdin and in-process lines are always final.
   */
  final?: boolean;
  pollMs?: number;
  batch?: Partial<BatchLimits>;
  /** Stops reading; what was read is flushed and checkpointed. */
  signal?: AbortSignal;
  /** Per-line and per-file problems (default: stderr). */
  report?: Reporter;
  /** Draw progress on this stream (a TTY). */
  progress?: NodeJS.WritableStream;
  ingestHost?: string;
}

export interface IngestSummary extends IngestCounts {
  /** Files or streams read. */
  sources: number;
  /** Files and streams that could not be read (each reported). */
  errors: number;
  /** Lines skipped because a checkpoint showed them delivered already. */
  resumedLines: number;
  /** Unterminated last lines held back (not delivered yet: a later run delivers them once completed). */
  heldLines: number;
  seconds: number;
  sink: 'local' | 'pubsub';
}

/** Runs one ingestion and returns its summary. Fatal errors (sink refused, bad options) throw LogflowError. */
export async function runIngest(options: IngestOptions): Promise<IngestSummary> {
  const inputs = options.inputs ?? [];
  if (inputs.length === 0 && !options.lines) throw new LogflowError('nothing to ingest: give files, globs or - (stdin), or lines', 2);
  if (options.follow && (inputs.includes('-') || options.lines))
    throw new LogflowError('following works on files only, not on standard input or in-process lines', 2, ['follow']);
  if (inputs.filter((i) => i === '-').length > 1) throw new LogflowError("'-' (stdin) can be given once", 2);
  const report = options.report ?? ((m: string) => process.stderr.write(`logflow ingest: ${m}\n`));
  const runId = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  const auto = options.format === AUTO_FORMAT;
  // with detection every batch carries its formats; the context's is then only the longest a line
  // can get, for the sinks' message-size bound
  const format = auto ? LONGEST_FORMAT : (options.format ?? 'combined');
  const context: AttributeContext = { format, ingestHost: options.ingestHost ?? hostname() };
  const custom = options.customFormat ? compileCustomFormat(options.customFormat) : null;
  if (options.format === CUSTOM_FORMAT && !custom) checkFormatName(CUSTOM_FORMAT, false);
  const labeler = auto ? createFormatLabeler(report, { custom }) : null;
  const sinkKind = options.sink ?? 'local';
  const sink = await openSink(sinkKind, options, context, runId, report);
  const counts = { ...emptyCounts(), errors: 0, sources: 0, resumedLines: 0, heldLines: 0 };
  const progress = new Progress(() => ({ ...counts, ...sink.counts }), options.progress ?? process.stderr, options.progress !== undefined);
  let closed = false;
  try {
    const known = new Map<string, Checkpoint>();
    for (const cp of await sink.loadCheckpoints()) known.set(cp.sourceId, cp);
    const ctx: RunContext = {
      counts,
      known,
      final: options.final ?? false,
      taken: new Set(),
      report,
      limits: { ...(sinkKind === 'local' ? LOCAL_BATCH : PUBSUB_BATCH), ...options.batch },
      signal: options.signal,
      async write(batch) {
        counts.read += batch.lines.length;
        counts.bytes += batch.bytes;
        if (batch.checkpoint) known.set(batch.checkpoint.sourceId, batch.checkpoint);
        // the closing piece of a batch read in pieces may have no lines: nothing to label
        await sink.write(labeler && batch.lines.length > 0 ? labeler.label(batch) : batch);
      },
    };
    progress.start();
    if (options.lines) await readLines(options.lines, streamSource(options.linesName ?? 'generator', context, runId), ctx);
    if (options.follow) {
      await followFiles(inputs, ctx, options.pollMs ?? 250);
    } else {
      for (const input of await expandInputs(inputs, { follow: false })) {
        if (options.signal?.aborted) break;
        if (input === '-') await readStream(options.stdin ?? process.stdin, streamSource('stdin', context, runId), ctx);
        else await readFile(input, ctx);
      }
    }
    labeler?.finish();
    await sink.flush();
    await sink.close();
    closed = true;
  } finally {
    progress.stop();
    if (!closed) await sink.close().catch(() => undefined);
  }
  return {
    ...counts,
    ...sink.counts,
    seconds: progress.elapsedSeconds(),
    sink: sinkKind,
  };
}

async function openSink(
  kind: 'local' | 'pubsub',
  options: IngestOptions,
  context: AttributeContext,
  runId: string,
  report: Reporter,
): Promise<Sink> {
  if (kind === 'local') {
    if (!options.warehouse) throw new LogflowError('the local sink needs a warehouse', 2, ['warehouse']);
    return LocalSink.open({ warehouse: options.warehouse, context, runId, report });
  }
  if (!options.pubsub) throw new LogflowError('the Pub/Sub sink needs a topic (projects/P/topics/T)', 2, ['topic']);
  // loaded only for this sink: the Google Cloud client takes longer to load than a local ingest of 50k lines
  const { PubsubSink } = await import('./sinks/pubsub.ts');
  return new PubsubSink({ ...options.pubsub, context, report, statePath: options.statePath ?? '.logflow/ingest-state.json' });
}

/**
 * stdin and in-process lines cannot be resumed; their source_id is `<name>:<host>:<run id>`,
 * one identity per run, and byte_offset counts bytes from the start of the stream
 * (for in-process lines: each line plus one newline, as if they had been piped).
 */
function streamSource(name: string, context: AttributeContext, runId: string): SourceRef {
  return { name, sourceId: `${name}:${context.ingestHost}:${runId}`, resumable: false };
}

async function readStream(stream: Readable, source: SourceRef, ctx: RunContext): Promise<void> {
  ctx.counts.sources += 1;
  ctx.taken.add(source.sourceId);
  const batcher = new Batcher(source, { offset: 0, line: 0 }, null, ctx.limits);
  // a signal must not wait for the next chunk of a quiet pipe
  const stop = () => stream.destroy();
  ctx.signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream) {
      for (const batch of batcher.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))) await ctx.write(batch);
      if (ctx.signal?.aborted) break;
    }
  } catch (error) {
    if (error instanceof LogflowError) throw error;
    if (ctx.signal?.aborted) return finish();
    ctx.counts.errors += 1;
    ctx.report(`${source.name}: read error after ${batcher.consumed} bytes: ${(error as Error).message}`);
  } finally {
    ctx.signal?.removeEventListener('abort', stop);
  }
  return finish();

  async function finish(): Promise<void> {
    for (const batch of batcher.end()) await ctx.write(batch);
  }
}

/** In-process lines, joined with newlines into ~1 MiB chunks and split like a piped stream. */
async function readLines(
  lines: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
  source: SourceRef,
  ctx: RunContext,
): Promise<void> {
  ctx.counts.sources += 1;
  const batcher = new Batcher(source, { offset: 0, line: 0 }, null, ctx.limits);
  let parts: string[] = [];
  let size = 0;
  const push = async (chunk: Buffer) => {
    for (const batch of batcher.push(chunk)) await ctx.write(batch);
  };
  for await (const line of lines) {
    if (typeof line === 'string') {
      parts.push(line);
      size += line.length + 1;
    } else {
      if (parts.length > 0) await push(Buffer.from(parts.join('\n') + '\n'));
      parts = [];
      size = 0;
      await push(Buffer.concat([line, Buffer.from('\n')]));
    }
    if (size >= 1 << 20) {
      await push(Buffer.from(parts.join('\n') + '\n'));
      parts = [];
      size = 0;
      if (ctx.signal?.aborted) break;
    }
  }
  if (parts.length > 0) await push(Buffer.from(parts.join('\n') + '\n'));
  for (const batch of batcher.end()) await ctx.write(batch);
}
