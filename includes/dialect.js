/**
 * The dialect layer: the only place where BigQuery and DuckDB spellings differ.
 *
 * Models call these helpers (`${dialect.safeCast("x", "int64")}`) and never spell a
 * warehouse-specific function themselves. The warehouse comes from the project var
 * `warehouse` (`bigquery`, the default, or `duckdb`, set by the local executor).
 *
 * Every helper takes SQL expressions (strings of SQL we write, never user data) and returns
 * a SQL fragment. `forWarehouse(name)` returns the helpers for one warehouse, which is what
 * the unit tests call; the top-level exports pick the warehouse from the project var.
 *
 * Rules the helpers encode (checked in tests/dialect on both warehouses):
 * - Regexes are RE2 in both warehouses; `regexContains` is a partial match in both.
 * - Extraction returns NULL when the pattern does not match (DuckDB natively returns '').
 * - Timestamps are TIMESTAMP (BigQuery) / TIMESTAMPTZ (DuckDB, session time zone UTC).
 * - Differences in seconds truncate toward zero, like BigQuery's TIMESTAMP_DIFF.
 * - Ids are lowercase hex MD5 digests, identical in both warehouses.
 */

const WAREHOUSES = ['bigquery', 'duckdb'];

const TYPES = {
  string: { bigquery: 'STRING', duckdb: 'VARCHAR' },
  int64: { bigquery: 'INT64', duckdb: 'BIGINT' },
  float64: { bigquery: 'FLOAT64', duckdb: 'DOUBLE' },
  bool: { bigquery: 'BOOL', duckdb: 'BOOLEAN' },
  timestamp: { bigquery: 'TIMESTAMP', duckdb: 'TIMESTAMPTZ' },
  date: { bigquery: 'DATE', duckdb: 'DATE' },
  bytes: { bigquery: 'BYTES', duckdb: 'BLOB' },
  json: { bigquery: 'JSON', duckdb: 'JSON' },
};

const TIME_UNITS = ['microsecond', 'millisecond', 'second', 'minute', 'hour', 'day'];

/** Text of a whole number as both warehouses cast it to INT64 alike: optional '-', ASCII digits. */
const INTEGER_TEXT = '^-?[0-9]+$';

/** RE2 for each strftime directive parseTimestamp accepts, as strict as BigQuery's parser or stricter. */
const TIMESTAMP_DIRECTIVES = {
  Y: '(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})',
  m: '(?:0[1-9]|1[0-2])',
  b: '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)',
  d: '(?:0[1-9]|[12][0-9]|3[01])',
  H: '(?:[01][0-9]|2[0-3])',
  M: '[0-5][0-9]',
  S: '[0-5][0-9]',
  z: '[+-](?:(?:0[0-9]|1[0-3])[0-5][0-9]|1400)',
};

/** BigQuery's TIMESTAMP range, as DuckDB TIMESTAMPTZ literals. */
const TIMESTAMP_MIN_DUCKDB = "cast('0001-01-01 00:00:00+00' as timestamptz)";
const TIMESTAMP_MAX_DUCKDB = "cast('9999-12-31 23:59:59.999999+00' as timestamptz)";

/**
 * The whole-text RE2 pattern of a strftime format (directives in TIMESTAMP_DIRECTIVES, other
 * characters literal), e.g. '%d/%b/%Y:%H:%M:%S %z'.
 * @param {string} format
 */
function timestampShape(format) {
  let out = '^';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === '%') {
      const directive = format[++i];
      const pattern = TIMESTAMP_DIRECTIVES[directive];
      if (!pattern)
        throw new Error(
          `dialect.parseTimestamp: unsupported directive '%${directive ?? ''}' in '${format}' (supported: ${Object.keys(
            TIMESTAMP_DIRECTIVES,
          )
            .map((k) => '%' + k)
            .join(' ')})`,
        );
      out += pattern;
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return out + '$';
}

/**
 * Rewrites every capturing group of an RE2 pattern except the `keep`-th (1-based) as
 * non-capturing, so that BigQuery's REGEXP_EXTRACT (one group at most) can extract it.
 * Understands escapes, character classes and `(?...)` groups.
 * @param {string} pattern
 * @param {number} keep
 * @returns {{ pattern: string, groups: number }}
 */
function isolateGroup(pattern, keep) {
  let out = '';
  let group = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      out += c + (pattern[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
      continue;
    }
    if (c === '(' && pattern[i + 1] !== '?') {
      group++;
      out += group === keep ? '(' : '(?:';
      continue;
    }
    out += c;
  }
  return { pattern: out, groups: group };
}

/** Width of each TIMESTAMP_DIRECTIVES directive's text (all are fixed). */
const DIRECTIVE_WIDTHS = { Y: 4, m: 2, b: 3, d: 2, H: 2, M: 2, S: 2, z: 5 };

