/**
 * The human visitor population. A visitor's attributes (home country and time zone, client IP,
 * user agent, protocol) derive from a hash of (seed, visitor id), so nothing per visitor is
 * precomputed and picking one costs the same whatever the population size.
 */
import { HUMAN_AGENT_TABLE, type Agent } from './agents.ts';
import { countryIpv4, countryIpv6 } from './network.ts';
import { hash2, unit, WeightedTable, type Rng } from './rng.ts';

export interface Region {
  index: number;
  country: string;
  /** Local time offset in minutes (standard time). */
  offset: number;
  share: number;
  /** Visitor ids [start, start + size). */
  start: number;
  size: number;
  /** A multiplier coprime to size: spreads popular visitors across the id range. */
  stride: number;
}

/** Shares of visitors by home country and time zone (the US and others split by zone). */
const REGIONS: ReadonlyArray<readonly [string, number, number]> = [
  ['US', -300, 0.17],
  ['US', -360, 0.07],
  ['US', -480, 0.08],
  ['GB', 0, 0.07],
  ['DE', 60, 0.07],
  ['IN', 330, 0.06],
  ['FR', 60, 0.045],
  ['CA', -300, 0.035],
  ['BR', -180, 0.035],
  ['JP', 540, 0.035],
  ['AU', 600, 0.025],
  ['NL', 60, 0.025],
  ['ES', 60, 0.022],
  ['IT', 60, 0.022],
  ['PL', 60, 0.018],
  ['MX', -360, 0.015],
  ['SE', 60, 0.013],
  ['RU', 180, 0.015],
  ['CN', 480, 0.012],
  ['KR', 540, 0.01],
  ['ID', 420, 0.01],
  ['TR', 180, 0.01],
  ['SG', 480, 0.009],
  ['ZA', 120, 0.006],
  ['NG', 60, 0.005],
  ['VN', 420, 0.006],
  ['UA', 120, 0.006],
  ['AR', -180, 0.006],
  ['PH', 480, 0.006],
  ['EG', 120, 0.004],
];

export interface Visitor {
  id: number;
  region: Region;
  ip: string;
  agent: Agent;
  protocol: string;
  /** Had a session before (cached assets come back as 304 or are not asked for). */
  returning: boolean;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const NAT_GROUP = 24;

export class Population {
  readonly regions: Region[];
  readonly regionTable: WeightedTable<Region>;
  readonly lastEnd: Float64Array;
  readonly active: Uint8Array;

  constructor(
    readonly seed: number,
    readonly size: number,
    private readonly ipv6Share: number,
    private readonly natShare: number,
  ) {
    const chosen = [...REGIONS].sort((a, b) => b[2] - a[2]).slice(0, Math.min(REGIONS.length, size));
    const total = chosen.reduce((s, r) => s + r[2], 0);
    this.regions = [];
    let start = 0;
    // One visitor per region, the rest in proportion to the shares (remainder to the largest).
    const spare = size - chosen.length;
    const sizes = chosen.map(([, , share]) => 1 + Math.floor((spare * share) / total));
    sizes[0]! += size - sizes.reduce((a, b) => a + b, 0);
    chosen.forEach(([country, offset, share], index) => {
      const n = sizes[index]!;
      let stride = 7919 + index * 2;
      while (gcd(stride, n) !== 1) stride++;
      this.regions.push({ index, country, offset, share: share / total, start, size: n, stride });
      start += n;
    });
    this.regionTable = new WeightedTable(
      this.regions.map((r) => [r, r.share] as const),
      8192,
    );
    this.lastEnd = new Float64Array(size).fill(-Infinity);
    this.active = new Uint8Array(size);
  }

  /** A visitor of the region, popular ones more often (a long-tailed share of returning visits). */
  pick(rng: Rng, region: Region): number {
    const rank = rng.skewed(region.size, 1.6);
    return region.start + ((rank * region.stride + 13) % region.size);
  }

  /** True when the visitor may start a session at `t` without breaking the timeout guarantee. */
  eligible(id: number, t: number, minGapMs: number): boolean {
    return this.active[id] === 0 && t - this.lastEnd[id]! >= minGapMs;
  }

  visitor(id: number, region: Region): Visitor {
    const s = this.seed;
    const agent = HUMAN_AGENT_TABLE.at(unit(s ^ 0x51ed, id));
    const local = id - region.start;
    let ip: string;
    if (unit(s ^ 0xa7, id) < this.natShare) {
      // Behind a shared address (carrier-grade or office NAT): the group shares one IPv4.
      ip = countryIpv4(region.country, s ^ 0x4a7, region.index * 1_000_003 + Math.floor(local / NAT_GROUP));
    } else if (unit(s ^ 0x66, id) < this.ipv6Share) {
      ip = countryIpv6(region.country, s, id);
    } else {
      ip = countryIpv4(region.country, s, id);
    }
    const protocol = unit(s ^ 0x2222, id) < agent.http2 ? 'HTTP/2.0' : 'HTTP/1.1';
    return { id, region, ip, agent, protocol, returning: this.lastEnd[id]! > -Infinity || hash2(s, id) % 3 === 0 };
  }

  regionOf(id: number): Region {
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.regions[mid]!.start <= id) lo = mid;
      else hi = mid - 1;
    }
    return this.regions[lo]!;
  }
}
