import { stat } from 'node:fs/promises';
import { LogflowError } from '../core/errors.ts';
import { Batcher, type BatchLimits } from './batches.ts';
import { contentChunks, fileStat, isGzip, probeFile } from './files.ts';
import { holdBack } from './held.ts';
import { resolveIdentity } from './identity.ts';
import type { Checkpoint, IngestCounts, LineBatch, Reporter, SourceRef } from './types.ts';

/** Context shared by the readers of one run. */
export interface RunContext {
  counts: IngestCounts & { errors: number; sources: number; resumedLines: number; heldLines: number };
  known: Map<string, Checkpoint>;
  /** Plain files are complete (--final): their unterminated last lines are lines. */
  final: boolean;
  taken: Set<string>;
  write(batch: LineBatch): Promise<void>;
  report: Reporter;
  limits: BatchLimits;
  signal?: AbortSignal;
}

/**
 * Reads one file (plain or gzip) from its checkpoint to its end. Unreadable files are reported,
 * not fatal. A plain file's unterminated last line is held back (reported, counted in heldLines)
 * unless ctx.final: the checkpoint stays before it, so a later run delivers it whole.
 */
export async function readFile(path: string, ctx: RunContext): Promise<void> {
  let batcher: Batcher | null = null;
  try {
    const st = await fileStat(path);
    if (!st.isFile) {
      const isDir = (await stat(path)).isDirectory();
      throw Object.assign(new Error(isDir ? 'is a directory, not a file' : 'is not a regular file (use - to read a pipe)'), {
        code: isDir ? 'EISDIR' : 'ENOTREG',
      });
    }
    const gzip = await isGzip(path);
    const probe = await probeFile(path, gzip, st);
    const final = gzip || ctx.final;
    const resolved = await resolveIdentity(probe, ctx.known.values(), final, (id) => ctx.taken.has(id));
    ctx.counts.sources += 1;
    if (!resolved) {
      // empty, or a first line without its newline yet
      if (probe.head.length > 0) holdBack(path, probe.head.length, 0, ctx);
      return;
    }
    ctx.taken.add(resolved.sourceId);
    const start = resolved.resume ? { offset: resolved.resume.offset, line: resolved.resume.line } : { offset: 0, line: 0 };
    if (resolved.resume) ctx.counts.resumedLines += resolved.resume.line;
    const source: SourceRef = { name: path, sourceId: resolved.sourceId, resumable: true };
    batcher = new Batcher(
      source,
      start,
      { path, fpLen: resolved.fp.fpLen, fpHash: resolved.fp.fpHash, dev: st.dev, ino: st.ino },
      ctx.limits,
    );
    for await (const chunk of contentChunks(path, gzip, start.offset, ctx.signal)) {
      for (const batch of batcher.push(chunk)) await ctx.write(batch);
    }
    if (!ctx.signal?.aborted) {
      for (const batch of final ? batcher.end() : batcher.flush()) await ctx.write(batch);
      if (!final && batcher.pending > 0) holdBack(path, batcher.pending, batcher.consumed, ctx);
    } else {
      for (const batch of batcher.flush()) await ctx.write(batch);
    }
  } catch (error) {
    if (error instanceof LogflowError) throw error;
    ctx.counts.errors += 1;
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    const where = batcher ? ` after ${batcher.consumed} bytes (lines before that were delivered)` : '';
    ctx.report(`${path}: cannot read${where}: ${why}; skipped`);
    if (batcher) for (const batch of batcher.flush()) await ctx.write(batch);
  }
}
