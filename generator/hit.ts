/** One request as the engine produces it, before formatting. Reused: the engine owns one. */
import type { Kind } from './site.ts';

export type Scenario = 'human' | 'bot' | 'scan' | 'error-burst' | 'malformed';

export class Hit {
  /** Epoch ms the request arrived (the printed timestamp, jitter included). */
  t = 0;
  ip = '';
  /** Authenticated user, '' for none (printed as `-`). */
  user = '';
  method = 'GET';
  target = '/';
  protocol = 'HTTP/1.1';
  /** A raw request line that does not follow `METHOD target protocol` (scanners), else null. */
  raw: string | null = null;
  /**
   * The request line may hold characters that need escaping (scanner probes). Site paths are
   * checked once when the site is built, so the common case skips the escaping scan.
   */
  untrusted = false;
  status = 200;
  bytes = 0;
  /** '' for none (printed as `-`). */
  referrer = '';
  /** '' for none (printed as `-`). */
  ua = '';
  host = '';
  port = 443;
  visitorId = -1;
  sessionId = -1;
  scenario: Scenario = 'human';
  kind: Kind = 'page';
  pageView = false;
  uaKey = '';
  country = '';
}
