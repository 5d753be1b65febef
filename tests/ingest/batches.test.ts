import { describe, expect, it } from 'vitest';
import { Batcher, LOCAL_BATCH, PUBSUB_BATCH, type BatchLimits } from '../../ingest/batches.ts';
import type { LineBatch, SourceRef } from '../../ingest/types.ts';

const source: SourceRef = { name: 'a.log', sourceId: 'file:abc', resumable: true };
const base = { path: 'a.log', fpLen: 10, fpHash: 'h', dev: 1, ino: 2 };
const text = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}${'x'.repeat(i % 7)}\n`).join('');

/** Feeds `input` in chunks of `chunk` bytes, then ends (or flushes) the stream; returns every batch. */
function run(limits: BatchLimits, input: string, chunk: number, close: 'end' | 'flush' = 'end'): LineBatch[] {
  const batcher = new Batcher(source, { offset: 0, line: 0 }, base, limits);
  const out: LineBatch[] = [];
  const bytes = Buffer.from(input);
  for (let i = 0; i < bytes.length; i += chunk) out.push(...batcher.push(bytes.subarray(i, i + chunk)));
  out.push(...(close === 'end' ? batcher.end() : batcher.flush()));
  return out;
}

/** Joins each batch's pieces back into one batch. */
function joined(pieces: LineBatch[]): LineBatch[] {
  const out: LineBatch[] = [];
  let open: LineBatch | null = null;
  for (const p of pieces) {
    if (open) {
      expect(p.firstLine).toBe(open.firstLine + open.lines.length);
      open = {
        ...p,
        firstLine: open.firstLine,
        lines: [...open.lines, ...p.lines],
        offsets: [...open.offsets, ...p.offsets],
        lengths: [...open.lengths, ...p.lengths],
        bytes: open.bytes + p.bytes,
      };
    } else open = { ...p };
    if (!p.partial) {
      delete open.partial;
      out.push(open);
      open = null;
    }
  }
  expect(open, 'every batch ends with a piece that is not partial').toBeNull();
  return out;
}

const plain = (b: LineBatch) => ({ ...b, lines: b.lines.map((l) => l.toString()) });

describe('Batcher with pieceLines', () => {
  it.each([
    // [lines, maxLines, pieceLines, read chunk bytes]
    [25, 10, 3, 7],
    [30, 10, 3, 1000],
    [9, 10, 3, 5], // the stream ends exactly at a piece: the closing piece has no lines
    [40, 10, 10, 13], // pieces as large as the batch: no partial pieces
    [40, 10, 16, 64],
    [100, 32, 8, 1],
  ])(
    '%i lines, maxLines %i, pieceLines %i: the pieces join into the very batches and checkpoints read whole',
    (n, maxLines, pieceLines, chunk) => {
      const whole = run({ maxLines, maxBytes: 1 << 20 }, text(n), chunk);
      const pieces = run({ maxLines, maxBytes: 1 << 20, pieceLines }, text(n), chunk);
      expect(whole.every((b) => !b.partial)).toBe(true);
      expect(joined(pieces).map(plain)).toEqual(whole.map(plain));
      for (const p of pieces) {
        if (p.partial) expect(p.checkpoint).toBeNull();
        expect(p.lines.length).toBeLessThanOrEqual(pieceLines);
      }
      if (pieceLines < maxLines && n > pieceLines) expect(pieces.some((p) => p.partial)).toBe(true);
    },
  );

  it('closes a batch whose lines all went in pieces with a piece of no lines that carries the checkpoint', () => {
    const pieces = run({ maxLines: 10, maxBytes: 1 << 20, pieceLines: 3 }, text(6), 100);
    expect(pieces.map((p) => [p.lines.length, p.partial ?? false])).toEqual([
      [3, true],
      [3, true],
      [0, false],
    ]);
    const last = Buffer.from('line 6xxxxx');
    expect(pieces[2]!.checkpoint).toMatchObject({
      line: 6,
      offset: Buffer.byteLength(text(6)),
      tailLen: last.length,
      tailOffset: Buffer.byteLength(text(5)),
    });
  });

  it('closes the open batch on flush() (a follower gone idle), so that its pieces commit', () => {
    const pieces = run({ maxLines: 10, maxBytes: 1 << 20, pieceLines: 3 }, text(5), 100, 'flush');
    expect(pieces.map((p) => [p.lines.length, p.partial ?? false])).toEqual([
      [3, true],
      [2, false],
    ]);
    expect(pieces[1]!.checkpoint).toMatchObject({ line: 5 });
  });

  it('cuts a batch at maxBytes counted over all its pieces', () => {
    const line = 'y'.repeat(99) + '\n'; // 99 bytes of line data each
    const pieces = run({ maxLines: 1000, maxBytes: 500, pieceLines: 2 }, line.repeat(12), 1000);
    expect(joined(pieces).map((b) => b.lines.length)).toEqual([6, 6]);
  });

  it('is on for the local sink only', () => {
    expect(LOCAL_BATCH.pieceLines).toBeLessThan(LOCAL_BATCH.maxLines);
    expect(PUBSUB_BATCH.pieceLines).toBeUndefined();
  });
});
