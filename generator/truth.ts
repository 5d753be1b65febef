/** Ground-truth records as NDJSON, one per output line (see README.md for the fields). */
import type { Truth } from './engine.ts';

const q = (s: string | null) => (s === null ? 'null' : `"${s}"`);

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** ISO 8601 UTC with milliseconds; the date-time part is cached per second. */
function iso(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const frac = ms - second * 1000;
  return `${cachedPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

/** One NDJSON record (no newline). Every string in it is generator-made (no escaping needed). */
export function truthJson(t: Truth): string {
  return `{"line":${t.line},"visitor_id":${t.visitorId},"session_id":${t.sessionId},"scenario":"${t.scenario}","is_page_view":${t.isPageView},"kind":"${t.kind}","ip":${q(t.ip)},"country":${q(t.country)},"ua_key":${q(t.uaKey)},"time":"${iso(t.timeMs)}"}`;
}
