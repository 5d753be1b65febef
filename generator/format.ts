/**
 * Log line formats. Text formats follow Apache's LogFormat strings:
 *   common:    %h %l %u %t "%r" %>s %b
 *   combined:  common + "%{Referer}i" "%{User-agent}i"
 *   vcombined: %v:%p + combined (Apache's vhost_combined)
 * with Apache's escaping (\" \\ \xhh) and `-` for empty fields and zero bytes.
 * json follows nginx `log_format ... escape=json` (see README.md for the field list).
 */
import { escapeApache, escapeJson } from './escape.ts';
import type { Hit } from './hit.ts';
import type { LogFormat } from './options.ts';

export type LineFormatter = (hit: Hit, time: string) => string;

/** Escapes with a one-entry memo: consecutive lines of a session repeat the same user agent and referrer. */
function memo(escapeText: (text: string) => string): (text: string) => string {
  let lastIn = '';
  let lastOut = '';
  return (text) => {
    if (text !== lastIn) {
      lastIn = text;
      lastOut = escapeText(text);
    }
    return lastOut;
  };
}

const apacheUa = memo(escapeApache);
const apacheReferrer = memo(escapeApache);
const jsonUa = memo(escapeJson);
const jsonReferrer = memo(escapeJson);

function request(hit: Hit): string {
  return hit.raw ?? `${hit.method} ${hit.target} ${hit.protocol}`;
}

function common(hit: Hit, time: string): string {
  const req = hit.untrusted ? escapeApache(request(hit)) : request(hit);
  return `${hit.ip} - ${hit.user === '' ? '-' : escapeApache(hit.user)} [${time}] "${req}" ${hit.status} ${hit.bytes === 0 ? '-' : hit.bytes}`;
}

function combined(hit: Hit, time: string): string {
  return `${common(hit, time)} "${hit.referrer === '' ? '-' : apacheReferrer(hit.referrer)}" "${hit.ua === '' ? '-' : apacheUa(hit.ua)}"`;
}

function vcombined(hit: Hit, time: string): string {
  return `${hit.host}:${hit.port} ${combined(hit, time)}`;
}

function json(hit: Hit, time: string): string {
  return `{"time_local":"${time}","remote_addr":"${hit.ip}","remote_user":"${hit.user === '' ? '' : escapeJson(hit.user)}","request":"${hit.untrusted ? escapeJson(request(hit)) : request(hit)}","status":${hit.status},"body_bytes_sent":${hit.bytes},"http_referer":"${jsonReferrer(hit.referrer)}","http_user_agent":"${jsonUa(hit.ua)}","host":"${hit.host}"}`;
}

export const FORMATTERS: Record<LogFormat, LineFormatter> = { common, combined, vcombined, json };
