import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Metadata } from 'mmdb-lib/lib/metadata.js';
import { LogflowError } from '../core/errors.ts';
import type { CityRange } from './ranges.ts';

/**
 * Lists the networks of a MaxMind DB file (GeoLite2-City, DB-IP Lite city...) as city ranges.
 *
 * MMDB readers (mmdb-lib, maxmind) only look single addresses up, so this walks the binary
 * search tree itself, following the MaxMind DB spec (https://maxmind.github.io/MaxMind-DB/):
 * - the metadata map follows the last `\xAB\xCD\xEFMaxMind.com` marker (parsed by mmdb-lib);
 * - node_count nodes of two records each, record_size 24, 28 or 32 bits per record (28: the
 *   middle byte's high nibble belongs to the left record, its low nibble to the right one);
 * - a record < node_count is a node, = node_count means "no data", > node_count points into the
 *   data section at (record - node_count - 16) after the tree and its 16-byte separator;
 * - in an IPv6 tree, IPv4 addresses live under ::/96 (the node reached by 96 left turns), and
 *   writers alias ::ffff:0:0/96, 2001::/32 and 2002::/16 to that same node. The walk lists the
 *   IPv4 subtree once, as IPv4 ranges, and skips every other path that reaches its node, so no
 *   network is counted twice. IPv4-mapped addresses still find their IPv4 range (includes/geo.js
 *   lookupKey); Teredo and 6to4 addresses are not resolved to their embedded IPv4 address (nor
 *   are they by the country and ASN ranges).
 * The data records are decoded with mmdb-lib's own decoder (pointers, maps, caching).
 *
 * A range carries the English names (`names.en`) of the record's first subdivision (region) and
 * city, and the ISO code of its country (else registered country, else 'ZZ'). Networks whose
 * record names neither a region nor a city are left out (they add nothing to ip_city_ranges;
 * country comes from the country ranges), and adjacent networks with the same country, region
 * and city are merged into one range.
 */

// mmdb-lib's data-section decoder and metadata parser (CommonJS modules of its public package
// files; the package exports only the lookup Reader from its entry point).
const require = createRequire(import.meta.url);
type DecoderClass = new (
  db: Buffer,
  baseOffset: number,
  cache: { get(key: number | string): unknown; set(key: number | string, value: unknown): unknown },
) => { decode(offset: number): { value: unknown; offset: number } };
const Decoder = (require('mmdb-lib/lib/decoder.js') as { default: DecoderClass }).default;
const { parseMetadata } = require('mmdb-lib/lib/metadata.js') as { parseMetadata: (db: Buffer) => Metadata };

/** The start of the metadata section: `\xAB\xCD\xEF` then `MaxMind.com`. */
const METADATA_MARKER = Buffer.from('ABCDEF4D61784D696E642E636F6D', 'hex');
/** Bytes between the search tree and the data section. */
const DATA_SECTION_SEPARATOR = 16;
/** The language of the names read. */
const LANGUAGE = 'en';

interface Names {
  names?: Record<string, unknown>;
  iso_code?: unknown;
}

/** The parts of a GeoIP2/GeoLite2/DB-IP city record read here. */
interface CityRecord {
  country?: Names;
  registered_country?: Names;
  subdivisions?: Names[];
  city?: Names;
}

/** A problem with the file, reported with its name by the caller. */
class MmdbError extends Error {}

function nameOf(value: Names | undefined): string | null {
  const name = value?.names?.[LANGUAGE];
  if (typeof name !== 'string') return null;
  const trimmed = name.trim();
  return trimmed === '' ? null : trimmed;
}

function isoCode(value: Names | undefined): string | null {
  const code = value?.iso_code;
  return typeof code === 'string' && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
}

/** The city-range payload of a decoded record, or null when it names neither region nor city. */
export function cityOfRecord(record: unknown): Omit<CityRange, 'startKey' | 'endKey'> | null {
  if (record === null || typeof record !== 'object') return null;
  const r = record as CityRecord;
  const region = Array.isArray(r.subdivisions) ? nameOf(r.subdivisions[0]) : null;
  const city = nameOf(r.city);
  if (region === null && city === null) return null;
  return { countryCode: isoCode(r.country) ?? isoCode(r.registered_country) ?? 'ZZ', region, city };
}

