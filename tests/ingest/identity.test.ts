import { describe, expect, it } from 'vitest';
import { fingerprint, newSourceId, resolveIdentity, sha256, type IdentityProbe } from '../../ingest/identity.ts';
import type { Checkpoint } from '../../ingest/types.ts';

const content = Buffer.from('first line\nsecond line\nthird line\n');
const fp = fingerprint(content, false)!;

function checkpoint(over: Partial<Checkpoint> = {}): Checkpoint {
  return {
    sourceId: newSourceId(fp),
    path: '/logs/a.log',
    offset: 23,
    line: 2,
    fpLen: fp.fpLen,
    fpHash: fp.fpHash,
    tailOffset: 11,
    tailLen: 11,
    tailHash: sha256('second line'),
    dev: 1,
    ino: 100,
    ...over,
  };
}

function probe(bytes: Buffer, ino: number, stillHeld: boolean): IdentityProbe {
  return {
    head: bytes.subarray(0, 4096),
    stat: { dev: 1, ino },
    readAt: async (offset, length) => (offset + length <= bytes.length ? bytes.subarray(offset, offset + length) : null),
    stillHeld: async () => stillHeld,
  };
}

describe('fingerprint()', () => {
  it.each([
    ['a complete first line', 'abc\ndef', false, 4],
    ['no newline yet, more may come', 'abc', false, null],
    ['no newline at the end of a file', 'abc', true, 3],
    ['an empty file', '', true, null],
  ])('%s', (_name, text, final, fpLen) => {
    expect(fingerprint(Buffer.from(text), final)?.fpLen ?? null).toBe(fpLen);
  });

  it('caps a first line longer than 4 KiB', () => {
    expect(fingerprint(Buffer.alloc(5000, 0x61), false)?.fpLen).toBe(4096);
  });
});

describe('resolveIdentity()', () => {
  it.each([
    ['the same file (same inode): resume', 100, false, true],
    ['a renamed or copied file whose original path no longer holds it: resume', 200, false, true],
    ['a different file while the original is still in place: new identity', 200, true, false],
  ])('%s', async (_name, ino, originalStillThere, resumes) => {
    const r = await resolveIdentity(probe(content, ino, originalStillThere), [checkpoint()], true, () => false);
    expect(r!.resume !== null).toBe(resumes);
    expect(r!.sourceId).toBe(resumes ? newSourceId(fp) : newSourceId(fp, { dev: 1, ino }));
  });

  it('does not resume when the last delivered line is not there any more', async () => {
    const rewritten = Buffer.from('first line\nSECOND LINE\n');
    const r = await resolveIdentity(probe(rewritten, 100, false), [checkpoint()], true, () => false);
    expect(r).toMatchObject({ resume: null, sourceId: newSourceId(fp, { dev: 1, ino: 100 }) });
  });

  it('gives a second file with the same first line its own identity within a run', async () => {
    const r = await resolveIdentity(probe(content, 300, false), [], true, (id) => id === newSourceId(fp));
    expect(r!.sourceId).toBe(newSourceId(fp, { dev: 1, ino: 300 }));
  });

  it('gives every rewrite of a file (same inode, same first line) an identity of its own', async () => {
    const versions = ['first line\nv1 a\nv1 b\n', 'first line\nv2 a\nv2 b\nv2 c\n', 'first line\nv3 a\nv3 b\n'].map((t) => Buffer.from(t));
    const known: Checkpoint[] = [];
    const ids: string[] = [];
    for (const bytes of versions) {
      const r = await resolveIdentity(probe(bytes, 100, false), known, true, () => false);
      expect(r!.resume).toBeNull();
      ids.push(r!.sourceId);
      const last = bytes.subarray(0, -1).lastIndexOf(0x0a) + 1;
      known.push(
        checkpoint({
          sourceId: r!.sourceId,
          offset: bytes.length,
          tailOffset: last,
          tailLen: bytes.length - 1 - last,
          tailHash: sha256(bytes.subarray(last, -1)),
        }),
      );
    }
    expect(ids).toEqual([newSourceId(fp), newSourceId(fp, { dev: 1, ino: 100 }), `${newSourceId(fp, { dev: 1, ino: 100 })}.2`]);
  });

  it('waits while the first line is incomplete', async () => {
    expect(await resolveIdentity(probe(Buffer.from('partial'), 1, false), [], false, () => false)).toBeNull();
  });
});
