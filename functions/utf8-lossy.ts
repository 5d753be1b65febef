/**
 * Bytes to text exactly as BigQuery's `SAFE_CONVERT_BYTES_TO_STRING(b)`: well-formed UTF-8
 * sequences are kept (NUL bytes included) and every byte that does not start a complete,
 * well-formed sequence becomes one U+FFFD, then decoding resumes at the next byte.
 *
 * That is one replacement character per invalid *byte*, not per "maximal subpart" as in
 * WHATWG's TextDecoder: b'a\xe2\x82b' gives 'a\uFFFD\uFFFDb' (TextDecoder gives one).
 * Recorded from ZetaSQL's reference evaluator (tests/functions/fixtures/zetasql-oracle.json).
 * Well-formed means RFC 3629: shortest form, no surrogates (U+D800-DFFF), at most U+10FFFF.
 */
export function utf8Lossy(bytes: Uint8Array | null | undefined): string | null {
  if (bytes === null || bytes === undefined) return null;
  const parts: string[] = [];
  let run = 0; // start of the current run of well-formed bytes
  let i = 0;
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    if (run < i) parts.push(decoder.decode(bytes.subarray(run, i)));
    parts.push('\uFFFD');
    i += 1;
    run = i;
  }
  if (run < bytes.length) parts.push(decoder.decode(bytes.subarray(run)));
  return parts.join('');
}

/** Length of the well-formed UTF-8 sequence starting at `i`, or 0 when there is none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
