/**
 * A human browsing session: a landing page reached from a referrer, the static assets and API
 * calls each page loads, think times between page views, forms, downloads; it ends by itself
 * (bounce or exit), never with a pause reaching the session timeout.
 */
import type { Engine, Actor } from './engine.ts';
import type { Visitor } from './population.ts';
import { WeightedTable } from './rng.ts';
import type { Page, PageType, Resource } from './site.ts';

interface Req {
  res: Resource;
  method: string;
  referrer: string;
  /** 0: decided when served. */
  status: number;
  /** -1: the resource's size. */
  bytes: number;
  /** Milliseconds after the previous request of the session. */
  delay: number;
  port: number;
}

type Next = PageType | 'form' | 'download' | 'complete';

const t = <T>(entries: Array<[T, number]>) => new WeightedTable(entries, 1024);

const NEXT: Record<PageType, WeightedTable<Next>> = {
  home: t([
    ['category', 0.35],
    ['product', 0.2],
    ['article', 0.08],
    ['blog', 0.05],
    ['search', 0.14],
    ['login', 0.04],
    ['about', 0.03],
    ['downloads', 0.04],
    ['help', 0.03],
    ['cart', 0.04],
  ]),
  category: t([
    ['product', 0.62],
    ['category', 0.14],
    ['search', 0.1],
    ['home', 0.08],
    ['cart', 0.06],
  ]),
  product: t([
    ['product', 0.34],
    ['form', 0.18],
    ['category', 0.22],
    ['search', 0.12],
    ['home', 0.08],
    ['help', 0.06],
  ]),
  blog: t([
    ['article', 0.85],
    ['home', 0.15],
  ]),
  article: t([
    ['article', 0.42],
    ['blog', 0.2],
    ['home', 0.15],
    ['product', 0.18],
    ['downloads', 0.05],
  ]),
  search: t([
    ['product', 0.68],
    ['search', 0.2],
    ['category', 0.07],
    ['home', 0.05],
  ]),
  cart: t([
    ['checkout', 0.42],
    ['product', 0.3],
    ['home', 0.18],
    ['category', 0.1],
  ]),
  checkout: t([
    ['complete', 0.55],
    ['cart', 0.45],
  ]),
  login: t([['form', 1]]),
  account: t([
    ['product', 0.3],
    ['home', 0.3],
    ['account', 0.4],
  ]),
  about: t([
    ['home', 0.5],
    ['help', 0.3],
    ['product', 0.2],
  ]),
  downloads: t([
    ['download', 0.6],
    ['home', 0.2],
    ['help', 0.2],
  ]),
  help: t([
    ['help', 0.3],
    ['home', 0.4],
    ['product', 0.3],
  ]),
};

type Source = 'direct' | 'search' | 'social' | 'other';
const SOURCES = t<Source>([
  ['direct', 0.33],
  ['search', 0.42],
  ['social', 0.12],
  ['other', 0.13],
]);
const LANDING: Record<Source, WeightedTable<PageType | 'dead'>> = {
  direct: t([
    ['home', 0.7],
    ['product', 0.08],
    ['account', 0.07],
    ['cart', 0.05],
    ['blog', 0.05],
    ['downloads', 0.05],
  ]),
  search: t([
    ['product', 0.45],
    ['article', 0.3],
    ['category', 0.12],
    ['home', 0.1],
    ['help', 0.03],
  ]),
  social: t([
    ['article', 0.5],
    ['product', 0.4],
    ['home', 0.1],
  ]),
  other: t([
    ['article', 0.4],
    ['product', 0.25],
    ['home', 0.15],
    ['downloads', 0.1],
    ['dead', 0.1],
  ]),
};
const SKEW: Partial<Record<PageType, number>> = { product: 2.2, article: 2.0, category: 1.5, search: 1.6 };
const THINK_MEDIAN_MS: Partial<Record<PageType, number>> = { article: 55_000, product: 28_000, blog: 20_000, checkout: 40_000 };

export class HumanSession implements Actor {
  t: number;
  seq: number;
  done = false;
  private queue: Req[] = [];
  private qi = 0;
  private pages = 0;
  private current: Page | null = null;
  private lastUrl = '';
  private lastStatus = 200;
  private lines = 0;