/** One record reader per record size (MaxMind DB spec, "Node Layout"). */
function recordReader(db: Buffer, recordSize: number, nodeCount: number): (node: number, right: number) => number {
  const treeBytes = (nodeCount * recordSize) / 4;
  if (treeBytes + DATA_SECTION_SEPARATOR > db.length) throw new MmdbError(`its search tree (${nodeCount} nodes) is larger than the file`);
  const size = recordSize / 4;
  if (recordSize === 24) return (node, right) => db.readUIntBE(node * size + right * 3, 3);
  if (recordSize === 32) return (node, right) => db.readUInt32BE(node * size + right * 4);
  if (recordSize === 28)
    return (node, right) => {
      const at = node * size;
      const middle = db[at + 3]!;
      return right ? ((middle & 0x0f) << 24) | db.readUIntBE(at + 4, 3) : ((middle & 0xf0) << 20) | db.readUIntBE(at, 3);
    };
  throw new MmdbError(`its record size ${recordSize} is not 24, 28 or 32`);
}

/** The metadata of the buffer, or an MmdbError saying why it is not a MaxMind DB. */
function metadataOf(db: Buffer): Metadata {
  if (db.lastIndexOf(METADATA_MARKER) < 0) throw new MmdbError('no MaxMind DB metadata marker found');
  let metadata: Metadata;
  try {
    metadata = parseMetadata(db);
  } catch (error) {
    throw new MmdbError(`its metadata cannot be read (${(error as Error).message.split('\n')[0]})`);
  }
  if (metadata.binaryFormatMajorVersion !== 2)
    throw new MmdbError(`binary format version ${metadata.binaryFormatMajorVersion} is not supported (expected 2)`);
  if (metadata.ipVersion !== 4 && metadata.ipVersion !== 6) throw new MmdbError(`ip_version ${metadata.ipVersion} is not 4 or 6`);
  if (!Number.isInteger(metadata.nodeCount) || metadata.nodeCount <= 0) throw new MmdbError(`node_count ${metadata.nodeCount} is invalid`);
  return metadata;
}

/**
 * The city ranges of a MaxMind DB buffer, in address order within each family (IPv4 ranges
 * are 8-hex-digit keys, IPv6 ones 32); throws MmdbError when the buffer is not a usable MMDB.
 */
