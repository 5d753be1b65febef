import type { Reporter } from './types.ts';

/**
 * An unterminated last line is never delivered in two halves: a plain file's last line without
 * a newline is held back (the checkpoint stays before it) until its newline arrives or the file
 * is known to be final (--final, gzip, a file rotated away and idle). This reports one held line.
 */
export function holdBack(path: string, length: number, offset: number, ctx: { counts: { heldLines: number }; report: Reporter }): void {
  ctx.counts.heldLines += 1;
  ctx.report(
    `${path}: the last line (${length} bytes at byte ${offset}) has no newline yet; held back until it is completed (a later run delivers it; pass --final if the file is complete)`,
  );
}
