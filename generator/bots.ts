/**
 * Crawlers and scripts: a crawl run asks for robots.txt and the sitemap (well-behaved ones), then
 * fetches pages at a high rate without a referrer, sometimes rendering them (css/js/images).
 * Plus an uptime monitor that sends HEAD / every few minutes for the whole log.
 */
import { CRAWLERS, MONITOR, type Crawler } from './agents.ts';
import type { Actor, Engine } from './engine.ts';
import { cidrIpv4 } from './network.ts';
import { WeightedTable } from './rng.ts';
import type { Resource, Site } from './site.ts';

export interface BotIdentity {
  id: number;
  crawler: Crawler;
  ip: string;
  ua: string;
}

export class BotPool {
  readonly identities: BotIdentity[] = [];
  readonly byCrawler = new Map<Crawler, BotIdentity[]>();
  readonly crawlerTable = new WeightedTable(
    CRAWLERS.map((c) => [c, c.weight] as const),
    2048,
  );
  readonly monitorId: number;
  readonly monitorIp: string;

  /** `identities(crawler)` may raise a crawler's address count so busy crawlers never run out. */
  constructor(seed: number, firstId: number, identities: (c: Crawler) => number = (c) => c.identities) {
    let id = firstId;
    for (const crawler of CRAWLERS) {
      const list: BotIdentity[] = [];
      const count = Math.max(crawler.identities, identities(crawler));
      for (let k = 0; k < count; k++) {
        const ip = cidrIpv4(crawler.cidrs[k % crawler.cidrs.length]!, seed ^ 0xb07, id);
        list.push({ id: id++, crawler, ip, ua: crawler.uas[k % crawler.uas.length]! });
      }
      this.byCrawler.set(crawler, list);
      this.identities.push(...list);
    }
    this.monitorId = id++;
    this.monitorIp = cidrIpv4(MONITOR.cidr, seed, this.monitorId);
  }

  get nextId(): number {
    return this.monitorId + 1;
  }
}

/**
 * E[min(cap, 1 + floor(G))] for G ~ Gamma(2, mean / 2) (the sum of two exponentials): the
 * expected pages of a crawl run. Two stages keep long runs rarer than a plain exponential.
 */
export function expectedPages(mean: number, cap: number): number {
  const theta = mean / 2;
  let sum = 1;
  for (let k = 1; k < cap; k++) sum += Math.exp(-k / theta) * (1 + k / theta);
  return sum;
}

/** Expected requests per crawl run, from the crawler mix and the site (matches CrawlRun). */
export function expectedCrawlLines(site: Site): number {
  const pages = site.allPages;
  const n = pages.length;
  let uniformOwn = 0;
  let skewedOwn = 0;
  for (let i = 0; i < n; i++) {
    const own = pages[i]!.own.length;
    uniformOwn += own / n;
    skewedOwn += own * (Math.sqrt((i + 1) / n) - Math.sqrt(i / n));
  }
  const ownPerPage = (uniformOwn + skewedOwn) / 2;
  const total = CRAWLERS.reduce((s, c) => s + c.weight, 0);
  let lines = 0;
  for (const c of CRAWLERS) {
    const perPage = 0.03 + 0.97 * (1 + c.renders * (site.shared.length + ownPerPage));
    const run = c.robots + c.sitemap + expectedPages(Math.max(0.01, c.meanPages - 1), c.maxPages) * perPage;
    lines += (c.weight / total) * run;
  }
  return lines;
}

export class CrawlRun implements Actor {
  t: number;
  seq: number;
  done = false;
  private readonly plan: Array<{ res: Resource; status: number }> = [];
  private i = 0;

