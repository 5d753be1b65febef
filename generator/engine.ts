/**
 * The traffic simulation: a scheduler (min-heap by time) of actors — arrival processes for
 * human sessions, crawl runs and scans, the sessions and runs themselves, an uptime monitor —
 * stepped in time order, one request per step. Each step fills the shared Hit, which is then
 * formatted; malformed lines are injected between real ones.
 */
import { activity, MAX_ACTIVITY, TimeFormatter } from './clock.ts';
import { BotPool, CrawlRun, expectedCrawlLines, Monitor } from './bots.ts';
import { FORMATTERS, type LineFormatter } from './format.ts';
import { Arrivals } from './arrivals.ts';
import { Heap } from './heap.ts';
import { Hit, type Scenario } from './hit.ts';
import { HumanSession } from './human.ts';
import { malform } from './malformed.ts';
import type { Plan } from './options.ts';
import { Population } from './population.ts';
import { Rng } from './rng.ts';
import { expectedScanLines, ScannerPool, ScanRun } from './scans.ts';
import { buildSite, type Kind, type Site } from './site.ts';
import { CRAWLERS, MONITOR, type Crawler } from './agents.ts';

export interface Actor {
  t: number;
  seq: number;
  done: boolean;
  /** Performs the next event at `t`; returns true when it filled `engine.hit`. */
  step(e: Engine): boolean;
}

/** The ground truth of one output line. */
export interface Truth {
  line: number;
  visitorId: number | null;
  sessionId: number | null;
  scenario: Scenario;
  isPageView: boolean;
  kind: Kind;
  ip: string | null;
  country: string | null;
  uaKey: string | null;
  timeMs: number;
}

const BURST_PATH = /^\/(api\/|search|checkout|cart)/;
const BURST_STATUS = [503, 503, 503, 502, 502, 500, 504] as const;
const BURST_BYTES: Record<number, number> = { 500: 531, 502: 559, 503: 299, 504: 569 };

/** Mean requests per session/run, measured by running sample actors on a private copy. */
interface Calibration {
  human: number;
  bot: number;
  scan: number;
}

export class Engine {
  readonly rng: Rng;
  readonly hit = new Hit();
  readonly site: Site;
  readonly population: Population;
  readonly bots: BotPool;
  readonly scanners: ScannerPool;
  private readonly heap = new Heap<Actor>();
  private readonly spawned: Actor[] = [];
  private readonly formatLine: LineFormatter;
  private readonly clock: TimeFormatter;
  private readonly malformedChance: number;
  private readonly botActive: Uint8Array;
  private readonly botLastEnd: Float64Array;
  private seqCounter = 0;
  private humanLinesDone = 0;
  private humanSessionsDone = 0;
  private calibratedHumanLines = 1;
  private sessionCounter = 0;
  /** Lines returned so far. */
  lineNumber = 0;
  private held: string | null = null;
  private readonly heldTruth: Truth = blankTruth();
  /** Truth of the line last returned by next(); one object, overwritten by each call. */
  readonly truth: Truth = blankTruth();
  private finished = false;

  constructor(
    readonly plan: Plan,
    site?: Site,
    private readonly pilot = false,
  ) {
    this.rng = new Rng(plan.seed, pilot ? 77 : 1);
    this.site = site ?? remember(SITES, `${plan.seed}|${plan.host}`, () => buildSite(plan.seed, plan.host));
    this.population = new Population(plan.seed, plan.visitors, plan.ipv6Share, plan.natShare);
    const cal = pilot ? null : this.calibrate();
    // Enough crawler addresses that each can rest a full session gap between its runs.
    const runsPerSecond = cal ? (plan.rate * plan.botShare) / cal.bot : 0;
    this.bots = new BotPool(plan.seed, plan.visitors, (c) =>
      Math.ceil(3 * runsPerSecond * c.weight * (c.meanPages * c.meanGapSeconds + plan.minSessionGapMs / 1000)),
    );
    const scansPerSecond = cal ? (plan.rate * plan.scanShare) / cal.scan : 0;
    this.scanners = new ScannerPool(
      plan.seed,
      this.bots.nextId,
      Math.max(250, Math.ceil(3 * scansPerSecond * (60 + plan.minSessionGapMs / 1000))),
    );
    this.botActive = new Uint8Array(this.scanners.scanners.length + this.bots.nextId - plan.visitors);
    this.botLastEnd = new Float64Array(this.botActive.length).fill(-Infinity);
    this.formatLine = FORMATTERS[plan.format];
    this.clock = new TimeFormatter(plan.utcOffsetMinutes);
    this.malformedChance = plan.malformedShare / (1 - plan.malformedShare);
    if (cal) this.schedule(cal);
  }

  nextSeq(): number {
    return this.seqCounter++;
  }

  private newSession(): number {
    return this.sessionCounter++;
  }

  spawn(actor: Actor): void {
    this.spawned.push(actor);
  }

