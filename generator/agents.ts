/**
 * User agents: a realistic browser/OS/device mix for people, the published user agents (and
 * address blocks) of well-known crawlers, and the user agents vulnerability scanners send.
 */
import { WeightedTable } from './rng.ts';

export type Device = 'desktop' | 'mobile' | 'tablet' | 'bot';

export interface Agent {
  /** A short key for scoring user-agent parsing: family-os-device, e.g. `chrome-windows-desktop`. */
  key: string;
  ua: string;
  device: Device;
  /** Share of this agent's visitors whose requests arrive over HTTP/2. */
  http2: number;
  /** iOS devices ask for apple-touch-icon (a 404 on this site) on their first page. */
  ios: boolean;
}

const CHROME = [125, 126, 127, 128, 129, 130, 131];
const FIREFOX = [128, 130, 131, 132];
const SAFARI = [
  ['16_6', '16.6'],
  ['17_5', '17.5'],
  ['17_6_1', '17.6'],
  ['18_0', '18.0'],
  ['18_1', '18.1'],
] as const;
const SAMSUNG = [
  ['25.0', 121],
  ['26.0', 122],
  ['27.0', 125],
] as const;

function family(key: string, device: Device, weight: number, uas: string[], http2 = 0.75, ios = false): Array<[Agent, number]> {
  // Newer versions are more common: weights 1, 2, 3... across the listed versions.
  const total = (uas.length * (uas.length + 1)) / 2;
  return uas.map((ua, i) => [{ key, ua, device, http2, ios }, (weight * (i + 1)) / total]);
}