export function* cityRangesOfMmdb(db: Buffer): Generator<CityRange> {
  const metadata = metadataOf(db);
  const { nodeCount, recordSize } = metadata;
  const record = recordReader(db, recordSize, nodeCount);
  const dataStart = (nodeCount * recordSize) / 4 + DATA_SECTION_SEPARATOR;
  const decoder = new Decoder(db, dataStart, new Map());
  const bits = metadata.ipVersion === 6 ? 128 : 32;

  // The IPv4 subtree of an IPv6 tree: the node reached by 96 left turns from the root.
  let ipv4Node = -1;
  if (bits === 128) {
    let node = 0;
    for (let i = 0; i < 96 && node < nodeCount; i++) node = record(node, 0);
    if (node < nodeCount) ipv4Node = node;
  }

  const cities = new Map<number, ReturnType<typeof cityOfRecord>>();
  const cityAt = (pointer: number) => {
    let city = cities.get(pointer);
    if (city === undefined) {
      // mmdb-lib's decoder reads absolute file offsets (pointers inside the data are relative to dataStart)
      const offset = dataStart + pointer - nodeCount - DATA_SECTION_SEPARATOR;
      if (offset >= db.length) throw new MmdbError(`a record points past the end of the data section (${pointer})`);
      try {
        city = cityOfRecord(decoder.decode(offset).value);
      } catch (error) {
        throw new MmdbError(`a data record cannot be decoded (${(error as Error).message.split('\n')[0]})`);
      }
      cities.set(pointer, city);
    }
    return city;
  };

  /** Key of an address value: IPv4 (8 hex digits) under ::/96 of an IPv6 tree or in an IPv4 tree, else IPv6 (32). */
  const key = (value: bigint, ipv4: boolean) => (ipv4 ? value & 0xffffffffn : value).toString(16).padStart(ipv4 ? 8 : 32, '0');

  let pending: CityRange | null = null;
  let pendingEnd = -1n;
  /** Adds a network to `pending` when adjacent with the same payload; returns the range it closes, if any. */
  const add = (start: bigint, end: bigint, ipv4: boolean, pointer: number): CityRange | null => {
    const city = cityAt(pointer);
    if (city === null) return null;
    const startKey = key(start, ipv4);
    if (
      pending !== null &&
      pending.startKey.length === startKey.length &&
      pendingEnd + 1n === (ipv4 ? start & 0xffffffffn : start) &&
      pending.countryCode === city.countryCode &&
      pending.region === city.region &&
      pending.city === city.city
    ) {
      pending.endKey = key(end, ipv4);
      pendingEnd = ipv4 ? end & 0xffffffffn : end;
      return null;
    }
    const closed = pending;
    pending = { startKey, endKey: key(end, ipv4), ...city };
    pendingEnd = ipv4 ? end & 0xffffffffn : end;
    return closed;
  };

  // Depth-first, left before right (an explicit stack): networks come out in address order.
  type Item = { node: number; depth: number; prefix: bigint; data: boolean };
  const stack: Item[] = [{ node: 0, depth: 0, prefix: 0n, data: false }];
  while (stack.length > 0) {
    const { node, depth, prefix, data } = stack.pop()!;
    if (data) {
      const hostBits = BigInt(bits - depth);
      const start = prefix << hostBits;
      const end = start | ((1n << hostBits) - 1n);
      if (bits === 128 && prefix === 0n && depth < 96) {
        // a record covering all of ::/96 also answers every IPv4 address
        const closed = add(0n, 0xffffffffn, true, node);
        if (closed) yield closed;
      }
      // under ::/96 of an IPv6 tree: an IPv4 network
      const ipv4 = bits === 32 || (depth >= 96 && start >> 32n === 0n);
      const closed = add(start, end, ipv4, node);
      if (closed) yield closed;
      continue;
    }
    for (const side of [1, 0]) {
      const next = record(node, side);
      const childDepth = depth + 1;
      const childPrefix = (prefix << 1n) | BigInt(side);
      if (next > nodeCount) stack.push({ node: next, depth: childDepth, prefix: childPrefix, data: true });
      else if (next < nodeCount) {
        if (childDepth >= bits) throw new MmdbError('its search tree is deeper than the address length');
        // another path to the IPv4 subtree (::ffff:0:0/96, 2001::/32, 2002::/16): an alias, listed once under ::/96
        if (next === ipv4Node && !(childPrefix === 0n && childDepth === 96)) continue;
        stack.push({ node: next, depth: childDepth, prefix: childPrefix, data: false });
      }
    }
  }
  if (pending !== null) yield pending;
}

/** Reads the city ranges of a .mmdb file; a bad file stops with one line naming it. */
export function* readMmdbCityRanges(file: string): Generator<CityRange> {
  let db: Buffer;
  try {
    if (!statSync(file).isFile()) throw new LogflowError(`city MMDB ${file} is not a file`, 1, ['cityMmdb']);
    db = readFileSync(file);
  } catch (error) {
    if (error instanceof LogflowError) throw error;
    throw new LogflowError(`city MMDB ${file} cannot be read: ${(error as Error).message.split('\n')[0]}`, 1, ['cityMmdb']);
  }
  try {
    yield* cityRangesOfMmdb(db);
  } catch (error) {
    if (error instanceof MmdbError || error instanceof RangeError)
      throw new LogflowError(
        `${file} is not a usable MaxMind DB (.mmdb) file: ${error.message}; give a GeoLite2-City or DB-IP Lite city .mmdb`,
        1,
        ['cityMmdb'],
      );
    throw error;
  }
}
