import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogflowError } from '../core/errors.ts';
import { Batcher } from './batches.ts';
import { expandInputs, fileStat, isGzip, probeFile } from './files.ts';
import { HEAD_BYTES, resolveIdentity, sha256, type FileStat, type IdentityProbe } from './identity.ts';
import { readFile, type RunContext } from './read-file.ts';
import { holdBack } from './held.ts';
import type { SourceRef } from './types.ts';

/**
 * Follow mode, like `tail -F`: every `pollMs` the inputs are expanded again (new files are picked
 * up), each followed file is read from where it was to its current end, and
 *  - rotation by rename (the path now names another file): the new file is followed from its
 *    start (or its checkpoint); the old file keeps being read through the handle still open on
 *    it (the writer may still be appending, as nginx does until logrotate's postrotate signal):
 *    if it shows up under another input path (`access.log.1` for `access.log*`) its follower
 *    moves there with its identity; otherwise (renamed out of the inputs, or deleted) it is
 *    read until it has not grown for RETIRED_IDLE_MS, and only then is an unterminated last
 *    line delivered and the handle closed;
 *  - copy-truncate (the file got shorter): reading restarts at offset 0 under a new identity
 *    (its first line differs); bytes written between the last read and the truncation are
 *    lost, unless the rotated copy is among the inputs (it is then recognised by its identity
 *    and read from the checkpoint on);
 *  - an unterminated last line is held back until its newline arrives (at the end of the run it
 *    stays held and is reported: the checkpoint is before it, the next run delivers it whole).
 * Gzip files are read once. Runs until ctx.signal aborts.
 */
export const RETIRED_IDLE_MS = 5_000;

export async function followFiles(inputs: string[], ctx: RunContext, pollMs: number, retiredIdleMs = RETIRED_IDLE_MS): Promise<void> {
  const followers = new Map<string, Follower>();
  /** Files no longer at their path (renamed or deleted): read until idle, unless they reappear. */
  const retiring: Follower[] = [];
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
        followers.delete(path); // rotated away by rename: keep reading it, maybe under a new path
        retiring.push(f);
        f = undefined;
      }
      if (!f) {
        const moved = [...followers.entries()].find(([, other]) => other.stat.dev === st.dev && other.stat.ino === st.ino);
        const back = retiring.findIndex((other) => other.stat.dev === st.dev && other.stat.ino === st.ino);
        if (moved) {
          followers.delete(moved[0]);
          f = moved[1];
          f.rename(path);
        } else if (back >= 0) {
          f = retiring.splice(back, 1)[0]!;
          f.rename(path);
        }
        if (f) followers.set(path, f); // the same file under its new name keeps its identity
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
        followers.delete(path); // deleted or renamed out of the inputs
        retiring.push(f);
      }
    }
    for (const f of [...retiring]) {
      if (ctx.signal?.aborted) break;
      try {
        await f.poll(ctx, await f.size());
        if (Date.now() - f.grewAt < retiredIdleMs) continue;
        await f.drainAndClose(ctx, true); // idle since it was rotated away: complete
      } catch (error) {
        if (error instanceof LogflowError) throw error;
        ctx.counts.errors += 1;
        ctx.report(`${f.name}: read error (${(error as Error).message}) after it was rotated away; lines before were delivered`);
        await f.drainAndClose(ctx, false).catch(() => undefined);
      }
      retiring.splice(retiring.indexOf(f), 1);
    }
    if (!ctx.signal?.aborted) await sleep(pollMs, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
  for (const f of followers.values()) await f.drainAndClose(ctx, false);
  for (const f of retiring) await f.drainAndClose(ctx, Date.now() - f.grewAt >= retiredIdleMs);
}

class Follower {
  private batcher: Batcher | null = null;
  private position = 0;
  private lastSize = -1;
  /** When the file last grew (or was opened): a rotated-away file is final once idle long enough. */
  grewAt = Date.now();
  private readonly buffer = Buffer.allocUnsafe(1 << 20);

  private constructor(
    private path: string,
    private readonly handle: FileHandle,
    readonly stat: FileStat,
  ) {}

  static async open(path: string, st: FileStat): Promise<Follower> {
    return new Follower(path, await open(path, 'r'), st);
  }

  get name(): string {
    return this.path;
  }

  /** Current size through the open handle (the path may name another file by now). */
  async size(): Promise<number> {
    return (await this.handle.stat()).size;
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
    if (size !== this.lastSize) this.grewAt = Date.now();
    this.lastSize = size;
    if (!this.batcher && !(await this.resolve(ctx, false))) return;
    await this.readToEnd(ctx);
    for (const batch of this.batcher!.flush()) await ctx.write(batch);
  }

  /**
   * Reads to the end, delivers an unterminated last line if `final` (else it is held back and
   * reported: the checkpoint stays before it), and closes the handle.
   */
  async drainAndClose(ctx: RunContext, final: boolean): Promise<void> {
    try {
      if (this.batcher || (await this.resolve(ctx, final))) {
        await this.readToEnd(ctx);
        const batches = final ? this.batcher!.end() : this.batcher!.flush();
        for (const batch of batches) await ctx.write(batch);
        if (!final && this.batcher!.pending > 0) holdBack(this.path, this.batcher!.pending, this.batcher!.consumed, ctx);
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
    this.batcher = new Batcher(
      source,
      start,
      { path: this.path, fpLen: resolved.fp.fpLen, fpHash: resolved.fp.fpHash, dev: this.stat.dev, ino: this.stat.ino },
      ctx.limits,
    );
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