/** Weighted human user agents (weights are shares of visitors, summing to 1). */
export const HUMAN_AGENTS: ReadonlyArray<readonly [Agent, number]> = [
  ...family(
    'chrome-android-mobile',
    'mobile',
    0.27,
    CHROME.map((v) => `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`),
  ),
  ...family(
    'safari-ios-mobile',
    'mobile',
    0.17,
    SAFARI.map(
      ([os, v]) =>
        `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Mobile/15E148 Safari/604.1`,
    ),
    0.8,
    true,
  ),
  ...family(
    'chrome-windows-desktop',
    'desktop',
    0.2,
    CHROME.map((v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`),
  ),
  ...family(
    'edge-windows-desktop',
    'desktop',
    0.05,
    CHROME.map(
      (v) =>
        `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0`,
    ),
  ),
  ...family(
    'chrome-macos-desktop',
    'desktop',
    0.07,
    CHROME.map(
      (v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
    ),
  ),
  ...family(
    'safari-macos-desktop',
    'desktop',
    0.05,
    SAFARI.map(
      ([, v]) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Safari/605.1.15`,
    ),
  ),
  ...family(
    'firefox-windows-desktop',
    'desktop',
    0.03,
    FIREFOX.map((v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`),
  ),
  ...family(
    'firefox-macos-desktop',
    'desktop',
    0.006,
    FIREFOX.map((v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`),
  ),
  ...family(
    'firefox-linux-desktop',
    'desktop',
    0.008,
    FIREFOX.map((v) => `Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`),
  ),
  ...family(
    'chrome-linux-desktop',
    'desktop',
    0.015,
    CHROME.map((v) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`),
  ),
  ...family(
    'samsung-android-mobile',
    'mobile',
    0.04,
    SAMSUNG.map(
      ([s, c]) =>
        `Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${s} Chrome/${c}.0.0.0 Mobile Safari/537.36`,
    ),
  ),
  ...family(
    'safari-ipados-tablet',
    'tablet',
    0.03,
    SAFARI.map(
      ([os, v]) =>
        `Mozilla/5.0 (iPad; CPU OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Mobile/15E148 Safari/604.1`,
    ),
    0.8,
    true,
  ),
  ...family(
    'chrome-ios-mobile',
    'mobile',
    0.02,
    CHROME.map(
      (v) =>
        `Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${v}.0.6478.153 Mobile/15E148 Safari/604.1`,
    ),
    0.8,
    true,
  ),
  ...family(
    'chrome-android-tablet',
    'tablet',
    0.012,
    CHROME.map((v) => `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`),
  ),
  ...family(
    'firefox-android-mobile',
    'mobile',
    0.005,
    FIREFOX.map((v) => `Mozilla/5.0 (Android 14; Mobile; rv:${v}.0) Gecko/${v}.0 Firefox/${v}.0`),
  ),
  ...family('ie-windows-desktop', 'desktop', 0.001, ['Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko'], 0),
  ...family(
    'facebook-ios-mobile',
    'mobile',
    0.005,
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/485.0.0.43.107;FBBV/654321;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.6.1;FBSS/3;FBLC/en_US;FBOP/5]',
    ],
    0.8,
    true,
  ),
];

export const HUMAN_AGENT_TABLE = new WeightedTable(HUMAN_AGENTS, 8192);

export interface Crawler {
  key: string;
  uas: readonly string[];
  /** IPv4 CIDR blocks the crawler is published (or widely observed) to crawl from. */
  cidrs: readonly string[];
  /** Distinct addresses (identities) of this crawler in one log. */
  identities: number;
  /** Share of crawl runs. */
  weight: number;
  /** Whether it asks for robots.txt at the start of a run, and sitemap.xml. */
  robots: number;
  sitemap: number;
  /** Mean pages per crawl run, mean seconds between requests, and share of pages whose assets it renders. */
  meanPages: number;
  meanGapSeconds: number;
  renders: number;
  /** Caps the pages per run (link previewers fetch one or two). */
  maxPages: number;
}

export const CRAWLERS: readonly Crawler[] = [
  {
    key: 'googlebot',
    uas: [
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.204 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ],
    cidrs: ['66.249.64.0/20', '66.249.72.0/21'],
    identities: 12,
    weight: 0.3,
    robots: 0.6,
    sitemap: 0.2,
    meanPages: 40,
    meanGapSeconds: 3,
    renders: 0.15,
    maxPages: 400,
  },
  {
    key: 'bingbot',
    uas: [
      'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
    ],
    cidrs: ['157.55.39.0/24', '207.46.13.0/24', '40.77.167.0/24'],
    identities: 8,
    weight: 0.14,
    robots: 0.8,
    sitemap: 0.3,
    meanPages: 30,
    meanGapSeconds: 4,
    renders: 0.05,
    maxPages: 300,
  },
  {
    key: 'yandexbot',
    uas: ['Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)'],
    cidrs: ['5.255.231.0/24', '213.180.203.0/24'],
    identities: 4,
    weight: 0.05,
    robots: 0.9,
    sitemap: 0.3,
    meanPages: 25,
    meanGapSeconds: 5,
    renders: 0,
    maxPages: 200,
  },
  {
    key: 'baiduspider',
    uas: ['Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)'],
    cidrs: ['220.181.108.0/24', '116.179.32.0/24'],
    identities: 4,
    weight: 0.04,
    robots: 0.9,
    sitemap: 0.1,
    meanPages: 20,
    meanGapSeconds: 6,
    renders: 0,
    maxPages: 200,
  },
  {
    key: 'ahrefsbot',
    uas: ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)'],
    cidrs: ['54.36.148.0/24', '54.36.149.0/24'],
    identities: 6,
    weight: 0.1,
    robots: 0.9,
    sitemap: 0.1,
    meanPages: 60,
    meanGapSeconds: 2,
    renders: 0,
    maxPages: 500,
  },
  {
    key: 'semrushbot',
    uas: ['Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)'],
    cidrs: ['185.191.171.0/24'],
    identities: 6,
    weight: 0.08,
    robots: 0.9,
    sitemap: 0.1,
    meanPages: 50,
    meanGapSeconds: 2,
    renders: 0,
    maxPages: 500,
  },
  {
    key: 'gptbot',
    uas: ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)'],
    cidrs: ['20.171.207.0/24'],
    identities: 4,
    weight: 0.06,
    robots: 0.95,
    sitemap: 0.2,
    meanPages: 80,
    meanGapSeconds: 1,
    renders: 0,
    maxPages: 600,
  },
  {
    key: 'applebot',
    uas: [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
    ],
    cidrs: ['17.241.219.0/24', '17.241.227.0/24'],
    identities: 3,
    weight: 0.03,
    robots: 0.9,
    sitemap: 0.2,
    meanPages: 20,
    meanGapSeconds: 5,
    renders: 0.3,
    maxPages: 200,
  },
  {
    key: 'duckduckbot',
    uas: ['DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)'],
    cidrs: ['20.191.45.0/24'],
    identities: 2,
    weight: 0.02,
    robots: 0.9,
    sitemap: 0,
    meanPages: 10,
    meanGapSeconds: 5,
    renders: 0,
    maxPages: 100,
  },
  {
    key: 'petalbot',
    uas: ['Mozilla/5.0 (compatible;PetalBot;+https://webmaster.petalsearch.com/site/petalbot)'],
    cidrs: ['114.119.128.0/19'],
    identities: 4,
    weight: 0.04,
    robots: 0.9,
    sitemap: 0.1,
    meanPages: 30,
    meanGapSeconds: 3,
    renders: 0,
    maxPages: 300,
  },
  {
    key: 'facebookexternalhit',
    uas: ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)'],
    cidrs: ['69.171.250.0/24', '173.252.127.0/24'],
    identities: 6,
    weight: 0.04,
    robots: 0,
    sitemap: 0,
    meanPages: 1.5,
    meanGapSeconds: 1,
    renders: 0,
    maxPages: 3,
  },
  {
    key: 'python-requests',
    uas: ['python-requests/2.32.3', 'python-requests/2.31.0'],
    cidrs: ['167.99.0.0/16', '134.209.0.0/16'],
    identities: 6,
    weight: 0.04,
    robots: 0,
    sitemap: 0,
    meanPages: 25,
    meanGapSeconds: 1,
    renders: 0,
    maxPages: 300,
  },
  {
    key: 'curl',
    uas: ['curl/8.5.0', 'curl/7.81.0'],
    cidrs: ['159.65.0.0/16', '45.79.0.0/16'],
    identities: 4,
    weight: 0.02,
    robots: 0,
    sitemap: 0,
    meanPages: 3,
    meanGapSeconds: 2,
    renders: 0,
    maxPages: 20,
  },
  {
    key: 'go-http-client',
    uas: ['Go-http-client/1.1', 'Go-http-client/2.0'],
    cidrs: ['35.192.0.0/14'],
    identities: 4,
    weight: 0.02,
    robots: 0,
    sitemap: 0,
    meanPages: 10,
    meanGapSeconds: 1,
    renders: 0,
    maxPages: 100,
  },
  {
    key: 'headlesschrome',
    uas: ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36'],
    cidrs: ['34.64.0.0/12'],
    identities: 3,
    weight: 0.02,
    robots: 0,
    sitemap: 0,
    meanPages: 30,
    meanGapSeconds: 2,
    renders: 1,
    maxPages: 200,
  },
  // A scraper with a browser user agent from a data centre: only its rate and pattern give it away.
  {
    key: 'stealth-scraper',
    uas: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36'],
    cidrs: ['5.161.0.0/16', '65.108.0.0/16'],
    identities: 4,
    weight: 0.04,
    robots: 0,
    sitemap: 0,
    meanPages: 100,
    meanGapSeconds: 0.8,
    renders: 0,
    maxPages: 800,
  },
];

/** The uptime monitor: HEAD / every five minutes for the whole log. */
export const MONITOR = {
  key: 'uptimerobot',
  ua: 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  cidr: '69.162.124.224/28',
  intervalSeconds: 300,
};

export const SCANNER_AGENTS: ReadonlyArray<readonly [string, string, number]> = [
  ['zgrab', 'Mozilla/5.0 zgrab/0.x', 0.2],
  ['l9scan', 'Mozilla/5.0 (l9scan/2.0.9313e2530313e2436323e2235313; +https://leakix.net)', 0.08],
  ['nuclei', 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 0.1],
  ['sqlmap', 'sqlmap/1.8.11#stable (https://sqlmap.org)', 0.06],
  ['nikto', 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000562)', 0.05],
  ['censys', 'Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)', 0.06],
  [
    'fake-chrome',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36',
    0.3,
  ],
  ['empty', '-', 0.1],
  ['masscan', 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)', 0.05],
];
