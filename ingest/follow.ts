import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogflowError } from '../core/errors.ts';
import { Batcher } from './batches.ts';
import { expandInputs, fileStat, isGzip, probeFile } from './files.ts';
import { HEAD_BYTES, resolveIdentity, sha256, type FileStat, type IdentityProbe } from './identity.ts';
import { readFile, type RunContext } from './read-file.ts';
import type { SourceRef } from './types.ts';

/**
 * Follow mode, like `tail -F`: every `pollMs` the inputs are expanded again (new files are picked
 * up), each followed file is read from where it was to its current end, and
 *  - rotation by rename (the path now names another file): the old file is read to its end
 *    through the handle still open on it (its unterminated last line is delivered then), closed,
 *    and the new file is followed from its start (or its checkpoint);
 *  - copy-truncate (the file got shorter): reading restarts at offset 0 under a new identity
 *    (its first line differs); bytes written between the last read and the truncation are
 *    lost, unless the rotated copy is among the inputs (it is then recognised by its identity
 *    and read from the checkpoint on);
 *  - an unterminated last line is held back until its newline arrives.
 * Gzip files are read once. Runs until ctx.signal aborts.
 */
export async function followFiles(inputs: string[], ctx: RunContext, pollMs: number): Promise<void> {
  const followers = new Map<string, Follower>();
  const doneGzip = new Set<string>();
  const reported = new Set<string>();
  while (!ctx.signal?.aborted) {
    let paths: string[];
    try {
      paths = await expandInputs(inputs, { follow: true });
    } catch (error) {
      if (error instanceof LogflowError) throw error;
      paths = [];
    }
    const seen = new Set(paths);
    for (const path of paths) {
      if (ctx.signal?.aborted) break;
      let st: FileStat & { size: number; isFile: boolean };
      try {
        st = await fileStat(path);
      } catch {
        continue; // not there (yet): watched for
      }
      if (!st.isFile) {
        if (!reported.has(path)) ctx.report(`${path}: is a directory, not a file; skipped`);
        reported.add(path);
        continue;
      }
      let f = followers.get(path);
      if (f && (f.stat.dev !== st.dev || f.stat.ino !== st.ino)) {
        await f.drainAndClose(ctx, true); // rotated away by rename
        followers.delete(path);
        f = undefined;
      }
      if (!f) {
        const moved = [...followers.entries()].find(([, other]) => other.stat.dev === st.dev && other.stat.ino === st.ino);
        if (moved) {
          followers.delete(moved[0]);
          f = moved[1];
          f.rename(path);
        }
      }
      if (!f) {
        const gzipKey = `${st.dev}:${st.ino}:${st.size}`;
        try {
          if (await isGzip(path)) {
            if (!doneGzip.has(gzipKey)) {
              doneGzip.add(gzipKey);
              await readFile(path, ctx);
            }
            continue;
          }
          f = await Follower.open(path, st);
        } catch (error) {
          if (!reported.has(path)) ctx.report(`${path}: cannot read: ${(error as Error).message}; will retry`);
          reported.add(path);
          continue;
        }
        followers.set(path, f);
      }
      try {
        await f.poll(ctx, st.size);
      } catch (error) {
        if (error instanceof LogflowError) throw error;
        ctx.counts.errors += 1;
        ctx.report(`${path}: read error (${(error as Error).message}); stopped following it, lines before were delivered`);
        await f.drainAndClose(ctx, false).catch(() => undefined);
        followers.delete(path);
      }
    }
    for (const [path, f] of followers) {
      if (!seen.has(path)) {
        await f.drainAndClose(ctx, true); // deleted or renamed out of the inputs
        followers.delete(path);
      }
    }
    if (!ctx.signal?.aborted) await sleep(pollMs, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
  for (const f of followers.values()) await f.drainAndClose(ctx, false);
}

class Follower {
  private batcher: Batcher | null = null;
  private position = 0;
  private lastSize = -1;
  private readonly buffer = Buffer.allocUnsafe(1 << 20);

  private constructor(
    private path: string,
    private readonly handle: FileHandle,
    readonly stat: FileStat,
  ) {}

  static async open(path: string, st: FileStat): Promise<Follower> {
    return new Follower(path, await open(path, 'r'), st);
  }

  rename(path: string): void {
    this.path = path;
    if (this.batcher?.base) this.batcher.base = { ...this.batcher.base, path };
  }

  /** Reads what was appended since the last poll; handles truncation. */
  async poll(ctx: RunContext, size: number): Promise<void> {
    if (this.batcher && (size < this.position || (size !== this.lastSize && !(await this.headUnchanged())))) {
      ctx.report(`${this.path}: truncated (copy-truncate rotation?); reading it again from the start as a new source`);
      for (const batch of this.batcher.flush()) await ctx.write(batch);
      ctx.taken.delete(this.batcher.source.sourceId);
      this.batcher = null;
    }
    this.lastSize = size;
    if (!this.batcher && !(await this.resolve(ctx, false))) return;
    await this.readToEnd(ctx);
    for (const batch of this.batcher!.flush()) await ctx.write(batch);
  }

  /** Reads to the end, delivers an unterminated last line if `final`, and closes the handle. */
  async drainAndClose(ctx: RunContext, final: boolean): Promise<void> {
    try {
      if (this.batcher || (await this.resolve(ctx, final))) {
        await this.readToEnd(ctx);
        const batches = final ? this.batcher!.end() : this.batcher!.flush();
        for (const batch of batches) await ctx.write(batch);
        ctx.taken.delete(this.batcher!.source.sourceId);
      }
    } finally {
      await this.handle.close().catch(() => undefined);
    }
  }

  /**
   * Whether the file still starts with the line its identity was taken from: a file truncated and
   * written again before a poll saw it shorter is caught here.
   */
  private async headUnchanged(): Promise<boolean> {
    const base = this.batcher?.base;
    if (!base) return true;
    const head = Buffer.alloc(base.fpLen);
    const { bytesRead } = await this.handle.read(head, 0, base.fpLen, 0);
    return bytesRead === base.fpLen && sha256(head) === base.fpHash;
  }

  private async resolve(ctx: RunContext, final: boolean): Promise<boolean> {
    const probe = await this.probe();
    const resolved = await resolveIdentity(probe, ctx.known.values(), final, (id) => ctx.taken.has(id));
    if (!resolved) return false;
    ctx.taken.add(resolved.sourceId);
    ctx.counts.sources += 1;
    const start = resolved.resume ? { offset: resolved.resume.offset, line: resolved.resume.line } : { offset: 0, line: 0 };
    if (resolved.resume) ctx.counts.resumedLines += resolved.resume.line;
    const source: SourceRef = { name: this.path, sourceId: resolved.sourceId, resumable: true };
    this.batcher = new Batcher(source, start, { path: this.path, fpLen: resolved.fp.fpLen, fpHash: resolved.fp.fpHash, dev: this.stat.dev, ino: this.stat.ino }, ctx.limits);
    this.position = start.offset;
    return true;
  }

  private async probe(): Promise<IdentityProbe> {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await this.handle.read(head, 0, HEAD_BYTES, 0);
    const base = await probeFile(this.path, false, this.stat);
    return {
      ...base,
      head: head.subarray(0, bytesRead),
      readAt: async (offset, length) => {
        const b = Buffer.alloc(length);
        const { bytesRead: n } = await this.handle.read(b, 0, length, offset);
        return n === length ? b : null;
      },
    };
  }

  private async readToEnd(ctx: RunContext): Promise<void> {
    const batcher = this.batcher!;
    for (;;) {
      const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, this.position);
      if (bytesRead === 0) return;
      this.position += bytesRead;
      // the splitter may keep references into the chunk: give it a copy of the shared buffer
      for (const batch of batcher.push(Buffer.from(this.buffer.subarray(0, bytesRead)))) await ctx.write(batch);
      if (ctx.signal?.aborted) return;
    }
  }
}

export { sha256 };
