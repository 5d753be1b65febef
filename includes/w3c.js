/**
 * W3C extended logs (IIS) whose `#Fields:` header decides the columns, per source, as GoAccess
 * reads them. The header lines land as lines of their source (log_format 'w3c'); the model
 * int_w3c_fields keeps one row per header with, for every common field, its position in the
 * header (computed once per header, not per line) and where the header's scope ends (the next
 * header of the source). int_lines_parsed joins each w3c line to the header whose scope holds
 * its byte offset (an equi-join on source_id with a range: at most one header per line, no
 * window or aggregate over the lines) and reads each field from the line split at its spaces,
 * at that position. A w3c line with no header before it keeps IIS's default fields (one
 * compiled RE2 pattern, log_formats.js IIS_FIELDS). Nothing is interpreted per row: the
 * header's positions are plain numbers, the field list is fixed when the project compiles.
 */

const lf = require('./log_formats');

/** The log_format whose lines take the columns of their #Fields: header. */
const FORMAT = 'w3c';

/** The W3C field names (lower case) of each common field, from log_formats.js W3C_FIELDS, in its order. */
const NAMES_BY_FIELD = (() => {
  const byField = {};
  for (const [name, field] of Object.entries(lf.W3C_FIELDS)) if (field) (byField[field] = byField[field] ?? []).push(name);
  return byField;
})();

/** Every common field a W3C header can carry (the columns of int_w3c_fields.field_positions). */
const HEADER_FIELDS = Object.keys(NAMES_BY_FIELD);

/** Columns int_lines_parsed adds to each line (headerItems) and reads back (extractFields, structureBranch). */
const COLUMNS = { count: 'w3c_field_count', positions: 'w3c_positions', words: 'w3c_words' };

/** The parse error of a w3c line whose field count differs from its header's. */
const COUNT_MISMATCH = "W3C line with a field count other than its #Fields: header's";
/** The parse error of a w3c line whose header has no date or no time field. */
const NO_TIME_FIELDS = 'W3C #Fields: header without date and time fields';

/**
 * The `w3c` format of parsing.lineFormats(): IIS's default, with every field a header can carry
 * (so parsing.field() reads them for w3c lines); `regexFields` are the default pattern's groups.
 * Other formats are returned as they are.
 * @param {string} name the format name
 * @param {object} compiled its compiled format (log_formats.js)
 */
function withHeaderFields(name, compiled) {
  if (name !== FORMAT) return compiled;
  const extra = HEADER_FIELDS.filter((f) => !compiled.fields.includes(f));
  return { ...compiled, fields: [...compiled.fields, ...extra], regexFields: compiled.fields };
}

/**
 * SQL: a `#Fields:` line's field names, lower case, as an array (int_w3c_fields).
 * @param {object} d dialect helpers
 * @param {string} line SQL of the header line
 */
function fieldNames(d, line) {
  const list = d.regexReplace(line, '^#Fields:[ \\t]*|[ \\t\\r]+$', '');
  return d.splitText(`lower(${d.regexReplace(list, '[ \\t]+', ' ')})`, ' ');
}

/** SQL: whether a line is a `#Fields:` directive. */
function isFieldsLine(d, line) {
  return d.regexContains(line, '^#Fields:');
}

/**
 * SQL: a STRUCT of every HEADER_FIELDS field's 0-based position in the header (NULL when the
 * header lacks it; the first of its W3C names that the header lists wins).
 * @param {string} names SQL of fieldNames()
 */
function fieldPositions(d, names) {
  return d.structOfQuoted(
    HEADER_FIELDS.map((field) => {
      const positions = NAMES_BY_FIELD[field].map((n) => d.arrayPosition(names, d.str(n)));
      return [field, positions.length === 1 ? positions[0] : `coalesce(${positions.join(', ')})`];
    }),
  );
}

/**
 * The join condition of a line `l` and its header `h` (int_w3c_fields): same source, the header
 * before the line and the line before the next header.
 */
function headerJoin(d, l, h) {
  return `${l}.log_format = ${d.str(FORMAT)} and ${h}.source_id = ${l}.source_id and ${h}.byte_offset < ${l}.byte_offset
    and (${l}.byte_offset < ${h}.next_byte_offset or ${h}.next_byte_offset is null)`;
}

/** Select items of the joined line: its header's field count and positions, and its words when it has a header. */
function headerItems(d, l, h) {
  return [
    `${h}.field_count as ${COLUMNS.count}`,
    `${h}.field_positions as ${COLUMNS.positions}`,
    `case when ${h}.field_count is not null then ${d.w3cWords(`${l}.raw_line`)} end as ${COLUMNS.words}`,
  ];
}

/**
 * SQL: the fields of a w3c line (compiled.fields, withHeaderFields) as a STRUCT: by position in
 * its words when it has a header and as many fields as the header (not a directive line; the
 * header has date and time), else all NULL (structureBranch says why); by IIS's default pattern
 * when it has no header.
 * @param {string} line SQL of the line text
 */
function extractFields(d, compiled, line) {
  const regexFields = compiled.regexFields ?? compiled.fields;
  const padding = compiled.fields.filter((f) => !regexFields.includes(f));
  const fits = `${COLUMNS.count} = ${d.arrayLength(COLUMNS.words)} and not starts_with(${line}, '#')
      and ${COLUMNS.positions}.date is not null and ${COLUMNS.positions}.time is not null`;
  const byPosition = d.structOfQuoted(
    [...regexFields, ...padding].map((f) => [f, `case when ${fits} then ${d.arrayAt(COLUMNS.words, `${COLUMNS.positions}.${f}`)} end`]),
  );
  const byDefault = d.regexExtractFieldsPadded(line, compiled.pattern, regexFields, padding);
  return `(case when ${COLUMNS.words} is null then ${byDefault} else ${byPosition} end)`;
}

/** A `when` branch of parsing.structureError for w3c lines with a header that did not fit it. */
function structureBranch(d, format) {
  return `when ${format} = ${d.str(FORMAT)} and ${COLUMNS.count} is not null then (case
          when ${COLUMNS.positions}.date is null or ${COLUMNS.positions}.time is null then ${d.str(NO_TIME_FIELDS)}
          else ${d.str(COUNT_MISMATCH)} end)`;
}

module.exports = {
  FORMAT,
  HEADER_FIELDS,
  COLUMNS,
  COUNT_MISMATCH,
  NO_TIME_FIELDS,
  withHeaderFields,
  fieldNames,
  isFieldsLine,
  fieldPositions,
  headerJoin,
  headerItems,
  extractFields,
  structureBranch,
};