  constructor(
    e: Engine,
    private readonly bot: BotIdentity,
    private readonly sessionId: number,
    t: number,
  ) {
    this.t = t;
    this.seq = e.nextSeq();
    const rng = e.rng;
    const site = e.site;
    const c = bot.crawler;
    if (rng.chance(c.robots)) this.plan.push({ res: site.robots, status: 200 });
    if (rng.chance(c.sitemap)) this.plan.push({ res: site.sitemap, status: 200 });
    const half = Math.max(0.01, c.meanPages - 1) / 2;
    const pages = Math.min(c.maxPages, 1 + Math.floor(rng.exp(half) + rng.exp(half)));
    for (let p = 0; p < pages; p++) {
      if (rng.chance(0.03)) {
        this.plan.push({ res: { path: rng.pick(site.deadLinks), bytes: site.notFoundBytes, kind: 'page' }, status: 404 });
        continue;
      }
      // Crawlers reach the long tail: half uniform over the site, half by popularity.
      const page = rng.chance(0.5) ? site.allPages[rng.int(site.allPages.length)]! : site.allPages[rng.skewed(site.allPages.length, 2)]!;
      this.plan.push({ res: page, status: 200 });
      if (rng.chance(c.renders)) {
        for (const res of site.shared) this.plan.push({ res, status: 200 });
        for (const res of page.own) this.plan.push({ res, status: 200 });
      }
    }
  }

  step(e: Engine): boolean {
    const item = this.plan[this.i++]!;
    const hit = e.hit;
    const bot = this.bot;
    hit.t = this.t;
    hit.ip = bot.ip;
    hit.user = '';
    hit.method = 'GET';
    hit.target = item.res.path;
    hit.protocol = 'HTTP/1.1';
    hit.raw = null;
    hit.untrusted = false;
    hit.referrer = '';
    hit.ua = bot.ua;
    hit.port = 443;
    hit.visitorId = bot.id;
    hit.sessionId = this.sessionId;
    hit.scenario = 'bot';
    hit.kind = item.res.kind;
    hit.uaKey = bot.crawler.key;
    hit.country = '';
    hit.status = item.status;
    hit.bytes = item.res.bytes;
    e.serve(hit);
    if (this.i >= this.plan.length) {
      this.done = true;
      e.endBotRun(bot.id, this.t);
    } else {
      const next = this.plan[this.i]!;
      // Renders fetch assets right away; page fetches are spaced by the crawl rate.
      this.t +=
        next.res.kind === 'page' || next.res.kind === 'sitemap'
          ? Math.min(e.rng.exp(bot.crawler.meanGapSeconds * 1000) + 50, e.plan.maxThinkMs)
          : e.rng.range(5, 200);
    }
    return true;
  }
}

/** HEAD / every few minutes, one session for the whole log. */
export class Monitor implements Actor {
  t: number;
  seq: number;
  done = false;

  constructor(
    e: Engine,
    private readonly sessionId: number,
  ) {
    this.t = e.plan.startMs + e.rng.range(0, MONITOR.intervalSeconds * 1000);
    this.seq = e.nextSeq();
  }

  step(e: Engine): boolean {
    const hit = e.hit;
    hit.t = this.t;
    hit.ip = e.bots.monitorIp;
    hit.user = '';
    hit.method = 'HEAD';
    hit.target = '/';
    hit.protocol = 'HTTP/1.1';
    hit.raw = null;
    hit.untrusted = false;
    hit.referrer = 'https://' + e.site.host;
    hit.ua = MONITOR.ua;
    hit.port = 443;
    hit.visitorId = e.bots.monitorId;
    hit.sessionId = this.sessionId;
    hit.scenario = 'bot';
    hit.kind = 'monitor';
    hit.uaKey = MONITOR.key;
    hit.country = '';
    hit.status = 200;
    hit.bytes = 0;
    e.serve(hit);
    // Every few minutes, and always within the session timeout (one session for the whole log).
    this.t += Math.min(MONITOR.intervalSeconds * 1000, e.plan.maxThinkMs - 1_000) + e.rng.range(-800, 0);
    return true;
  }
}