  constructor(
    e: Engine,
    private readonly visitor: Visitor,
    private readonly sessionId: number,
    t: number,
  ) {
    this.t = t;
    this.seq = e.nextSeq();
    this.planLanding(e);
  }

  private pickPage(e: Engine, type: PageType): Page {
    const list = e.site.pages[type];
    const skew = SKEW[type];
    return list[skew ? e.rng.skewed(list.length, skew) : e.rng.int(list.length)]!;
  }

  private req(res: Resource, referrer: string, delay: number, method = 'GET', status = 0, bytes = -1, port = 443): void {
    this.queue.push({ res, method, referrer, status, bytes, delay, port });
  }

  private planLanding(e: Engine): void {
    const rng = e.rng;
    const site = e.site;
    const source = SOURCES.pick(rng);
    let referrer = '';
    if (source === 'search') referrer = rng.pick(site.searchEngines[this.visitor.region.country] ?? site.searchEngines.default!);
    else if (source === 'social') referrer = rng.pick(site.social);
    else if (source === 'other') referrer = site.otherSites[rng.skewed(site.otherSites.length, 2)]!;
    const landing = LANDING[source].pick(rng);
    if (landing === 'dead') {
      const path = rng.pick(site.deadLinks);
      this.req({ path, bytes: site.notFoundBytes, kind: 'page' }, referrer, 0, 'GET', 404);
      return;
    }
    const page = this.pickPage(e, landing);
    if (source === 'direct' && rng.chance(0.04)) {
      // Typed without https: the port-80 vhost redirects first.
      this.req({ path: page.path, bytes: 0, kind: 'redirect' }, '', 0, 'GET', 301, 230, 80);
      this.req(page, '', rng.range(80, 400));
    } else {
      this.req(page, referrer, 0);
    }
  }

  step(e: Engine): boolean {
    const r = this.queue[this.qi++]!;
    this.lines++;
    const hit = e.hit;
    const v = this.visitor;
    hit.t = this.t;
    hit.ip = v.ip;
    hit.user = '';
    hit.method = r.method;
    hit.target = r.res.path;
    hit.protocol = r.port === 80 ? 'HTTP/1.1' : v.protocol;
    hit.raw = null;
    hit.untrusted = false;
    hit.referrer = r.referrer;
    hit.ua = v.agent.ua;
    hit.port = r.port;
    hit.visitorId = v.id;
    hit.sessionId = this.sessionId;
    hit.scenario = 'human';
    hit.kind = r.res.kind;
    hit.uaKey = v.agent.key;
    hit.country = v.region.country;
    hit.status = r.status || 200;
    hit.bytes = r.bytes >= 0 ? r.bytes : r.res.kind === 'page' ? Math.round(r.res.bytes * (0.97 + 0.06 * e.rng.next())) : r.res.bytes;
    e.serve(hit);

    if (r.res.kind === 'page' && r.method === 'GET') {
      this.pages++;
      this.lastStatus = hit.status;
      this.lastUrl = e.site.origin + r.res.path;
      if (hit.status < 400) {
        this.current = r.res as Page;
        this.planAssets(e, r.res as Page);
      }
    }
    if (this.qi < this.queue.length) {
      this.t += this.queue[this.qi]!.delay;
    } else {
      this.planNext(e);
    }
    return true;
  }

  private planAssets(e: Engine, page: Page): void {
    const rng = e.rng;
    const site = e.site;
    const v = this.visitor;
    const pageUrl = this.lastUrl;
    let delay = rng.range(40, 250);
    const gap = () => {
      const d = delay;
      delay = rng.range(5, 120);
      return d;
    };
    if (this.pages === 1) {
      const cached = v.returning && rng.chance(0.5);
      if (!cached) {
        const revalidate = v.returning;
        for (const res of site.shared) this.req(res, pageUrl, gap(), 'GET', revalidate && rng.chance(0.8) ? 304 : 200, revalidate ? 0 : -1);
        for (const res of site.fonts)
          this.req(res, site.stylesheetUrl, gap(), 'GET', revalidate && rng.chance(0.8) ? 304 : 200, revalidate ? 0 : -1);
      }
      if (v.agent.ios && (!v.returning || rng.chance(0.3))) {
        for (const res of site.touchIcons) this.req(res, '', gap(), 'GET', 404, site.notFoundBytes);
      }
    }
    for (const res of page.own) {
      if (res.kind === 'asset' && v.returning && rng.chance(0.2)) this.req(res, pageUrl, gap(), 'GET', 304, 0);
      else this.req(res, pageUrl, gap());
    }
  }

