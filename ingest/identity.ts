import { createHash } from 'node:crypto';
import type { Checkpoint } from './types.ts';

/**
 * File identity. A file is known by its content, not its path: the fingerprint is the sha256 of
 * its first line (LF included, at most HEAD_BYTES bytes), which never changes while a log grows,
 * survives rename rotation, copy-truncate copies and compression of rotated files, and changes
 * when a file is truncated and rewritten. A checkpoint is reused for a file only when
 *  - the fingerprint matches, and
 *  - the last delivered line is still there, byte for byte, at the recorded offset, and
 *  - it is the same file (device:inode), or no other file still holds the checkpoint's content:
 *    neither the file now at the checkpoint's path nor the checkpoint's own file (found by
 *    device:inode in that directory, under any name) still begins with the first line and has
 *    the last delivered line in place (the checkpoint's file was renamed away, truncated,
 *    rewritten or compressed: a rotation). A new file that merely begins like a rotated one
 *    (a header line, a replayed log) never takes over the rotated file's identity.
 * A file that begins with the same line as a known identity but is not that file gets a new id:
 * the device:inode is appended (`file:<hash>:<dev>.<ino>`), and `.2`, `.3`, ... after that when
 * the id is already known or taken (a file rewritten in place again and again keeps its inode),
 * so two different contents never share an id and their lines never share a key.
 */
export const HEAD_BYTES = 4096;
const LF = 0x0a;

export interface Fingerprint {
  fpLen: number;
  fpHash: string;
}

export interface FileStat {
  dev: number;
  ino: number;
}

/** Fingerprint of a file's head, or null while its first line is incomplete (and `final` is false). */
export function fingerprint(head: Buffer, final: boolean): Fingerprint | null {
  if (head.length === 0) return null;
  const nl = head.subarray(0, HEAD_BYTES).indexOf(LF);
  let fpLen: number;
  if (nl >= 0) fpLen = nl + 1;
  else if (head.length >= HEAD_BYTES) fpLen = HEAD_BYTES;
  else if (final) fpLen = head.length;
  else return null;
  return { fpLen, fpHash: sha256(head.subarray(0, fpLen)) };
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The source_id of a new identity. */
export function newSourceId(fp: Fingerprint, disambiguate?: FileStat): string {
  const base = `file:${fp.fpHash.slice(0, 32)}`;
  return disambiguate ? `${base}:${disambiguate.dev}.${disambiguate.ino}` : base;
}

export interface IdentityProbe {
  /** The file's head bytes (at least HEAD_BYTES when the file has them). */
  head: Buffer;
  stat: FileStat;
  /** Reads `length` bytes at `offset` of the file's content (null if the file is shorter). */
  readAt(offset: number, length: number): Promise<Buffer | null>;
  /**
   * Whether a file other than this one still holds checkpoint `c`'s content (its first line and
   * its last delivered line): the file now at `c.path`, or `c`'s own file (dev:ino) in that directory.
   */
  stillHeld(c: Checkpoint): Promise<boolean>;
}

export interface Resolved {
  sourceId: string;
  fp: Fingerprint;
  /** The checkpoint to resume from, if the file is a known one. */
  resume: Checkpoint | null;
}

/**
 * Finds the identity of a file among known checkpoints (see the module comment). Returns null
 * while the file has no complete first line and `final` is false (follow mode waits).
 */
export async function resolveIdentity(
  probe: IdentityProbe,
  known: Iterable<Checkpoint>,
  final: boolean,
  taken: (sourceId: string) => boolean,
): Promise<Resolved | null> {
  const fp = fingerprint(probe.head, final);
  if (!fp) return null;
  const checkpoints = [...known]; // read twice: callers pass map iterators
  let sameHeadElsewhere = false;
  for (const c of checkpoints) {
    if (c.fpHash !== fp.fpHash || c.fpLen !== fp.fpLen) continue;
    const tail = await probe.readAt(c.tailOffset, c.tailLen);
    if (tail === null || sha256(tail) !== c.tailHash) {
      sameHeadElsewhere = true;
      continue;
    }
    const sameFile = c.dev === probe.stat.dev && c.ino === probe.stat.ino;
    if (!taken(c.sourceId) && (sameFile || !(await probe.stillHeld(c)))) {
      return { sourceId: c.sourceId, fp, resume: c };
    }
    sameHeadElsewhere = true;
  }
  return { sourceId: unusedSourceId(fp, probe.stat, sameHeadElsewhere, checkpoints, taken), fp, resume: null };
}

/**
 * `file:<hash>` for the first file with this first line; else `file:<hash>:<dev>.<ino>`, then
 * `...<ino>.2`, `.3`, ...: the first that no checkpoint and no source of this run uses.
 */
function unusedSourceId(
  fp: Fingerprint,
  stat: FileStat,
  sameHeadElsewhere: boolean,
  known: Checkpoint[],
  taken: (sourceId: string) => boolean,
): string {
  const used = new Set<string>();
  for (const c of known) used.add(c.sourceId);
  const free = (id: string) => !used.has(id) && !taken(id);
  const base = newSourceId(fp);
  if (!sameHeadElsewhere && free(base)) return base;
  const withInode = newSourceId(fp, stat);
  if (free(withInode)) return withInode;
  for (let n = 2; ; n++) if (free(`${withInode}.${n}`)) return `${withInode}.${n}`;
}
