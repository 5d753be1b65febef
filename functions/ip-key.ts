/**
 * The warehouse-neutral IP key: exactly BigQuery's `TO_HEX(NET.SAFE_IP_FROM_STRING(ip))`.
 *
 * BigQuery parses addresses with the rules of glibc's inet_pton (checked against ZetaSQL's
 * reference evaluator, see tests/functions/fixtures/zetasql-oracle.json), so this is a port of
 * glibc's inet_pton4/inet_pton6:
 * - IPv4: exactly four decimal octets 0-255, no leading zeros ("01" is invalid, "0" is fine),
 *   nothing else (no spaces, no trailing dot).
 * - IPv6: hex groups of 1-4 digits (either case), at most one "::", no zone id ("%eth0"),
 *   no brackets, no prefix length; a dotted quad is allowed only as the last 32 bits
 *   ("::ffff:1.2.3.4", "::192.0.2.128").
 * The key is 8 lowercase hex digits for IPv4 and 32 for IPv6, or null when the text is not
 * an address. Fixed width per family, so string order equals numeric order.
 */
export function ipKey(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const v4 = parseIPv4(text, 0, text.length);
  if (v4) return toHex(v4);
  const v6 = parseIPv6(text);
  return v6 ? toHex(v6) : null;
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

/** glibc inet_pton4 over text[start, end): returns 4 bytes or null. */
function parseIPv4(text: string, start: number, end: number): Uint8Array | null {
  const out = new Uint8Array(4);
  let sawDigit = false;
  let octets = 0;
  let index = 0;
  for (let i = start; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      const next = out[index]! * 10 + (ch - 48);
      if (sawDigit && out[index] === 0) return null;
      if (next > 255) return null;
      out[index] = next;
      if (!sawDigit) {
        if (++octets > 4) return null;
        sawDigit = true;
      }
    } else if (ch === 46 && sawDigit) {
      if (octets === 4) return null;
      index++;
      sawDigit = false;
    } else {
      return null;
    }
  }
  return octets < 4 ? null : out;
}

function hexValue(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return -1;
}

/** glibc inet_pton6: returns 16 bytes or null. */
function parseIPv6(text: string): Uint8Array | null {
  const end = text.length;
  const tmp = new Uint8Array(16);
  let tp = 0;
  let colonp = -1;
  let src = 0;
  if (src === end) return null;
  if (text.charCodeAt(src) === 58) {
    src++;
    if (src === end || text.charCodeAt(src) !== 58) return null;
  }
  let curtok = src;
  let xdigitsSeen = 0;
  let val = 0;
  while (src < end) {
    const ch = text.charCodeAt(src++);
    const digit = hexValue(ch);
    if (digit >= 0) {
      if (xdigitsSeen === 4) return null;
      val = (val << 4) | digit;
      if (val > 0xffff) return null;
      xdigitsSeen++;
      continue;
    }
    if (ch === 58) {
      curtok = src;
      if (xdigitsSeen === 0) {
        if (colonp >= 0) return null;
        colonp = tp;
        continue;
      } else if (src === end) {
        return null;
      }
      if (tp + 2 > 16) return null;
      tmp[tp++] = (val >> 8) & 0xff;
      tmp[tp++] = val & 0xff;
      xdigitsSeen = 0;
      val = 0;
      continue;
    }
    if (ch === 46 && tp + 4 <= 16) {
      const quad = parseIPv4(text, curtok, end);
      if (quad) {
        tmp.set(quad, tp);
        tp += 4;
        xdigitsSeen = 0;
        break;
      }
    }
    return null;
  }
  if (xdigitsSeen > 0) {
    if (tp + 2 > 16) return null;
    tmp[tp++] = (val >> 8) & 0xff;
    tmp[tp++] = val & 0xff;
  }
  if (colonp >= 0) {
    if (tp === 16) return null;
    const n = tp - colonp;
    const moved = tmp.slice(colonp, tp);
    tmp.fill(0, colonp, 16);
    tmp.set(moved, 16 - n);
    tp = 16;
  }
  return tp === 16 ? tmp : null;
}
