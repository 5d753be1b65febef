import { formatType, type TypeProto } from './types.ts';

/**
 * JavaScript values <-> ZetaSQL ValueProto (as proto-loader represents it: camelCase fields,
 * 64-bit integers as strings), and the timestamp text form both engines are compared in.
 * Pure functions.
 */

/** A ZetaSQL ValueProto as proto-loader represents it (one field set, or none for NULL). */
export type ValueProto = Record<string, unknown>;

const MICROS_PER_SECOND = 1_000_000n;
const DAY_MS = 86_400_000;

/** Parses an ISO-like timestamp ('2015-05-17T10:05:03.123456Z', '2015-05-17 10:05:03+02:00') to epoch microseconds. */
export function timestampMicros(value: string | Date | bigint | number): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.round(value)) * 1000n;
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i.exec(value.trim());
  if (!m) throw new Error(`cannot read timestamp '${value}' (use ISO 8601, e.g. 2015-05-17T10:05:03.000001Z)`);
  let zone = (m[4] ?? 'Z').toUpperCase();
  if (zone === 'UTC') zone = 'Z';
  if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  if (Number.isNaN(ms)) throw new Error(`cannot read timestamp '${value}'`);
  const fraction = BigInt((m[3] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  return BigInt(ms) * 1000n + fraction;
}

/** Formats epoch microseconds as '2015-05-17T10:05:03.000001Z' (always six fractional digits, UTC). */
export function formatTimestamp(micros: bigint): string {
  let seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    fraction += MICROS_PER_SECOND;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${iso}.${fraction.toString().padStart(6, '0')}Z`;
}

function dateDays(value: string | Date): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(`${value.trim()}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`cannot read date '${String(value)}' (use YYYY-MM-DD)`);
  return Math.floor(ms / DAY_MS);
}

