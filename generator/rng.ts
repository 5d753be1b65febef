/**
 * Seeded pseudo-random numbers (sfc32 seeded through splitmix32). Pure integer arithmetic plus
 * Math.log/Math.exp, so a seed gives the same sequence on every machine running the same Node.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An exponential variate with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A log-normal variate with the given median and log-space sigma (Box-Muller, one value). */
  logNormal(median: number, sigma: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }

  /** An index skewed towards 0 (popular items first): floor(n * u^power). */
  skewed(n: number, power: number): number {
    return Math.floor(n * Math.pow(this.next(), power));
  }
}

/** A stateless 32-bit hash of two integers (murmur3 finaliser); used to derive stable attributes. */
export function hash2(a: number, b: number): number {
  let h = Math.imul(a ^ 0x5bd1e995, 0xcc9e2d51) ^ Math.imul(b + 0x27d4eb2f, 0x1b873593);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** hash2 mapped to [0, 1). */
export function unit(a: number, b: number): number {
  return hash2(a, b) / 4294967296;
}

/**
 * O(1) weighted choice: a lookup table of `size` slots filled in proportion to the weights.
 * Precomputed once per pool, so picking never depends on the pool or population size.
 */
export class WeightedTable<T> {
  private readonly slots: T[];

  constructor(entries: ReadonlyArray<readonly [T, number]>, size = 4096) {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    this.slots = [];
    let acc = 0;
    for (const [item, w] of entries) {
      acc += w;
      const until = Math.round((acc / total) * size);
      while (this.slots.length < until) this.slots.push(item);
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new Error('WeightedTable needs at least one entry');
    while (this.slots.length < size) this.slots.push(last[0]);
  }

  /** Picks with u in [0, 1). */
  at(u: number): T {
    return this.slots[Math.floor(u * this.slots.length)] as T;
  }

  pick(rng: Rng): T {
    return this.at(rng.next());
  }
}