  private think(e: Engine, type: PageType | undefined): number {
    const median = (type && THINK_MEDIAN_MS[type]) || 18_000;
    const max = e.plan.maxThinkMs;
    for (let i = 0; i < 20; i++) {
      const ms = e.rng.logNormal(median, 1.0);
      if (ms >= 1_500 && ms <= max) return ms;
    }
    return Math.min(median, max);
  }

  private end(e: Engine): void {
    this.done = true;
    e.endHumanSession(this.visitor.id, this.t, this.lines);
  }

  private planNext(e: Engine): void {
    const rng = e.rng;
    const site = e.site;
    this.queue.length = 0;
    this.qi = 0;
    const current = this.current;
    if (current === null) {
      // Landed on a dead link (404) or an error: go home, or give up.
      if (rng.chance(0.6) && this.pages < 3) {
        this.req(site.pages.home[0]!, this.lastUrl, 0);
        this.t += rng.range(2_000, 12_000);
      } else this.end(e);
      return;
    }
    if (this.lastStatus >= 500) {
      // A failed page during an outage: reload after a moment, or leave.
      if (rng.chance(0.5) && this.pages < 12) {
        this.req(current, this.lastUrl, 0);
        this.t += rng.range(2_000, 20_000);
      } else this.end(e);
      return;
    }
    const stop = current.path === '/checkout/complete' ? 0.7 : this.pages === 1 ? 0.42 : 0.27;
    if (this.pages >= 40 || rng.chance(stop)) {
      this.end(e);
      return;
    }
    const next = NEXT[current.type].pick(rng);
    const from = this.lastUrl;
    const think = this.think(e, current.type);
    this.t += think;
    switch (next) {
      case 'form':
        if (current.type === 'login') {
          const ok = rng.chance(0.75);
          this.req({ path: '/login', bytes: 0, kind: 'form' }, from, 0, 'POST', ok ? 302 : 200, ok ? 0 : 6_400);
          // A failed login re-renders the form (200); the next step may try again.
          if (ok) this.req(site.pages.account[0]!, from, rng.range(60, 300));
        } else {
          this.req({ path: '/cart/add', bytes: 0, kind: 'form' }, from, 0, 'POST', 302, 0);
          this.req(site.pages.cart[0]!, from, rng.range(60, 300));
        }
        return;
      case 'complete':
        this.req({ path: '/checkout', bytes: 0, kind: 'form' }, from, 0, 'POST', 302, 0);
        this.req(site.pages.checkout[1]!, from, rng.range(300, 2_500));
        return;
      case 'download':
        this.planDownload(e, from);
        return;
      default:
        this.req(next === 'checkout' ? site.pages.checkout[0]! : this.pickPage(e, next), from, 0);
    }
  }

  private planDownload(e: Engine, from: string): void {
    const rng = e.rng;
    const file = e.site.downloads[rng.skewed(e.site.downloads.length, 1.5)]!;
    const roll = rng.next();
    if (roll < 0.72) {
      this.req(file, from, 0);
    } else if (roll < 0.85) {
      // Aborted by the client: a 200 with part of the body.
      this.req(file, from, 0, 'GET', 200, Math.round(file.bytes * rng.next() * 0.9));
    } else {
      // A download manager fetching ranges: 206 Partial Content per chunk.
      const chunks = rng.range(2, 6);
      const size = Math.ceil(file.bytes / chunks);
      for (let i = 0; i < chunks; i++) {
        this.req(file, from, i === 0 ? 0 : rng.range(200, 20_000), 'GET', 206, Math.min(size, file.bytes - i * size));
      }
    }
    // Then the visitor goes back to the downloads page.
    this.current = e.site.pages.downloads[0]!;
  }
}