  /** Applies server-side effects (the error burst) and labels the hit. */
  serve(hit: Hit): void {
    const plan = this.plan;
    if (hit.t >= plan.burstStartMs && hit.t < plan.burstEndMs) {
      if (hit.scenario === 'human') hit.scenario = 'error-burst';
      const k = hit.kind;
      if (hit.status < 400 && (k === 'page' || k === 'api' || k === 'form')) {
        const p = BURST_PATH.test(hit.target) ? 0.85 : 0.25;
        if (this.rng.chance(p)) {
          hit.status = BURST_STATUS[this.rng.int(BURST_STATUS.length)]!;
          hit.bytes = BURST_BYTES[hit.status]!;
        }
      }
    }
    hit.host = plan.host;
    // A page view: a page (document) fetched with GET and served (2xx) or revalidated (304).
    hit.pageView = hit.kind === 'page' && hit.method === 'GET' && ((hit.status >= 200 && hit.status < 300) || hit.status === 304);
  }

  endHumanSession(visitorId: number, t: number, lines: number): void {
    this.population.active[visitorId] = 0;
    this.population.lastEnd[visitorId] = t;
    this.humanLinesDone += lines;
    this.humanSessionsDone++;
  }

  /**
   * Corrects the human session rate for what sessions really produce: returning visitors (more
   * of them as the log goes on) load fewer assets than the start-up calibration saw.
   */
  humanRateFactor(): number {
    if (this.humanSessionsDone < 200 || this.humanLinesDone === 0) return 1;
    return this.calibratedHumanLines / (this.humanLinesDone / this.humanSessionsDone);
  }

  endBotRun(visitorId: number, t: number): void {
    const i = visitorId - this.plan.visitors;
    this.botActive[i] = 0;
    this.botLastEnd[i] = t;
  }

  endScanRun(visitorId: number, t: number): void {
    this.endBotRun(visitorId, t);
  }

  private botEligible(visitorId: number, t: number): boolean {
    const i = visitorId - this.plan.visitors;
    return this.botActive[i] === 0 && t - this.botLastEnd[i]! >= this.plan.minSessionGapMs;
  }

  private claimBot(visitorId: number): void {
    this.botActive[visitorId - this.plan.visitors] = 1;
  }

  // --- arrivals -------------------------------------------------------------------------------

  /** Starts a human session at t for an eligible visitor of a region, or returns false. */
  startHuman(t: number): boolean {
    const pop = this.population;
    const region = pop.regionTable.pick(this.rng);
    if (this.plan.diurnal && !this.pilot && this.rng.next() * MAX_ACTIVITY > activity(t, region.offset)) return false;
    for (let tries = 0; tries < 8; tries++) {
      const id = pop.pick(this.rng, region);
      if (this.pilot || pop.eligible(id, t, this.plan.minSessionGapMs)) {
        const visitor = pop.visitor(id, region);
        if (!this.pilot) pop.active[id] = 1;
        this.spawn(new HumanSession(this, visitor, this.newSession(), t));
        return true;
      }
    }
    return false;
  }

  startCrawl(t: number, crawler: Crawler = this.bots.crawlerTable.pick(this.rng)): boolean {
    const list = this.bots.byCrawler.get(crawler)!;
    const first = this.rng.int(list.length);
    for (let k = 0; k < list.length; k++) {
      const bot = list[(first + k) % list.length]!;
      if (this.pilot || this.botEligible(bot.id, t)) {
        if (!this.pilot) this.claimBot(bot.id);
        this.spawn(new CrawlRun(this, bot, this.newSession(), t));
        return true;
      }
    }
    return false;
  }

  startScan(t: number): boolean {
    const list = this.scanners.scanners;
    for (let k = 0; k < 8; k++) {
      const s = list[this.rng.int(list.length)]!;
      if (this.pilot || this.botEligible(s.id, t)) {
        if (!this.pilot) this.claimBot(s.id);
        this.spawn(new ScanRun(this, s, this.newSession(), t));
        return true;
      }
    }
    return false;
  }

  /**
   * Mean requests per human session, measured by running sample sessions on a private engine
   * (the session model is too branchy for a closed form); crawl runs and scans in closed form.
   */
  private calibrate(): Calibration {
    const p = this.plan;
    const key = JSON.stringify([
      p.seed,
      p.host,
      p.visitors,
      p.maxThinkMs,
      p.burstStartMs - p.startMs,
      p.burstEndMs - p.startMs,
      p.ipv6Share,
      p.natShare,
    ]);
    return remember(CALIBRATIONS, key, () => this.measure());
  }

  private measure(): Calibration {
    const probe = new Engine(this.plan, this.site, true);
    let lines = 0;
    const n = 8000;
    for (let i = 0; i < n; i++) {
      probe.startHuman(this.plan.startMs);
      const actor = probe.spawned.pop()!;
      while (!actor.done) if (actor.step(probe)) lines++;
    }
    return { human: lines / n, bot: expectedCrawlLines(this.site), scan: expectedScanLines() };
  }

