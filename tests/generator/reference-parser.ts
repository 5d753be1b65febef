/**
 * A strict reference parser for the generator's formats, written independently of the
 * generator: Apache common/combined/vhost_combined with Apache escaping, and nginx escape=json.
 * Returns null for a line that is not a valid line of the format.
 */

export interface ParsedLine {
  vhost: string | null;
  port: number | null;
  ip: string;
  user: string;
  /** Epoch ms (whole seconds) and the printed offset in minutes. */
  timeMs: number;
  offsetMinutes: number;
  request: string;
  method: string | null;
  path: string | null;
  protocol: string | null;
  status: number;
  bytes: number;
  referrer: string;
  userAgent: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const Q = '"((?:[^"\\\\]|\\\\.)*)"';
const TIME = '\\[(\\d{2})/([A-Z][a-z]{2})/(\\d{4}):(\\d{2}):(\\d{2}):(\\d{2}) ([+-])(\\d{2})(\\d{2})\\]';
const COMMON = `(\\S+) (\\S+) (\\S+) ${TIME} ${Q} (\\d{3}) (\\d+|-)`;
const PATTERNS = {
  common: new RegExp(`^()()${COMMON}()()$`),
  combined: new RegExp(`^()()${COMMON} ${Q} ${Q}$`),
  vcombined: new RegExp(`^([A-Za-z0-9.-]+):(\\d+) ${COMMON} ${Q} ${Q}$`),
};
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:]+$/;

/** Undoes Apache's log escaping: \" \\ and \xhh (bytes, decoded as UTF-8). */
export function unescapeApache(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      const n = text[i + 1];
      if (n === 'x') {
        bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        bytes.push(n!.charCodeAt(0));
        i += 1;
      }
    } else bytes.push(c);
  }
  return Buffer.from(bytes).toString('utf8');
}

function validIp(ip: string): boolean {
  return IPV4.test(ip) || (IPV6.test(ip) && ip.includes(':') && ip.split('::').length <= 2);
}

function timeOf(
  d: string,
  mon: string,
  y: string,
  h: string,
  mi: string,
  s: string,
  sign: string,
  oh: string,
  om: string,
): { timeMs: number; offsetMinutes: number } | null {
  const month = MONTHS.indexOf(mon);
  if (month < 0 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(om) > 59) return null;
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const local = Date.UTC(Number(y), month, Number(d), Number(h), Number(mi), Number(s));
  if (new Date(local).getUTCDate() !== Number(d)) return null;
  return { timeMs: local - offsetMinutes * 60_000, offsetMinutes };
}

function splitRequest(request: string): { method: string | null; path: string | null; protocol: string | null } {
  const m = /^([A-Z]+) (\S+) (HTTP\/\d\.\d)$/.exec(request);
  return m ? { method: m[1]!, path: m[2]!, protocol: m[3]! } : { method: null, path: null, protocol: null };
}

export function parseText(format: 'common' | 'combined' | 'vcombined', line: string): ParsedLine | null {
  const m = PATTERNS[format].exec(line);
  if (!m) return null;
  const [, vhost, port, ip, , user, d, mon, y, h, mi, s, sign, oh, om, request, status, bytes, referrer, ua] = m as unknown as string[];
  if (!validIp(ip!)) return null;
  const time = timeOf(d!, mon!, y!, h!, mi!, s!, sign!, oh!, om!);
  if (!time) return null;
  const req = unescapeApache(request!);
  const dash = (v: string | undefined) => (v === undefined || v === '' || v === '-' ? '' : unescapeApache(v));
  return {
    vhost: vhost || null,
    port: port ? Number(port) : null,
    ip: ip!,
    user: dash(user),
    ...time,
    request: req,
    ...splitRequest(req),
    status: Number(status),
    bytes: bytes === '-' ? 0 : Number(bytes),
    referrer: dash(referrer),
    userAgent: dash(ua),
  };
}

export const JSON_FIELDS = [
  'time_local',
  'remote_addr',
  'remote_user',
  'request',
  'status',
  'body_bytes_sent',
  'http_referer',
  'http_user_agent',
  'host',
];

export function parseJson(line: string): ParsedLine | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || Object.keys(o).join() !== JSON_FIELDS.join()) return null;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : null);
  const t = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(str('time_local') ?? '');
  if (!t || typeof o.status !== 'number' || typeof o.body_bytes_sent !== 'number') return null;
  const [, d, mon, y, h, mi, s, sign, oh, om] = t as unknown as string[];
  const time = timeOf(d!, mon!, y!, h!, mi!, s!, sign!, oh!, om!);
  const ip = str('remote_addr');
  const request = str('request');
  if (!time || ip === null || !validIp(ip) || request === null) return null;
  return {
    vhost: str('host'),
    port: null,
    ip,
    user: str('remote_user') ?? '',
    ...time,
    request,
    ...splitRequest(request),
    status: o.status,
    bytes: o.body_bytes_sent,
    referrer: str('http_referer') ?? '',
    userAgent: str('http_user_agent') ?? '',
  };
}

export function parseLine(format: string, line: string): ParsedLine | null {
  return format === 'json' ? parseJson(line) : parseText(format as 'common' | 'combined' | 'vcombined', line);
}

/** A page view, judged from the request alone: GET of a document path answered 2xx or 304. */
export function looksLikePageView(p: ParsedLine): boolean {
  if (p.method !== 'GET' || p.path === null) return false;
  if (!((p.status >= 200 && p.status < 300) || p.status === 304)) return false;
  const path = p.path.split('?')[0]!;
  return !path.startsWith('/api/') && !/\.[A-Za-z0-9]{1,5}$/.test(path);
}