/** The 1-based position of %Y's four digits in a text of timestampShape(format), or null when the format has no %Y. */
function yearPosition(format) {
  let at = 1;
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') {
      at++;
      continue;
    }
    const directive = format[++i];
    if (directive === 'Y') return at;
    const width = DIRECTIVE_WIDTHS[directive];
    if (width === undefined) return null;
    at += width;
  }
  return null;
}

/**
 * @param {string} warehouse `bigquery` or `duckdb`
 */
function forWarehouse(warehouse) {
  if (!WAREHOUSES.includes(warehouse)) {
    throw new Error(`dialect: unknown warehouse '${warehouse}' (expected ${WAREHOUSES.join(' or ')}); set the project var 'warehouse'`);
  }
  const bq = warehouse === 'bigquery';

  /** A SQL type name for a logical type (string, int64, float64, bool, timestamp, date, bytes, json). */
  function type(name) {
    const t = TYPES[name];
    if (!t) throw new Error(`dialect.type: unknown type '${name}' (known: ${Object.keys(TYPES).join(', ')})`);
    return t[warehouse];
  }

  function unit(name) {
    const u = String(name).toLowerCase();
    if (!TIME_UNITS.includes(u)) throw new Error(`dialect: unknown time unit '${name}' (known: ${TIME_UNITS.join(', ')})`);
    return u;
  }

  /** A string literal for a constant we write (never for data). */
  function str(value) {
    const s = String(value);
    if (bq) {
      return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
    }
    return `'${s.replace(/'/g, "''")}'`;
  }

  /** A regex literal: a raw string in BigQuery where possible, a plain string in DuckDB. */
  function regex(pattern) {
    if (bq && !pattern.includes("'") && !pattern.endsWith('\\') && !/[\n\r]/.test(pattern)) return `r'${pattern}'`;
    if (bq && !pattern.includes('"') && !pattern.endsWith('\\') && !/[\n\r]/.test(pattern)) return `r"${pattern}"`;
    return str(pattern);
  }

  function regexContains(expr, pattern) {
    return bq ? `regexp_contains(${expr}, ${regex(pattern)})` : `regexp_matches(${expr}, ${regex(pattern)})`;
  }

  return {
    warehouse,
    /**
     * Whether a read costs by the partitions it touches (BigQuery): watermark reads are bounded to
     * recent partitions there. On DuckDB the newest value of a whole column is cheap and exact.
     */
    prunesPartitions: () => bq,
    type,
    str,
    regex,

    /** Partial-match regex test (RE2). */
    regexContains(expr, pattern) {
      return regexContains(expr, pattern);
    },

    /** The first capturing group of `pattern` in `expr`, or NULL when it does not match. */
    regexExtract(expr, pattern) {
      if (bq) return `regexp_extract(${expr}, ${regex(pattern)})`;
      return `(case when regexp_matches(${expr}, ${regex(pattern)}) then regexp_extract(${expr}, ${regex(pattern)}, 1) end)`;
    },

    /**
     * Extracts every capturing group of `pattern` at once into a STRUCT with fields `names`
     * (one name per capturing group, in order). DuckDB does it in one regexp_extract call;
     * BigQuery extracts each group with its own pattern. A field is NULL or '' when its
     * group did not take part or the pattern did not match: read fields through
     * `nullIfEmpty`, and test the match with `regexContains`.
     */
    regexExtractFields(expr, pattern, names) {
      const { groups } = isolateGroup(pattern, 0);
      if (groups !== names.length) {
        throw new Error(`dialect.regexExtractFields: pattern has ${groups} capturing groups but ${names.length} names were given`);
      }
      if (!bq) return `regexp_extract(${expr}, ${regex(pattern)}, [${names.map(str).join(', ')}])`;
      const fields = names.map((name, i) => `regexp_extract(${expr}, ${regex(isolateGroup(pattern, i + 1).pattern)}) as ${name}`);
      return `struct(${fields.join(', ')})`;
    },

    /** Replaces every match (BigQuery's default; DuckDB needs the 'g' flag). Backreferences as \\1. */
    regexReplace(expr, pattern, replacement) {
      return bq
        ? `regexp_replace(${expr}, ${regex(pattern)}, ${str(replacement)})`
        : `regexp_replace(${expr}, ${regex(pattern)}, ${str(replacement)}, 'g')`;
    },

    /** NULL for '' (regex extraction gives '' for absent groups in DuckDB). */
    nullIfEmpty(expr) {
      return `nullif(${expr}, '')`;
    },

    /**
     * Parses text with a strftime-style format into a UTC timestamp; NULL if invalid. The text
     * must have the format's exact shape in both warehouses (timestampShape: two-digit day, hour,
     * minute and second, seconds 00-59, English month abbreviations as written, four-digit year
     * 0001-9999, offsets -1400 to +1400 with minutes 00-59, no surrounding space), and the result
     * must lie in BigQuery's TIMESTAMP range (0001-01-01 to 9999-12-31 UTC); DuckDB alone would
     * accept more (years 0 and 10000, offsets like +9999, one-digit fields, leap seconds only in
     * BigQuery).
     */
    parseTimestamp(format, expr) {
      const shape = regexContains(expr, timestampShape(format));
      if (bq) return `(case when ${shape} then safe.parse_timestamp(${str(format)}, ${expr}) end)`;
      const parsed = `try_strptime(${expr}, ${str(format)})`;
      return `(case when ${shape} and ${parsed} between ${TIMESTAMP_MIN_DUCKDB} and ${TIMESTAMP_MAX_DUCKDB} then ${parsed} end)`;
    },

    /** Formats a timestamp in UTC. %Y is always four digits (BigQuery's own %Y writes year 1 as '1'). */
    formatTimestamp(format, expr) {
      if (!bq) return `strftime(${expr}, ${str(format)})`;
      const fourDigitYears = format.replace(/%([%Y])/g, (_, c) => (c === 'Y' ? '%E4Y' : '%%'));
      return `format_timestamp(${str(fourDigitYears)}, ${expr}, 'UTC')`;
    },

    /** A timestamp literal from an ISO 8601 text with offset, e.g. '2026-11-01 00:00:00+00'. */
    timestampLiteral(text) {
      return bq ? `timestamp ${str(text)}` : `cast(${str(text)} as timestamptz)`;
    },

    /** Whole `unit`s from `earlier` to `later`, truncated toward zero (BigQuery TIMESTAMP_DIFF). */
    timestampDiff(later, earlier, unitName) {
      const u = unit(unitName);
      if (bq) return `timestamp_diff(${later}, ${earlier}, ${u})`;
      const micros = { microsecond: 1, millisecond: 1000, second: 1000000, minute: 60000000, hour: 3600000000, day: 86400000000 }[u];
      return `((epoch_us(${later}) - epoch_us(${earlier})) // ${micros})`;
    },

    /** `ts` plus `amount` (a SQL integer expression) `unit`s. */
    timestampAdd(ts, amount, unitName) {
      const u = unit(unitName);
      return bq ? `timestamp_add(${ts}, interval ${amount} ${u})` : `(${ts} + (${amount}) * interval 1 ${u})`;
    },

    /** `ts` minus `amount` (a SQL integer expression) `unit`s. */
    timestampSub(ts, amount, unitName) {
      const u = unit(unitName);
      return bq ? `timestamp_sub(${ts}, interval ${amount} ${u})` : `(${ts} - (${amount}) * interval 1 ${u})`;
    },

    /**
     * Truncates a timestamp to a unit (minute, hour, day), in UTC. DuckDB works on the UTC
     * wall time (a plain TIMESTAMP from the microseconds since the epoch) instead of the
     * TIMESTAMPTZ, whose date_trunc goes through ICU's calendar per row (10x slower on 1M
     * rows); same value, and independent of the session time zone.
     */
    timestampTrunc(ts, unitName) {
      const u = unit(unitName);
      return bq ? `timestamp_trunc(${ts}, ${u})` : `make_timestamptz(epoch_us(date_trunc('${u}', make_timestamp(epoch_us(${ts})))))`;
    },

    /**
     * The UTC calendar date of a timestamp. DuckDB casts the UTC wall time (a plain TIMESTAMP)
     * to DATE: the same value as a time-zone cast, without ICU's per-row calendar (10x faster).
     */
    dateOf(ts) {
      return bq ? `date(${ts})` : `cast(make_timestamp(epoch_us(${ts})) as date)`;
    },

    /**
     * The timestamp `micros` (INT64) microseconds after the Unix epoch; NULL outside BigQuery's
     * TIMESTAMP range (0001-01-01 to 9999-12-31 UTC), where BigQuery's TIMESTAMP_MICROS would fail.
     */
    timestampFromMicros(micros) {
      const inRange = `${micros} between -62135596800000000 and 253402300799999999`;
      return bq
        ? `(case when ${inRange} then timestamp_micros(${micros}) end)`
        : `(case when ${inRange} then timezone('UTC', make_timestamp(${micros})) end)`;
    },

    /** Microseconds since the Unix epoch, as INT64. */
    unixMicros(ts) {
      return bq ? `unix_micros(${ts})` : `epoch_us(${ts})`;
    },

    /** The current time. */
    currentTimestamp() {
      return bq ? 'current_timestamp()' : 'current_timestamp';
    },

    /**
     * CAST that yields NULL instead of failing. To int64 the input is text and must be an
     * optional '-' then ASCII digits (in int64's range): DuckDB alone would round '200.5' and
     * read '1e3', '1_000' and ' 12', which BigQuery refuses.
     */
    safeCast(expr, typeName) {
      const cast = bq ? `safe_cast(${expr} as ${type(typeName)})` : `try_cast(${expr} as ${type(typeName)})`;
      if (typeName !== 'int64') return cast;
      return `(case when ${regexContains(expr, INTEGER_TEXT)} then ${cast} end)`;
    },

    /** CAST to a logical type. */
    cast(expr, typeName) {
      return `cast(${expr} as ${type(typeName)})`;
    },

    /** a / b as FLOAT64, NULL when b is 0. */
    safeDivide(a, b) {
      return bq ? `safe_divide(${a}, ${b})` : `(${a} / nullif(${b}, 0))`;
    },

    /** Integer division truncating toward zero. */
    intDiv(a, b) {
      return bq ? `div(${a}, ${b})` : `(${a} // ${b})`;
    },

    /** Number of rows where `condition` is true. */
    countIf(condition) {
      return bq ? `countif(${condition})` : `count_if(${condition})`;
    },

    /** TRUE if `condition` is true for any row. */
    logicalOr(condition) {
      return bq ? `logical_or(${condition})` : `bool_or(${condition})`;
    },

    /** TRUE if `condition` is true for every row. */
    logicalAnd(condition) {
      return bq ? `logical_and(${condition})` : `bool_and(${condition})`;
    },

    /**
     * Aggregate: `expr` of the group's first row by `orderBy` (SQL expressions, ascending; the
     * last row with `last`), among the rows where `where` holds (all when omitted); NULL when
     * none. NULL values of `expr` are kept (the row's value, not the first non-NULL one). The
     * order must be unique within the group (no ties). One pass, no window: DuckDB's arg_min /
     * arg_max on a one-field struct, BigQuery's ARRAY_AGG(... ORDER BY ... LIMIT 1).
     */
    firstBy(expr, orderBy, options = {}) {
      const { last = false, where } = options;
      if (!bq) {
        const fn = last ? 'arg_max' : 'arg_min';
        return `(${fn}({'v': ${expr}}, (${orderBy.join(', ')}))${where ? ` filter (where ${where})` : ''}).v`;
      }
      const item = where ? `if(${where}, struct(${expr} as v), null)` : `struct(${expr} as v)`;
      const order = orderBy.map((o) => `${o}${last ? ' desc' : ''}`).join(', ');
      return `array_agg(${item} ignore nulls order by ${order} limit 1)[safe_offset(0)].v`;
    },

    /** Lowercase hex MD5 of a STRING or BYTES expression (same text in both warehouses). */
    md5Hex(expr) {
      return bq ? `to_hex(md5(${expr}))` : `md5(${expr})`;
    },

    /**
     * A deterministic id: lowercase hex MD5 of the parts (SQL expressions, cast to string),
     * joined with a unit separator; NULL parts count as the text '\N'.
     */
    hashId(...parts) {
      if (parts.length === 0) throw new Error('dialect.hashId: give at least one part');
      const nullMarker = str('\\N');
      const separator = bq ? "'\\x1f'" : 'chr(31)';
      const text = parts.map((p) => `coalesce(cast(${p} as ${type('string')}), ${nullMarker})`).join(` || ${separator} || `);
      return bq ? `to_hex(md5(${text}))` : `md5(${text})`;
    },

    /**
     * The scalar at `$.key` of a JSON expression as text: a string's value, 'true'/'false', or
     * an integer number written without fraction or exponent (its digits, -0 as 0). NULL when
     * absent, null, an object or array, or any other number (the two warehouses print those
     * differently: BigQuery writes 2e2 as '200.0', DuckDB as '2e2').
     */
    jsonValue(expr, key) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`dialect.jsonValue: key '${key}' must be a plain identifier`);
      const path = `'$.${key}'`;
      if (bq) {
        const value = `json_value(${expr}, ${path})`;
        return `(case json_type(json_query(${expr}, ${path})) when 'string' then ${value} when 'boolean' then ${value} when 'number' then (case when ${regexContains(value, INTEGER_TEXT)} then ${value} end) end)`;
      }
      const at = `json_extract(${expr}, ${path})`;
      return `(case json_type(${expr}, ${path}) when 'VARCHAR' then json_extract_string(${expr}, ${path}) when 'BOOLEAN' then json_extract_string(${expr}, ${path}) when 'BIGINT' then cast(cast(${at} as bigint) as varchar) when 'UBIGINT' then cast(cast(${at} as ubigint) as varchar) end)`;
    },

    /**
     * jsonValue at a JSON path (`$.request.headers."User-Agent"[0]`, as log_formats.jsonPath
     * writes it: plain keys, double-quoted keys, array indexes), with jsonValue's rules.
     */
    jsonValueAt(expr, path) {
      if (!/^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\."[^"\\']*"|\[\d+\])*$/.test(path))
        throw new Error(`dialect.jsonValueAt: unsupported JSON path '${path}'`);
      const p = `'${path}'`;
      if (bq) {
        const value = `json_value(${expr}, ${p})`;
        return `(case json_type(json_query(${expr}, ${p})) when 'string' then ${value} when 'boolean' then ${value} when 'number' then (case when ${regexContains(value, INTEGER_TEXT)} then ${value} end) end)`;
      }
      const at = `json_extract(${expr}, ${p})`;
      return `(case json_type(${expr}, ${p}) when 'VARCHAR' then json_extract_string(${expr}, ${p}) when 'BOOLEAN' then json_extract_string(${expr}, ${p}) when 'BIGINT' then cast(cast(${at} as bigint) as varchar) when 'UBIGINT' then cast(cast(${at} as ubigint) as varchar) end)`;
    },

    /**
     * The JSON number at a path (see jsonValueAt) as FLOAT64, the same double in both
     * warehouses (both parse the decimal text to the nearest double); NULL when absent or not a number.
     */
    jsonNumberAt(expr, path) {
      if (!/^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\."[^"\\']*"|\[\d+\])*$/.test(path))
        throw new Error(`dialect.jsonNumberAt: unsupported JSON path '${path}'`);
      const p = `'${path}'`;
      if (bq) return `(case json_type(json_query(${expr}, ${p})) when 'number' then lax_float64(json_query(${expr}, ${p})) end)`;
      return `(case when json_type(${expr}, ${p}) in ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT') then try_cast(json_extract_string(${expr}, ${p}) as double) end)`;
    },

    /**
     * Parses a STRING of JSON text into JSON, NULL when it is not JSON. Strict RFC 8259 in both
     * warehouses; numbers too wide for a FLOAT64 are rounded (BigQuery's wide_number_mode
     * 'round'; its default 'exact' refuses any number a FLOAT64 cannot hold exactly), numbers
     * beyond FLOAT64's range make the text invalid (BigQuery refuses them in either mode), and
     * so does a leading byte order mark (BigQuery skips it, DuckDB refuses it).
     * DuckDB checks BigQuery's rules with the JavaScript function logflow_json_valid (its own
     * reader also takes trailing commas and 1e400).
     */
    parseJson(expr) {
      return bq
        ? `(case when not starts_with(${expr}, '\\ufeff') then safe.parse_json(${expr}, wide_number_mode => 'round') end)`
        : `(case when logflow_json_valid(${expr}) and json_valid(${expr}) then cast(${expr} as json) end)`;
    },

    /** Decodes BYTES as UTF-8, replacing invalid sequences with U+FFFD (never NULL for non-NULL input). */
    bytesToString(expr) {
      return bq ? `safe_convert_bytes_to_string(${expr})` : `coalesce(try(decode(${expr})), logflow_utf8_lossy(${expr}))`;
    },

    /** BYTES as STRING when they are valid UTF-8, else NULL; built-in functions only (no JavaScript function). */
    bytesToStringOrNull(expr) {
      return bq ? `safe_cast(${expr} as STRING)` : `try(decode(${expr}))`;
    },

    /** TRUE when BYTES are valid UTF-8. */
    isValidUtf8(expr) {
      return bq ? `(safe_cast(${expr} as STRING) is not null)` : `(try(decode(${expr})) is not null)`;
    },

    /** BYTES as lowercase hex text. */
    toHex(expr) {
      return bq ? `to_hex(${expr})` : `lower(hex(${expr}))`;
    },

    /** UTF-8 bytes of a STRING. */
    stringToBytes(expr) {
      return bq ? `cast(${expr} as BYTES)` : `encode(${expr})`;
    },

    /**
     * The address as lowercase hex (8 chars for IPv4, 32 for IPv6), NULL when invalid:
     * BigQuery's TO_HEX(NET.SAFE_IP_FROM_STRING(ip)); locally the same rules in a JS function.
     */
    ipKey(expr) {
      return bq ? `to_hex(net.safe_ip_from_string(${expr}))` : `logflow_ip_key(${expr})`;
    },

    /**
     * Parses a user agent with ua-parser-js 1.x into a STRUCT. `udf` is the function's
     * name as `ref()` renders it (the BigQuery persistent JS UDF); DuckDB uses the JS function
     * the local executor registers.
     */
    parseUserAgent(udf, expr) {
      return bq ? `${udf}(${expr})` : `logflow_parse_user_agent(${expr})`;
    },

    /** Element `index` (0-based) of an array, NULL when out of range. */
    arrayAt(arrayExpr, index) {
      return bq ? `${arrayExpr}[safe_offset(${index})]` : `${arrayExpr}[${index} + 1]`;
    },

    /**
     * A key for `count(distinct ...)` and `group by` that is equal for two rows exactly when
     * each of the parts (SQL expressions) is equal or both NULL, and never NULL itself (a row
     * of NULL parts is one value; put it under `case when ... end` to leave rows out). DuckDB:
     * the tuple itself (no hashing: 3-4x faster than an MD5 of the parts). BigQuery has no
     * COUNT(DISTINCT struct): the tuple's JSON text, which is injective (every string escaped
     * and quoted, NULL as null).
     */
    tupleKey(...parts) {
      if (parts.length === 0) throw new Error('dialect.tupleKey: give at least one part');
      if (bq) return `to_json_string(struct(${parts.map((p, i) => `${p} as k${i}`).join(', ')}))`;
      return `row(${parts.join(', ')})`;
    },

    /**
     * A script variable set from a scalar query before a model's query runs (put it in
     * pre_operations): BigQuery's DECLARE (a constant for partition pruning), DuckDB's SET
     * VARIABLE. Read it with `variable(name)`; names are per model (DuckDB's are per session).
     */
    declareVariable(name, typeName, expr) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`dialect.declareVariable: name '${name}' must be a plain identifier`);
      return bq ? `declare ${name} ${type(typeName)} default (${expr})` : `set variable ${name} = cast((${expr}) as ${type(typeName)})`;
    },

    /** The value of a variable set with `declareVariable`. */
    variable(name) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`dialect.variable: name '${name}' must be a plain identifier`);
      return bq ? name : `getvariable('${name}')`;
    },

    /**
     * Opens a multi-statement transaction around an action's delete + insert (BigQuery: the
     * conflicting one of two overlapping runs fails instead of inserting twice, and a failure
     * rolls back the delete). Empty on DuckDB: the local executor runs every action in one
     * transaction already (and Dataform drops empty operations).
     */
    beginTransaction() {
      return bq ? 'begin transaction' : '';
    },

    /** Commits the transaction opened by beginTransaction() (a post-operation); empty on DuckDB. */
    commitTransaction() {
      return bq ? 'commit transaction' : '';
    },

    /**
     * `expr IN (values)` for constant strings we write. DuckDB rewrites an IN list of more than a
     * few constants into a join against the list, which costs a hash join per list and makes a
     * CREATE TABLE AS serial; list_contains is a plain function. (For a NULL expr both give NULL
     * or FALSE, never TRUE.)
     * @param {string} expr
     * @param {string[]} values constants (not data)
     */
    inList(expr, values) {
      if (values.length === 0) return 'false';
      const list = values.map(str).join(', ');
      return bq ? `${expr} in (${list})` : `list_contains([${list}], ${expr})`;
    },

    /** `select * except (...)` spelling. */
    starExcept(columns) {
      return bq ? `* except (${columns.join(', ')})` : `* exclude (${columns.join(', ')})`;
    },

    // stg: several keys of one JSON value, parsed once (stg_landing__lines reads eight attributes).

    /**
     * The JSON `expr` parsed once for reading `keys` (plain identifiers) with jsonValueOf: select it
     * as a column and read the keys from that column in an outer query. DuckDB: a STRUCT of the
     * keys' JSON types and texts, two passes over the text for all the keys (jsonValue makes two
     * or three per key); BigQuery: `expr` itself (a JSON value is parsed already; JSON_VALUE reads a key).
     * @param {string} expr SQL of a JSON value
     * @param {string[]} keys
     */
    jsonValuesParse(expr, keys) {
      checkJsonKeys(keys);
      if (bq) return expr;
      const paths = `[${keys.map((k) => `'$.${k}'`).join(', ')}]`;
      return `{'types': json_type(${expr}, ${paths}), 'texts': json_extract_string(${expr}, ${paths})}`;
    },

    /**
     * jsonValue of `key` (one of `keys`) from `parsed`, a column holding jsonValuesParse(expr, keys):
     * the same value as jsonValue(expr, key), by the same rules.
     * @param {string} parsed
     * @param {string[]} keys the keys given to jsonValuesParse, in the same order
     * @param {string} key
     */
    jsonValueOf(parsed, keys, key) {
      const i = checkJsonKeys(keys).indexOf(key);
      if (i < 0) throw new Error(`dialect.jsonValueOf: key '${key}' is not among the parsed keys (${keys.join(', ')})`);
      if (bq) return this.jsonValue(parsed, key);
      const type = `${parsed}.types[${i + 1}]`;
      const text = `${parsed}.texts[${i + 1}]`;
      return `(case ${type} when 'VARCHAR' then ${text} when 'BOOLEAN' then ${text} when 'BIGINT' then cast(cast(${text} as bigint) as varchar) when 'UBIGINT' then cast(cast(${text} as ubigint) as varchar) end)`;
    },

    // parse: the fast paths of int_lines_parsed (includes/fast_paths.js).

    /** The pieces of a STRING between occurrences of `delimiter` (a constant), as an array; NULL for NULL. */
    splitText(expr, delimiter) {
      return bq ? `split(${expr}, ${str(delimiter)})` : `string_split(${expr}, ${str(delimiter)})`;
    },

    /** The number of elements of an array (NULL for NULL). */
    arrayLength(expr) {
      return bq ? `array_length(${expr})` : `len(${expr})`;
    },

    /** A STRUCT from [name, SQL expression] pairs (names are identifiers we write). */
    structOf(fields) {
      for (const [name] of fields)
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`dialect.structOf: field '${name}' must be a plain identifier`);
      return bq
        ? `struct(${fields.map(([name, expr]) => `${expr} as ${name}`).join(', ')})`
        : `struct_pack(${fields.map(([name, expr]) => `${name} := ${expr}`).join(', ')})`;
    },

    /**
     * The value regexExtractFields gives for a capturing group that took no part in the match:
     * '' in DuckDB (its regexp_extract), NULL in BigQuery (its REGEXP_EXTRACT).
     */
    absentGroup() {
      return bq ? `cast(null as ${type('string')})` : `''`;
    },

    /**
     * parseTimestamp(format, expr) with the same value in both warehouses, cheaper in DuckDB: a
     * text of the format's shape whose year is 0002-9998 always lies inside BigQuery's TIMESTAMP
     * range (an offset moves it by 14 hours at most), so only years 0001 and 9999 pay for the
     * range check (one strptime per line instead of two).
     */
    parseTimestampFast(format, expr) {
      const shape = regexContains(expr, timestampShape(format));
      if (bq) return `(case when ${shape} then safe.parse_timestamp(${str(format)}, ${expr}) end)`;
      const parsed = `try_strptime(${expr}, ${str(format)})`;
      const inRange = `${parsed} between ${TIMESTAMP_MIN_DUCKDB} and ${TIMESTAMP_MAX_DUCKDB}`;
      const year = yearPosition(format);
      if (year === null) return `(case when ${shape} and ${inRange} then ${parsed} end)`;
      return `(case when ${shape} then (case when substr(${expr}, ${year}, 4) between '0002' and '9998' then ${parsed} when ${inRange} then ${parsed} end) end)`;
    },

    /** The text without its leading spaces and tabs and its trailing spaces, tabs and CRs. */
    trimTrailer(expr) {
      return bq ? `rtrim(ltrim(${expr}, ' \\t'), ' \\t\\r')` : `rtrim(ltrim(${expr}, ' ' || chr(9)), ' ' || chr(9) || chr(13))`;
    },

    // w3c: W3C lines read by the columns of their #Fields: header (includes/w3c.js).

    /** 0-based position of the first element of an array of strings equal to `value`; NULL when none. */
    arrayPosition(arrayExpr, value) {
      return bq
        ? `(select min(o) from unnest(${arrayExpr}) as n with offset as o where n = ${value})`
        : `(list_position(${arrayExpr}, ${value}) - 1)`;
    },

    /** A line's space-separated fields as an array: tabs count as spaces, trailing spaces and CRs are dropped. */
    w3cWords(expr) {
      return bq
        ? `split(rtrim(translate(${expr}, '\\t', ' '), ' \\r'), ' ')`
        : `string_split(rtrim(translate(${expr}, chr(9), ' '), ' ' || chr(13)), ' ')`;
    },

    /** structOf(fields), names quoted in DuckDB (where `time` is a keyword). */
    structOfQuoted(fields) {
      const built = this.structOf(fields);
      return bq ? built : `struct_pack(${fields.map(([name, expr]) => `"${name}" := ${expr}`).join(', ')})`;
    },

    /**
     * regexExtractFields(expr, pattern, names) with more STRING fields `nullNames` after them, always
     * NULL (the same STRUCT type as a STRUCT built with structOf for names + nullNames).
     */
    regexExtractFieldsPadded(expr, pattern, names, nullNames) {
      const nulls = nullNames.map((name) => [name, `cast(null as ${type('string')})`]);
      for (const [name] of nulls)
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
          throw new Error(`dialect.regexExtractFieldsPadded: field '${name}' must be a plain identifier`);
      const extracted = this.regexExtractFields(expr, pattern, names);
      if (nulls.length === 0) return extracted;
      if (bq) return `${extracted.slice(0, -1)}, ${nulls.map(([name, value]) => `${value} as ${name}`).join(', ')})`;
      return `struct_insert(${extracted}, ${nulls.map(([name, value]) => `${name} := ${value}`).join(', ')})`;
    },

    /**
     * Whether a derivation of a repeated text column (a regex over referrers or paths) is cheaper
     * computed once per distinct value and joined back, at the cost of reading that column a
     * second time: DuckDB (a second read of one column costs little, the regex per row costs
     * more), not BigQuery (every read of a column is billed again; per-row work is not billed).
     */
    derivesPerDistinctValue: () => !bq,

    /**
     * Whether a group's values at its first/last row (a session's first hit) are better found by
     * aggregating numbers first and joining the edge rows back: DuckDB (aggregate states that hold
     * strings cannot spill, so one pass over 10M hits ran out of memory), not BigQuery (each
     * reference to a CTE reads its columns again, billed; array_agg ... limit 1 needs no spilling).
     */
    edgeValuesByJoin: () => !bq,

    /** A 64-bit fingerprint of a STRING (equal strings, equal fingerprints): BigQuery's FARM_FINGERPRINT, DuckDB's hash(). */
    fingerprint64(expr) {
      return bq ? `farm_fingerprint(${expr})` : `hash(${expr})`;
    },

    /**
     * A condition: the timestamp column `ts` falls on the UTC date `date` (a DATE expression: a
     * variable, a literal) or later; NULL when `date` is NULL. BigQuery: DATE(ts) >= date, which
     * prunes DATE(ts) partitions. DuckDB: ts from the start of that date in UTC on, a comparison
     * on the column itself that DuckDB checks against each row group's min/max (zone maps) once
     * the variable is folded, so a rebuild of the newest dates skips the row groups of older ones
     * (DATE(ts) >= date is evaluated on every row). The same rows either way.
     */
    onOrAfterDate(ts, date) {
      if (bq) return `date(${ts}) >= ${date}`;
      return `${ts} >= make_timestamptz(epoch_us(cast(${date} as timestamp)))`;
    },

    /**
     * One part of a hashId as the text it hashes (cast to string; NULL as the text '\N'): never
     * NULL, and hashId of such texts equals hashId of the parts themselves. A key of these texts
     * can stand for the id in an equality join (found once per distinct key, joined back).
     */
    hashIdPart(part) {
      return `coalesce(cast(${part} as ${type('string')}), ${str('\\N')})`;
    },

    /**
     * The position of a row of the table aliased `alias`, in commit order: DuckDB's rowid (a
     * transaction's appends get the next row ids when it commits, so rows committed after a
     * reader's snapshot have higher ones; checked by tests/dialect/row-position.test.ts). Stable
     * while the table is only appended to. BigQuery has none: a run reads new rows by partition.
     */
    rowPosition(alias) {
      if (bq) throw new Error('dialect.rowPosition: BigQuery tables have no row positions (read new rows by their partitions)');
      return `${alias}.rowid`;
    },

    /**
     * Script variables of one type set from one read (`values`: variable name -> aggregate over
     * `from`, a table and its WHERE): BigQuery declares each from its own query, as
     * declareVariable (a multi-variable SET needs a struct variable); DuckDB sets the struct
     * variable `name` in one statement, one read instead of one per value. `statements` has one
     * entry per value, DuckDB's after the first empty (Dataform and the local executor drop empty
     * operations), so callers index them as before; `refs` reads each value (as variable(name)).
     * @returns {{ statements: string[], refs: Record<string, string> }}
     */
    declareVariables(name, typeName, values, from) {
      const names = Object.keys(values);
      if (bq) {
        return {
          statements: names.map((n) => this.declareVariable(n, typeName, `select ${values[n]} from ${from}`)),
          refs: Object.fromEntries(names.map((n) => [n, this.variable(n)])),
        };
      }
      const fields = names.map((n) => `${this.str(n)}: cast(${values[n]} as ${type(typeName)})`).join(', ');
      return {
        statements: [`set variable ${name} = (select {${fields}} from ${from})`, ...names.slice(1).map(() => '')],
        refs: Object.fromEntries(names.map((n) => [n, `struct_extract(${this.variable(name)}, ${this.str(n)})`])),
      };
    },
  };
}

/** The keys of jsonValuesParse / jsonValueOf: plain identifiers, at least one. */
function checkJsonKeys(keys) {
  if (!Array.isArray(keys) || keys.length === 0) throw new Error('dialect.jsonValuesParse: give at least one key');
  for (const key of keys) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`dialect.jsonValuesParse: key '${key}' must be a plain identifier`);
  }
  return keys;
}

function current() {
  const vars = (typeof dataform !== 'undefined' && dataform.projectConfig && dataform.projectConfig.vars) || {};
  return forWarehouse(vars.warehouse || 'bigquery');
}

const helpers = {};
for (const name of Object.keys(forWarehouse('bigquery'))) {
  if (name === 'warehouse') continue;
  helpers[name] = (...args) => current()[name](...args);
}

/** The warehouse this compilation targets. */
function warehouse() {
  return current().warehouse;
}

module.exports = { forWarehouse, isolateGroup, timestampShape, warehouse, ...helpers };
