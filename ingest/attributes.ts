import { ATTRIBUTE_KEYS } from '../pipeline/landing.ts';
import type { SourceRef } from './types.ts';

/**
 * Pub/Sub's limit for one message is 10 MB; the client caps a publish request at 9 MiB
 * (BATCH_LIMITS.maxBytes), so a message (data plus attribute keys and values) must fit in that.
 */
export const MAX_MESSAGE_BYTES = 9 * 1024 * 1024;

/** Attribute values that are the same for every line of a run and source. */
export interface AttributeContext {
  format: string;
  ingestHost: string;
}

/**
 * `source_id + '@' + byte_offset`: the same for a re-send of the same line, different for the
 * same text at another offset. Kept readable (and compressible: the prefix repeats) rather
 * than hashed; source_id is already a digest of the file's identity.
 */
export function idempotencyKey(sourceId: string, byteOffset: number): string {
  return `${sourceId}@${byteOffset}`;
}

/**
 * The attributes of one line's message, in ATTRIBUTE_KEYS order (the local sink builds the
 * same JSON object in SQL, key for key). All values are strings, as Pub/Sub requires.
 */
export function lineAttributes(source: SourceRef, lineNumber: number, byteOffset: number, context: AttributeContext): Record<string, string> {
  return {
    [ATTRIBUTE_KEYS.source]: source.name,
    [ATTRIBUTE_KEYS.sourceId]: source.sourceId,
    [ATTRIBUTE_KEYS.lineNumber]: String(lineNumber),
    [ATTRIBUTE_KEYS.byteOffset]: String(byteOffset),
    [ATTRIBUTE_KEYS.format]: context.format,
    [ATTRIBUTE_KEYS.ingestHost]: context.ingestHost,
    [ATTRIBUTE_KEYS.idempotencyKey]: idempotencyKey(source.sourceId, byteOffset),
  };
}

/** Size of a message as the client counts it: data bytes plus attribute key and value bytes. */
export function messageSize(dataLength: number, attributes: Record<string, string>): number {
  let size = dataLength;
  for (const [key, value] of Object.entries(attributes)) size += Buffer.byteLength(key) + Buffer.byteLength(value);
  return size;
}

/** Upper bound of the attributes' size for a source (numbers up to 16 digits each). */
export function attributeOverhead(source: SourceRef, context: AttributeContext): number {
  return messageSize(0, lineAttributes(source, 1e15, 1e15, context));
}

/** The one-line error for a line that cannot be a message. */
export function tooLargeMessage(source: SourceRef, lineNumber: number, byteOffset: number, length: number): string {
  return `${source.name}: line ${lineNumber} (byte ${byteOffset}) is ${length} bytes, over the ${MAX_MESSAGE_BYTES}-byte Pub/Sub message limit; not delivered (counted as failed). Split or shorten such lines before ingesting`;
}