function formatDate(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

// DATETIME and TIME use ZetaSQL's bit-field encodings (public/civil_time.h):
// datetime seconds = year<<26 | month<<22 | day<<17 | hour<<12 | minute<<6 | second; time = that low part<<30 | nanos.
function encodeDatetime(value: string): { bitFieldDatetimeSeconds: string; nanos: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(value.trim());
  if (!m) throw new Error(`cannot read datetime '${value}' (use YYYY-MM-DDTHH:MM:SS[.ffffff])`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => BigInt(x!)) as [bigint, bigint, bigint, bigint, bigint, bigint];
  const bits = (y << 26n) | (mo << 22n) | (d << 17n) | (h << 12n) | (mi << 6n) | s;
  return { bitFieldDatetimeSeconds: bits.toString(), nanos: Number((m[7] ?? '').padEnd(9, '0') || '0') };
}

function two(n: bigint | number): string {
  return n.toString().padStart(2, '0');
}

function formatClock(bits: bigint, nanos: number): string {
  const h = (bits >> 12n) & 0x1fn;
  const mi = (bits >> 6n) & 0x3fn;
  const s = bits & 0x3fn;
  return `${two(h)}:${two(mi)}:${two(s)}.${Math.floor(nanos / 1000)
    .toString()
    .padStart(6, '0')}`;
}

function decodeDatetime(v: { bitFieldDatetimeSeconds?: string; nanos?: number }): string {
  const bits = BigInt(v.bitFieldDatetimeSeconds ?? '0');
  const y = bits >> 26n;
  const mo = (bits >> 22n) & 0xfn;
  const d = (bits >> 17n) & 0x1fn;
  return `${y.toString().padStart(4, '0')}-${two(mo)}-${two(d)}T${formatClock(bits, v.nanos ?? 0)}`;
}

function encodeTime(value: string): string {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(value.trim());
  if (!m) throw new Error(`cannot read time '${value}' (use HH:MM:SS[.ffffff])`);
  const bits = (BigInt(m[1]!) << 12n) | (BigInt(m[2]!) << 6n) | BigInt(m[3]!);
  return ((bits << 30n) | BigInt((m[4] ?? '').padEnd(9, '0') || '0')).toString();
}

function decodeTime(value: string): string {
  const v = BigInt(value);
  return formatClock(v >> 30n, Number(v & 0x3fffffffn));
}

// NUMERIC is a little-endian two's-complement integer scaled by 1e9; BIGNUMERIC by 1e38.
function decodeScaled(bytes: Uint8Array, scale: number): string {
  if (bytes.length === 0) return '0';
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function encodeScaled(value: string | number, scale: number): Buffer {
  const m = /^(-)?(\d*)(?:\.(\d*))?$/.exec(String(value).trim());
  if (!m) throw new Error(`cannot read numeric '${value}'`);
  let n = BigInt(`${m[2] || '0'}${(m[3] ?? '').padEnd(scale, '0').slice(0, scale)}`);
  if (m[1]) n = -n;
  const bytes: number[] = [];
  for (;;) {
    const byte = Number(n & 0xffn);
    bytes.push(byte);
    n >>= 8n;
    if ((n === 0n && !(byte & 0x80)) || (n === -1n && byte & 0x80)) break;
  }
  return Buffer.from(bytes);
}

/**
 * Encodes one JavaScript value as a ValueProto of the given type. Accepted inputs: null/undefined
 * for NULL; STRING string; INT64 number|bigint|string; FLOAT64 number; BOOL boolean; BYTES
 * Uint8Array or string (UTF-8); TIMESTAMP Date|ISO string|bigint epoch micros; DATE 'YYYY-MM-DD'|Date;
 * DATETIME/TIME ISO strings; NUMERIC string|number; JSON string (JSON text) or any other value
 * (serialised); ARRAY an array; STRUCT an object keyed by field name or an array in field order.
 */
export function encodeValue(value: unknown, type: TypeProto): ValueProto {
  if (value === null || value === undefined) return {};
  switch (type.typeKind) {
    case 'TYPE_STRING':
      return { stringValue: String(value) };
    case 'TYPE_INT64':
      return { int64Value: BigInt(value as bigint | number | string).toString() };
    case 'TYPE_DOUBLE':
      return { doubleValue: Number(value) };
    case 'TYPE_BOOL':
      return { boolValue: Boolean(value) };
    case 'TYPE_BYTES':
      return { bytesValue: typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value as Uint8Array) };
    case 'TYPE_TIMESTAMP': {
      const micros = timestampMicros(value as string | Date | bigint);
      let seconds = micros / MICROS_PER_SECOND;
      let fraction = micros % MICROS_PER_SECOND;
      if (fraction < 0n) {
        fraction += MICROS_PER_SECOND;
        seconds -= 1n;
      }
      return { timestampValue: { seconds: seconds.toString(), nanos: Number(fraction) * 1000 } };
    }
    case 'TYPE_DATE':
      return { dateValue: dateDays(value as string | Date) };
    case 'TYPE_DATETIME':
      return { datetimeValue: encodeDatetime(String(value)) };
    case 'TYPE_TIME':
      return { timeValue: encodeTime(String(value)) };
    case 'TYPE_NUMERIC':
      return { numericValue: encodeScaled(value as string, 9) };
    case 'TYPE_BIGNUMERIC':
      return { bignumericValue: encodeScaled(value as string, 38) };
    case 'TYPE_JSON':
      return { jsonValue: typeof value === 'string' ? value : JSON.stringify(value) };
    case 'TYPE_ARRAY': {
      if (!Array.isArray(value)) throw new Error(`expected an array for ${formatType(type)}, got ${typeof value}`);
      const element = type.arrayType!.elementType;
      return { arrayValue: { element: value.map((v) => encodeValue(v, element)) } };
    }
    case 'TYPE_STRUCT': {
      const fields = type.structType!.field;
      const values = Array.isArray(value) ? value : fields.map((f) => (value as Record<string, unknown>)[f.fieldName]);
      return { structValue: { field: fields.map((f, i) => encodeValue(values[i], f.fieldType)) } };
    }
    default:
      throw new Error(`cannot pass values of type ${formatType(type)} to the evaluator`);
  }
}

/**
 * Decodes a ValueProto of the given type. Outputs: NULL null; STRING/JSON string; INT64 bigint;
 * FLOAT64 number; BOOL boolean; BYTES Buffer; TIMESTAMP '2015-05-17T10:05:03.000000Z';
 * DATE 'YYYY-MM-DD'; DATETIME 'YYYY-MM-DDTHH:MM:SS.ffffff'; TIME 'HH:MM:SS.ffffff';
 * NUMERIC/BIGNUMERIC a decimal string; ARRAY an array; STRUCT an object keyed by field name.
 */
export function decodeValue(value: ValueProto | undefined, type: TypeProto): unknown {
  if (!value) return null;
  const which = (value.value as string | undefined) ?? Object.keys(value).find((k) => k.endsWith('Value'));
  if (!which) return null;
  const v = value[which];
  switch (which) {
    case 'stringValue':
    case 'jsonValue':
      return v as string;
    case 'int64Value':
    case 'uint64Value':
      return BigInt(v as string);
    case 'int32Value':
    case 'uint32Value':
    case 'doubleValue':
    case 'floatValue':
      return Number(v);
    case 'boolValue':
      return Boolean(v);
    case 'bytesValue':
      return Buffer.from(v as Uint8Array);
    case 'timestampValue': {
      const t = v as { seconds?: string; nanos?: number };
      return formatTimestamp(BigInt(t.seconds ?? '0') * MICROS_PER_SECOND + BigInt(Math.floor((t.nanos ?? 0) / 1000)));
    }
    case 'dateValue':
      return formatDate(v as number);
    case 'datetimeValue':
      return decodeDatetime(v as { bitFieldDatetimeSeconds?: string; nanos?: number });
    case 'timeValue':
      return decodeTime(v as string);
    case 'numericValue':
      return decodeScaled(v as Uint8Array, 9);
    case 'bignumericValue':
      return decodeScaled(v as Uint8Array, 38);
    case 'arrayValue': {
      const element = type.arrayType?.elementType ?? { typeKind: 'TYPE_UNKNOWN' };
      return ((v as { element?: ValueProto[] }).element ?? []).map((e) => decodeValue(e, element));
    }
    case 'structValue': {
      const fields = type.structType?.field ?? [];
      const cells = (v as { field?: ValueProto[] }).field ?? [];
      return Object.fromEntries(
        cells.map((cell, i) => [
          fields[i]?.fieldName || `_field_${i + 1}`,
          decodeValue(cell, fields[i]?.fieldType ?? { typeKind: 'TYPE_UNKNOWN' }),
        ]),
      );
    }
    default:
      throw new Error(`cannot read evaluator values of kind ${which}`);
  }
}
