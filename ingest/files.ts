import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { glob, isDynamicPattern } from 'tinyglobby';
import { LogflowError } from '../core/errors.ts';
import { HEAD_BYTES, fingerprint, sha256, type FileStat, type Fingerprint, type IdentityProbe } from './identity.ts';
import type { Checkpoint } from './types.ts';

/** Reading files: gzip detection by magic bytes, content streams from an offset, identity probes. */

const GZIP_MAGIC = [0x1f, 0x8b];

export async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/**
 * The file's content (decompressed for gzip) from `start`. For gzip the bytes before `start`
 * are decompressed and dropped, since a gzip stream cannot be entered in the middle.
 */
export async function* contentChunks(path: string, gzip: boolean, start: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (!gzip) {
    const stream = createReadStream(path, { start, highWaterMark: 1 << 20 });
    try {
      for await (const chunk of stream) {
        yield chunk as Buffer;
        if (signal?.aborted) return;
      }
    } finally {
      stream.destroy();
    }
    return;
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  raw.pipe(gunzip);
  let skip = start;
  try {
    for await (const data of gunzip) {
      let chunk = data as Buffer;
      if (skip > 0) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(skip);
        skip = 0;
      }
      yield chunk;
      if (signal?.aborted) return;
    }
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

/** Up to `length` content bytes at `offset`; null when the content is shorter. */
export async function readContent(path: string, gzip: boolean, offset: number, length: number): Promise<Buffer | null> {
  if (length === 0) return Buffer.alloc(0);
  if (!gzip) {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return bytesRead === length ? buffer : null;
    } finally {
      await handle.close();
    }
  }
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of contentChunks(path, true, offset)) {
      parts.push(chunk);
      have += chunk.length;
      if (have >= length) break;
    }
  } catch {
    // a corrupt or truncated gzip stream reads as short content
  }
  return have >= length ? Buffer.concat(parts, have).subarray(0, length) : null;
}

export async function fileStat(path: string): Promise<FileStat & { size: number; isFile: boolean }> {
  const s = await stat(path);
  return { dev: s.dev, ino: s.ino, size: s.size, isFile: s.isFile() };
}

/** An IdentityProbe for a file on disk. */
export async function probeFile(path: string, gzip: boolean, st: FileStat): Promise<IdentityProbe> {
  const head = (await readContentPrefix(path, gzip, HEAD_BYTES)) ?? Buffer.alloc(0);
  return {
    head,
    stat: st,
    readAt: (offset, length) => readContent(path, gzip, offset, length),
    stillHeld: (c: Checkpoint) => stillHeld(c, st),
  };
}

/**
 * Whether a file other than `self` still holds checkpoint `c`'s content: the file now at
 * `c.path`, or `c`'s own file (same dev:ino) under another name in that directory (renamed by
 * rotation), still begins with the first line and has the last delivered line at its offset.
 */
async function stillHeld(c: Checkpoint, self: FileStat): Promise<boolean> {
  const candidates = [c.path];
  try {
    const dir = dirname(c.path);
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      if (path === c.path) continue;
      const s = await stat(path).catch(() => null);
      if (s && s.dev === c.dev && s.ino === c.ino) candidates.push(path);
    }
  } catch {
    // the directory is gone or unreadable: only the path itself can be checked
  }
  for (const path of candidates) {
    try {
      const s = await fileStat(path);
      if (!s.isFile || (s.dev === self.dev && s.ino === self.ino)) continue;
      const gzip = await isGzip(path);
      const head = await readContentPrefix(path, gzip, c.fpLen);
      if (head === null || head.length < c.fpLen || sha256(head.subarray(0, c.fpLen)) !== c.fpHash) continue;
      const tail = await readContent(path, gzip, c.tailOffset, c.tailLen);
      if (tail !== null && sha256(tail) === c.tailHash) return true;
    } catch {
      // gone or unreadable: does not hold it
    }
  }
  return false;
}

async function readContentPrefix(path: string, gzip: boolean, length: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of contentChunks(path, gzip, 0)) {
      parts.push(chunk);
      have += chunk.length;
      if (have >= length) break;
    }
  } catch {
    // unreadable content: an empty head
  }
  return Buffer.concat(parts, have).subarray(0, length);
}

export { fingerprint };

/**
 * Expands inputs (paths and glob patterns) to files, in order, without duplicates. A plain path
 * that does not exist is an error (in follow mode it is watched for instead); a pattern
 * that matches nothing is an error unless following.
 */
export async function expandInputs(inputs: string[], options: { follow: boolean; cwd?: string }): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const input of inputs) {
    if (isDynamicPattern(input)) {
      const matches = (
        await glob(input, { cwd: options.cwd, absolute: false, onlyFiles: true, dot: false, expandDirectories: false })
      ).sort();
      if (matches.length === 0 && !options.follow)
        throw new LogflowError(`no file matches '${input}'; check the pattern (quote it so the shell does not expand it)`);
      for (const m of matches)
        if (!seen.has(m)) {
          seen.add(m);
          out.push(m);
        }
    } else if (!seen.has(input)) {
      seen.add(input);
      out.push(input);
    }
  }
  return out;
}
