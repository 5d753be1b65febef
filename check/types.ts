/**
 * BigQuery type names <-> ZetaSQL TypeProto (values: values.ts). Pure functions; the gRPC client
 * in zetasql.ts sends and receives these protos as plain objects (proto-loader with camelCase
 * field names, enums as strings).
 */

/** A ZetaSQL TypeProto as proto-loader represents it. */
export interface TypeProto {
  typeKind: string;
  arrayType?: { elementType: TypeProto };
  structType?: { field: { fieldName: string; fieldType: TypeProto }[] };
}

const SIMPLE: Record<string, string> = {
  STRING: 'TYPE_STRING',
  INT64: 'TYPE_INT64',
  FLOAT64: 'TYPE_DOUBLE',
  BOOL: 'TYPE_BOOL',
  BYTES: 'TYPE_BYTES',
  DATE: 'TYPE_DATE',
  DATETIME: 'TYPE_DATETIME',
  TIME: 'TYPE_TIME',
  TIMESTAMP: 'TYPE_TIMESTAMP',
  NUMERIC: 'TYPE_NUMERIC',
  BIGNUMERIC: 'TYPE_BIGNUMERIC',
  JSON: 'TYPE_JSON',
  INTERVAL: 'TYPE_INTERVAL',
  GEOGRAPHY: 'TYPE_GEOGRAPHY',
};
const ALIASES: Record<string, string> = {
  INT: 'INT64',
  INTEGER: 'INT64',
  BIGINT: 'INT64',
  SMALLINT: 'INT64',
  TINYINT: 'INT64',
  BYTEINT: 'INT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  DECIMAL: 'NUMERIC',
  BIGDECIMAL: 'BIGNUMERIC',
};
const NAMES = Object.fromEntries(Object.entries(SIMPLE).map(([name, kind]) => [kind, name]));

/**
 * Parses a BigQuery type name (`STRING`, `ARRAY<INT64>`, `STRUCT<a STRING, b ARRAY<DATE>>`;
 * case-insensitive, standard aliases such as INTEGER and BOOLEAN accepted) into a TypeProto.
 */
export function parseType(text: string): TypeProto {
  let pos = 0;
  const s = text.trim();
  const fail = (what: string): never => {
    throw new Error(`cannot parse BigQuery type '${text}': ${what} at position ${pos}`);
  };
  const skip = () => {
    while (pos < s.length && /\s/.test(s[pos]!)) pos++;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^`[^`]+`/.exec(s.slice(pos));
    if (!m) return fail('expected a name');
    pos += m[0].length;
    return m[0].replaceAll('`', '');
  };
  const expect = (ch: string) => {
    skip();
    if (s[pos] !== ch) fail(`expected '${ch}'`);
    pos++;
  };
  const type = (): TypeProto => {
    const raw = word().toUpperCase();
    const name = ALIASES[raw] ?? raw;
    if (name === 'ARRAY') {
      expect('<');
      const elementType = type();
      expect('>');
      return { typeKind: 'TYPE_ARRAY', arrayType: { elementType } };
    }
    if (name === 'STRUCT') {
      expect('<');
      const field: { fieldName: string; fieldType: TypeProto }[] = [];
      for (;;) {
        skip();
        if (s[pos] === '>') break;
        const fieldName = word();
        field.push({ fieldName, fieldType: type() });
        skip();
        if (s[pos] === ',') pos++;
        else break;
      }
      expect('>');
      return { typeKind: 'TYPE_STRUCT', structType: { field } };
    }
    const kind = SIMPLE[name];
    if (!kind) return fail(`unknown type ${raw}`);
    skip();
    if (s[pos] === '(') {
      // Parameterised types (STRING(10), NUMERIC(10, 2)) analyse as their base type.
      const close = s.indexOf(')', pos);
      if (close < 0) fail("expected ')'");
      pos = close + 1;
    }
    return { typeKind: kind };
  };
  const result = type();
  skip();
  if (pos !== s.length) fail('unexpected text');
  return result;
}

/** Formats a TypeProto as the BigQuery type name (`ARRAY<STRUCT<a STRING>>`). */
export function formatType(type: TypeProto): string {
  if (type.typeKind === 'TYPE_ARRAY' && type.arrayType) return `ARRAY<${formatType(type.arrayType.elementType)}>`;
  if (type.typeKind === 'TYPE_STRUCT' && type.structType) {
    return `STRUCT<${type.structType.field.map((f) => `${f.fieldName ?? ''} ${formatType(f.fieldType)}`.trim()).join(', ')}>`;
  }
  return NAMES[type.typeKind] ?? type.typeKind.replace(/^TYPE_/, '');
}

/** Strips proto-loader noise (nulls, empty defaults) so a TypeProto from a response can be sent back. */
export function cleanType(type: TypeProto): TypeProto {
  const out: TypeProto = { typeKind: type.typeKind };
  if (type.typeKind === 'TYPE_ARRAY' && type.arrayType) out.arrayType = { elementType: cleanType(type.arrayType.elementType) };
  if (type.typeKind === 'TYPE_STRUCT' && type.structType) {
    out.structType = {
      field: (type.structType.field ?? []).map((f) => ({ fieldName: f.fieldName ?? '', fieldType: cleanType(f.fieldType) })),
    };
  }
  return out;
}
