/** Ground-truth records as NDJSON, one per output line (see README.md for the fields). */
import type { Truth } from './engine.ts';

const q = (s: string | null) => (s === null ? 'null' : `"${s}"`);

/** One NDJSON record (no newline). Every string in it is generator-made (no escaping needed). */
export function truthJson(t: Truth): string {
  return `{"line":${t.line},"visitor_id":${t.visitorId},"session_id":${t.sessionId},"scenario":"${t.scenario}","is_page_view":${t.isPageView},"kind":"${t.kind}","ip":${q(t.ip)},"country":${q(t.country)},"ua_key":${q(t.uaKey)},"time":"${new Date(t.timeMs).toISOString()}"}`;
}
