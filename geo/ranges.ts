import { ipKey } from '../functions/ip-key.ts';
import { loadInclude } from '../warehouse/includes.ts';

/** includes/geo.js, shared with the SQL lookup so loader and queries agree on buckets. */
export interface GeoInclude {
  BUCKET_LEVELS: Record<'4' | '6', number[]>;
  UNKNOWN_COUNTRY: string;
  SPECIAL_RANGES: Array<[string, string, string]>;
  lookupKey(key: string): string;
  ipScope(key: string): string;
  ipBuckets(relation: string): string;
  ipLocationsSql(tables: { ipKeys: string; countryRanges: string; asnRanges: string; cityRanges?: string }): string;
  GEO_COLUMN_DOCS: Record<string, string>;
}

export const GEO = loadInclude<GeoInclude>('geo');

export type RangeKind = 'country' | 'asn' | 'city';

/** Column layout of a ranges CSV, per kind (documented in `logflow geo --help`). */
export const CSV_COLUMNS: Record<RangeKind, string> = {
  country: 'start,end,country_code',
  asn: 'start,end,asn,org',
  city: 'start,end,country_code,region,city',
};

export interface CountryRange {
  startKey: string;
  endKey: string;
  countryCode: string;
}

export interface AsnRange {
  startKey: string;
  endKey: string;
  asn: number;
  org: string | null;
}

export interface CityRange {
  startKey: string;
  endKey: string;
  countryCode: string;
  region: string | null;
  city: string | null;
}

/** A row of a reference table: one range under one bucket. */
export interface BucketedRange {
  bucket: string;
  startKey: string;
  endKey: string;
}

/** Splits one CSV line (RFC 4180 quoting, no embedded newlines). Returns null on an unterminated quote. */
export function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i >= line.length) return fields;
      if (line[i] !== ',') return null;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** A problem with one CSV line, reported with the file and line number by the caller. */
export class RangeLineError extends Error {}

function parseBounds(start: string | undefined, end: string | undefined): { startKey: string; endKey: string } {
  const startKey = ipKey((start ?? '').trim());
  const endKey = ipKey((end ?? '').trim());
  if (startKey === null) throw new RangeLineError(`start '${start ?? ''}' is not an IPv4/IPv6 address`);
  if (endKey === null) throw new RangeLineError(`end '${end ?? ''}' is not an IPv4/IPv6 address`);
  if (startKey.length !== endKey.length) throw new RangeLineError(`start ${start} and end ${end} are of different IP versions`);
  if (startKey > endKey) throw new RangeLineError(`start ${start} is after end ${end}`);
  return { startKey, endKey };
}

/** Parses the fields of a country CSV line: start,end,country_code. */
export function parseCountryFields(fields: string[]): CountryRange {
  if (fields.length < 3) throw new RangeLineError(`expected 3 columns (${CSV_COLUMNS.country}), got ${fields.length}`);
  const code = (fields[2] ?? '').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) throw new RangeLineError(`country_code '${fields[2]}' is not a two-letter ISO 3166 code`);
  return { ...parseBounds(fields[0], fields[1]), countryCode: code };
}

/** Parses the fields of an ASN CSV line: start,end,asn,org (asn may be written AS15169). */
export function parseAsnFields(fields: string[]): AsnRange {
  if (fields.length < 3) throw new RangeLineError(`expected 4 columns (${CSV_COLUMNS.asn}), got ${fields.length}`);
  const text = (fields[2] ?? '').trim().replace(/^AS/i, '');
  if (!/^\d{1,10}$/.test(text) || Number(text) > 4294967295)
    throw new RangeLineError(`asn '${fields[2]}' is not an AS number (0-4294967295)`);
  const org = (fields[3] ?? '').trim();
  return { ...parseBounds(fields[0], fields[1]), asn: Number(text), org: org === '' ? null : org };
}

/**
 * Parses the fields of a city CSV line: start,end,country_code,region,city (region and city may
 * be empty: NULL). region is the first-level subdivision name (e.g. California).
 */
export function parseCityFields(fields: string[]): CityRange {
  if (fields.length < 5) throw new RangeLineError(`expected 5 columns (${CSV_COLUMNS.city}), got ${fields.length}`);
  const code = (fields[2] ?? '').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) throw new RangeLineError(`country_code '${fields[2]}' is not a two-letter ISO 3166 code`);
  const region = (fields[3] ?? '').trim();
  const city = (fields[4] ?? '').trim();
  return {
    ...parseBounds(fields[0], fields[1]),
    countryCode: code,
    region: region === '' ? null : region,
    city: city === '' ? null : city,
  };
}

/** True when the first line of a file is a header rather than data (its first field is not an address). */
export function isHeader(fields: string[]): boolean {
  return ipKey((fields[0] ?? '').trim()) === null && /[a-z]/i.test(fields[0] ?? '');
}

/**
 * The reference-table rows of one range: stored once under the narrowest bucket that holds it
 * whole, or repeated under every coarsest-level bucket it covers when it is wider.
 */
export function bucketsOf(startKey: string, endKey: string): string[] {
  const family = startKey.length === 8 ? '4' : '6';
  const levels = GEO.BUCKET_LEVELS[family];
  for (const n of levels) {
    if (startKey.slice(0, n) === endKey.slice(0, n)) return [family + startKey.slice(0, n)];
  }
  const n = levels[levels.length - 1]!;
  const first = Number.parseInt(startKey.slice(0, n), 16);
  const last = Number.parseInt(endKey.slice(0, n), 16);
  const out: string[] = [];
  for (let p = first; p <= last; p++) out.push(family + p.toString(16).padStart(n, '0'));
  return out;
}
