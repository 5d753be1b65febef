import { createHash } from 'node:crypto';
import type { Checkpoint } from './types.ts';

/**
 * File identity. A file is known by its content, not its path: the fingerprint is the sha256 of
 * its first line (LF included, at most HEAD_BYTES bytes), which never changes while a log grows,
 * survives rename rotation, copy-truncate copies and compression of rotated files, and changes
 * when a file is truncated and rewritten. A checkpoint is reused for a file only when
 *  - the fingerprint matches, and
 *  - the last delivered line is still there, byte for byte, at the recorded offset, and
 *  - it is the same file (device:inode) or the checkpoint's file is gone from its path
 *    (renamed, truncated, rewritten, compressed: a rotation).
 * Two different files that begin with the same line get different ids (the device:inode
 * is appended to the second one's id).
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
  /** Whether the file now at `path` still carries identity `fp` (false when gone or different). */
  pathHolds(path: string, fp: Fingerprint, stat: FileStat): Promise<boolean>;
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
export async function resolveIdentity(probe: IdentityProbe, known: Iterable<Checkpoint>, final: boolean, taken: (sourceId: string) => boolean): Promise<Resolved | null> {
  const fp = fingerprint(probe.head, final);
  if (!fp) return null;
  let sameHeadElsewhere = false;
  for (const c of known) {
    if (c.fpHash !== fp.fpHash || c.fpLen !== fp.fpLen) continue;
    const tail = await probe.readAt(c.tailOffset, c.tailLen);
    if (tail === null || sha256(tail) !== c.tailHash) {
      sameHeadElsewhere = true;
      continue;
    }
    const sameFile = c.dev === probe.stat.dev && c.ino === probe.stat.ino;
    if (!taken(c.sourceId) && (sameFile || !(await probe.pathHolds(c.path, fp, probe.stat)))) {
      return { sourceId: c.sourceId, fp, resume: c };
    }
    sameHeadElsewhere = true;
  }
  let sourceId = newSourceId(fp);
  if (sameHeadElsewhere || taken(sourceId)) sourceId = newSourceId(fp, probe.stat);
  return { sourceId, fp, resume: null };
}
