import { ATTRIBUTE_KEYS } from '../pipeline/landing.ts';
import type { SourceRef } from './types.ts';

/**
 * Pub/Sub's limit for one message is 10 MB; the client caps a publish request at 9 MiB
 * (BATCH_LIMITS.maxBytes), so a message (data plus attribute keys and values) must fit in that.
 */
export const MAX_MESSAGE_BYTES = 9 * 1024 * 1024;

/**
 * A line that does not fit in a message lands truncated to its first TRUNCATED_PREFIX_BYTES
 * bytes, with the attribute `original_length` (its full length in bytes): staging passes it on
 * and the line becomes a parse error 'line too long', so it is counted, never lost. 64 KiB is
 * plenty to see what the line was, and keeps such rows small in the warehouse.
 */
export const TRUNCATED_PREFIX_BYTES = 64 * 1024;

/** Pub/Sub's limit for one attribute value (bytes); a longer value fails the publish (INVALID_ARGUMENT). */
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024;

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
 * The `source` attribute for a source name: the name itself when it fits Pub/Sub's 1,024-byte
 * attribute-value limit; else its first 500 and last 500 bytes (whole UTF-8 characters) around
 * '...', so both the directory and the file name stay readable. The full path of a file is kept
 * with its checkpoint (the local warehouse's logflow_ingest.checkpoints, or the --state file)
 * under the same source_id. Both sinks land the same value.
 */
export function sourceAttribute(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length <= MAX_ATTRIBUTE_VALUE_BYTES) return name;
  const keep = 500;
  const head = bytes
    .subarray(0, keep)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  const tail = bytes
    .subarray(bytes.length - keep)
    .toString('utf8')
    .replace(/^\uFFFD/, '');
  return `${head}...${tail}`;
}

/**
 * The attributes of one line's message, in ATTRIBUTE_KEYS order (the local sink builds the
 * same JSON object in SQL, key for key). All values are strings, as Pub/Sub requires.
 * `originalLength` is given only for a line landed truncated (see TRUNCATED_PREFIX_BYTES).
 */
export function lineAttributes(
  source: SourceRef,
  lineNumber: number,
  byteOffset: number,
  context: AttributeContext,
  originalLength?: number,
): Record<string, string> {
  const attributes: Record<string, string> = {
    [ATTRIBUTE_KEYS.source]: sourceAttribute(source.name),
    [ATTRIBUTE_KEYS.sourceId]: source.sourceId,
    [ATTRIBUTE_KEYS.lineNumber]: String(lineNumber),
    [ATTRIBUTE_KEYS.byteOffset]: String(byteOffset),
    [ATTRIBUTE_KEYS.format]: context.format,
    [ATTRIBUTE_KEYS.ingestHost]: context.ingestHost,
    [ATTRIBUTE_KEYS.idempotencyKey]: idempotencyKey(source.sourceId, byteOffset),
  };
  if (originalLength !== undefined) attributes[ATTRIBUTE_KEYS.originalLength] = String(originalLength);
  return attributes;
}

/** Whether a line must land truncated: cut by the splitter, or too long for a message with its attributes. */
export function mustTruncate(bytes: Buffer, length: number, limit: number): boolean {
  return bytes.length < length || length > limit;
}

/** Size of a message as the client counts it: data bytes plus attribute key and value bytes. */
export function messageSize(dataLength: number, attributes: Record<string, string>): number {
  let size = dataLength;
  for (const [key, value] of Object.entries(attributes)) size += Buffer.byteLength(key) + Buffer.byteLength(value);
  return size;
}

/** Upper bound of the attributes' size for a source (numbers up to 16 digits each). */
export function attributeOverhead(source: SourceRef, context: AttributeContext): number {
  return messageSize(0, lineAttributes(source, 1e15, 1e15, context, 1e15));
}

/** The one-line notice for a line that landed truncated. */
export function truncatedMessage(source: SourceRef, lineNumber: number, byteOffset: number, length: number): string {
  return `${source.name}: line ${lineNumber} (byte ${byteOffset}) is ${length} bytes, over the ${MAX_MESSAGE_BYTES}-byte Pub/Sub message limit; delivered its first ${TRUNCATED_PREFIX_BYTES} bytes with the attribute original_length=${length} (it lands in logflow.parse_errors as 'line too long')`;
}
