/**
 * Escaping as servers write it.
 *
 * Apache (ap_escape_logitem) writes `"` as `\"`, `\` as `\\`, and every byte outside printable
 * ASCII as `\xhh` (so a logged field is always ASCII); the common/combined formats use this.
 * nginx `escape=json` writes JSON string escapes (`\"`, `\\`, `\n`, `\u001b`...) and passes
 * UTF-8 through; the json format uses this.
 */

const NEEDS_APACHE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;
const NEEDS_JSON = /["\\\u0000-\u001f]/;
const encoder = new TextEncoder();

export function escapeApache(text: string): string {
  if (!NEEDS_APACHE.test(text)) return text;
  let out = '';
  for (const byte of encoder.encode(text)) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte < 0x20 || byte > 0x7e) out += '\\x' + byte.toString(16).padStart(2, '0');
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** The body of a JSON string (without the surrounding quotes). */
export function escapeJson(text: string): string {
  if (!NEEDS_JSON.test(text)) return text;
  return JSON.stringify(text).slice(1, -1);
}