  /** Mean of the summed regional activity over the span (the diurnal curve's normaliser). */
  private meanActivity(): number {
    if (!this.plan.diurnal) return MAX_ACTIVITY;
    const step = 10 * 60_000;
    let sum = 0;
    let n = 0;
    for (let t = this.plan.startMs; t < this.plan.startMs + Math.max(this.plan.spanMs, step); t += step) {
      for (const r of this.population.regions) sum += r.share * activity(t, r.offset);
      n++;
    }
    return sum / n;
  }

  private schedule(cal: Calibration): void {
    const plan = this.plan;
    const real = plan.rate * (1 - plan.malformedShare);
    const humanLines = plan.rate * (1 - plan.botShare - plan.scanShare - plan.malformedShare);
    let botLines = plan.rate * plan.botShare;
    const scanLines = plan.rate * plan.scanShare;
    if (real <= 0) return;
    // Candidate session arrivals per ms, thinned by the diurnal curve down to the mean rate.
    const humanCandidates = ((humanLines / cal.human) * (MAX_ACTIVITY / this.meanActivity())) / 1000;
    this.calibratedHumanLines = cal.human;
    // The uptime monitor only where it stays a small part of the bot traffic.
    if (botLines * 0.05 >= 1 / MONITOR.intervalSeconds) {
      this.heap.push(new Monitor(this, this.newSession()));
      botLines -= 1 / MONITOR.intervalSeconds;
    }
    // One process per crawler, so the crawler mix (short link previews, long scrapes) stays steady.
    const crawlRuns = botLines / cal.bot / 1000;
    const totalWeight = CRAWLERS.reduce((sum, c) => sum + c.weight, 0);
    const arrivals: Array<[number, (t: number) => boolean, number, () => number]> = [
      [humanCandidates, (t) => this.startHuman(t), 1, () => this.humanRateFactor()],
      ...CRAWLERS.map(
        (c) =>
          [(crawlRuns * c.weight) / totalWeight, (t: number) => this.startCrawl(t, c), 4, () => 1] as [
            number,
            (t: number) => boolean,
            number,
            () => number,
          ],
      ),
      [scanLines / cal.scan / 1000, (t) => this.startScan(t), 4, () => 1],
    ];
    for (const [perMs, start, shape, factor] of arrivals) {
      if (perMs > 0) this.heap.push(new Arrivals(this, perMs, start, shape, factor));
    }
  }

  // --- output ---------------------------------------------------------------------------------

  /** The next line (without newline), or null when the log is complete. */
  next(): string | null {
    const plan = this.plan;
    if (this.finished || (plan.lines !== null && this.lineNumber >= plan.lines)) return null;
    const truth = this.truth;
    if (this.held !== null) {
      const line = this.held;
      Object.assign(truth, this.heldTruth);
      truth.line = ++this.lineNumber;
      this.held = null;
      return line;
    }
    const heap = this.heap;
    for (;;) {
      const actor = heap.peek();
      if (actor === undefined || actor.t >= plan.endMs) {
        this.finished = true;
        return null;
      }
      const emitted = actor.step(this);
      if (actor.done) heap.pop();
      else heap.siftDown();
      if (this.spawned.length > 0) {
        for (const a of this.spawned) heap.push(a);
        this.spawned.length = 0;
      }
      // Requests before the start only warm the simulation up.
      if (emitted && this.hit.t >= plan.startMs) break;
    }
    const hit = this.hit;
    let printed = hit.t;
    if (plan.jitterMs > 0) printed -= this.rng.next() * plan.jitterMs;
    const line = this.formatLine(hit, this.clock.format(printed));
    truth.visitorId = hit.visitorId;
    truth.sessionId = hit.sessionId;
    truth.scenario = hit.scenario;
    truth.isPageView = hit.pageView;
    truth.kind = hit.kind;
    truth.ip = hit.ip;
    truth.country = hit.country === '' ? null : hit.country;
    truth.uaKey = hit.uaKey;
    truth.timeMs = Math.floor(printed);
    if (this.malformedChance > 0 && this.rng.next() < this.malformedChance) {
      // The malformed line goes first; the real one follows on the next call.
      this.held = line;
      Object.assign(this.heldTruth, truth);
      Object.assign(truth, MALFORMED_TRUTH);
      truth.line = ++this.lineNumber;
      return malform(line, plan.format, this.rng);
    }
    truth.line = ++this.lineNumber;
    return line;
  }
}

/** Sites (immutable once built) and calibrations are the same for the same seed and options. */
const SITES = new Map<string, Site>();
const CALIBRATIONS = new Map<string, Calibration>();

function remember<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= 16) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
  }
  return value;
}

function blankTruth(): Truth {
  return {
    line: 0,
    visitorId: null,
    sessionId: null,
    scenario: 'malformed',
    isPageView: false,
    kind: 'malformed',
    ip: null,
    country: null,
    uaKey: null,
    timeMs: 0,
  };
}

/** The fields a malformed line's truth overrides (it keeps the time of the line it was made from). */
const MALFORMED_TRUTH = {
  visitorId: null,
  sessionId: null,
  scenario: 'malformed',
  isPageView: false,
  kind: 'malformed',
  ip: null,
  country: null,
  uaKey: null,
} as const;
