/**
 * Whether BigQuery's `SAFE.PARSE_JSON(text, wide_number_mode => 'round')` accepts a text:
 * strict RFC 8259 JSON (no trailing commas, comments or NaN, which DuckDB's own reader lets
 * through; parseJson refuses a byte order mark in both warehouses), and no number beyond FLOAT64's range (BigQuery reports "number
 * overflow" for 1e400 in every mode). Wide numbers within range are rounded, so they pass.
 * The local twin of that function, for includes/dialect.js's parseJson on DuckDB.
 */
export function isBigQueryJson(text: string | null): boolean | null {
  if (text === null) return null;
  try {
    JSON.parse(text);
  } catch {
    return false;
  }
  return numbersFinite(text);
}

/**
 * Whether every number token of valid JSON text is within FLOAT64's range. Tokens are read from
 * the text, not from the parsed value: a duplicate key's earlier value is gone after JSON.parse,
 * yet BigQuery still refuses it.
 */
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function numbersFinite(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)?.[0] ?? c;
      if (!Number.isFinite(Number(token))) return false;
      i += token.length - 1;
    }
  }
  return true;
}
