import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { Batcher, type BatchLimits } from '../ingest/batches.ts';
import { contentChunks, fileStat, isGzip, probeFile } from '../ingest/files.ts';
import { HEAD_BYTES, resolveIdentity, type IdentityProbe } from '../ingest/identity.ts';
import {
  MAX_MESSAGE_BYTES,
  TRUNCATED_PREFIX_BYTES,
  attributeOverhead,
  lineAttributes,
  mustTruncate,
  truncatedMessage,
  type AttributeContext,
} from '../ingest/attributes.ts';
import type { LineBatch, SourceRef } from '../ingest/types.ts';

/**
 * What `logflow load` reads: local files (plain or gzip) and gs:// objects, cut into chunks of
 * landing rows. Identity, line splitting and attributes are ingest's own (ingest/identity.ts,
 * ingest/batches.ts, ingest/attributes.ts), so a loaded line carries exactly the source_id,
 * line_number, byte_offset and idempotency_key that `logflow ingest` gives the same line, and the
 * models collapse a line loaded twice, or loaded and streamed, into one request.
 */
export interface LandingRow {
  messageId: string;
  data: Buffer;
  attributes: Record<string, string>;
}

export interface Chunk {
  source: SourceRef;
  /** Deterministic: the same file cut the same way gives the same ids (load job ids, ledger keys). */
  id: string;
  firstLine: number;
  lastLine: number;
  rows: LandingRow[];
  bytes: number;
  /** Lines over the message limit, landed as their first 64 KiB with original_length (as ingest does): one notice each. */
  truncated: string[];
}

export interface ContentSource {
  /** As given on the command line: the `source` attribute. */
  name: string;
  /** Content bytes from the start (decompressed). */
  open(): AsyncIterable<Buffer>;
  probe(): Promise<IdentityProbe>;
}

/** message_id of a loaded row: no Pub/Sub id exists; derived from the idempotency key so a re-load repeats it. */
export function loadMessageId(idempotencyKey: string): string {
  return `load-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

export function chunkId(sourceId: string, firstLine: number, lastLine: number, destination: string): string {
  return createHash('sha256').update(`${destination}\0${sourceId}\0${firstLine}\0${lastLine}`).digest('hex').slice(0, 40);
}

export function chunkOf(batch: LineBatch, context: AttributeContext, destination: string): Chunk {
  const limit = MAX_MESSAGE_BYTES - attributeOverhead(batch.source, context);
  const rows: LandingRow[] = [];
  const truncated: string[] = [];
  for (let i = 0; i < batch.lines.length; i++) {
    const bytes = batch.lines[i]!;
    const line = batch.firstLine + i;
    const offset = batch.offsets[i]!;
    const length = batch.lengths[i]!;
    if (mustTruncate(bytes, length, limit)) {
      // As ingest does: the first 64 KiB land with original_length, a parse error 'line too long'.
      truncated.push(truncatedMessage(batch.source, line, offset, length));
      const attributes = lineAttributes(batch.source, line, offset, context, length);
      rows.push({ messageId: loadMessageId(attributes.idempotency_key!), data: bytes.subarray(0, TRUNCATED_PREFIX_BYTES), attributes });
      continue;
    }
    const attributes = lineAttributes(batch.source, line, offset, context);
    rows.push({ messageId: loadMessageId(attributes.idempotency_key!), data: bytes, attributes });
  }
  const lastLine = batch.firstLine + batch.lines.length - 1;
  return {
    source: batch.source,
    id: chunkId(batch.source.sourceId, batch.firstLine, lastLine, destination),
    firstLine: batch.firstLine,
    lastLine,
    rows,
    bytes: batch.bytes,
    truncated,
  };
}

/**
 * The chunks of one source, in order. `taken` holds the source ids already used in this run,
 * as in ingest (two files with the same first line get distinct ids).
 */
export async function* readChunks(
  source: ContentSource,
  context: AttributeContext,
  limits: BatchLimits,
  destination: string,
  taken: Set<string>,
): AsyncGenerator<Chunk> {
  const resolved = await resolveIdentity(await source.probe(), [], true, (id) => taken.has(id));
  if (!resolved) return; // empty
  taken.add(resolved.sourceId);
  const ref: SourceRef = { name: source.name, sourceId: resolved.sourceId, resumable: true };
  const batcher = new Batcher(ref, { offset: 0, line: 0 }, null, limits);
  for await (const bytes of source.open()) {
    for (const batch of batcher.push(bytes)) yield chunkOf(batch, context, destination);
  }
  for (const batch of batcher.end()) yield chunkOf(batch, context, destination);
}

export async function localSource(path: string): Promise<ContentSource> {
  const st = await fileStat(path);
  if (!st.isFile) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREG' });
  const gzip = await isGzip(path);
  return { name: path, open: () => contentChunks(path, gzip, 0), probe: () => probeFile(path, gzip, st) };
}

/** A gs:// object read as a stream; gzip is detected from its first two bytes, as for files. */
export function objectSource(uri: string, read: (range?: { start: number; end: number }) => Readable): ContentSource {
  let gzip: Promise<boolean> | null = null;
  const isGzipped = () =>
    (gzip ??= (async () => {
      const parts: Buffer[] = [];
      for await (const piece of read({ start: 0, end: 1 })) parts.push(piece as Buffer);
      const head = Buffer.concat(parts);
      return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    })());
  const open = async function* (): AsyncGenerator<Buffer> {
    const raw = read();
    const stream = (await isGzipped()) ? raw.pipe(createGunzip()) : raw;
    if (stream !== raw) raw.on('error', (error) => stream.destroy(error));
    try {
      for await (const piece of stream) yield piece as Buffer;
    } finally {
      raw.destroy();
    }
  };
  return {
    name: uri,
    open,
    probe: async () => {
      const parts: Buffer[] = [];
      let have = 0;
      for await (const bytes of open()) {
        parts.push(bytes);
        have += bytes.length;
        if (have >= HEAD_BYTES) break;
      }
      return { head: Buffer.concat(parts, have), stat: { dev: 0, ino: 0 }, readAt: async () => null, stillHeld: async () => false };
    },
  };
}
