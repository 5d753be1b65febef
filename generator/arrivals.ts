/** Arrival processes: when sessions, crawl runs and scans start. */
import type { Actor, Engine } from './engine.ts';

/**
 * A renewal process of session starts (candidates; the start function may decline one). Gaps are
 * Erlang-distributed with `shape` stages: shape 1 is Poisson (needed for diurnal thinning), a
 * higher shape makes rare, long runs (crawls, scans) arrive more regularly, so their share of a
 * modest log stays close to the configured mix.
 */
export class Arrivals implements Actor {
  t: number;
  seq: number;
  done = false;

  constructor(
    e: Engine,
    private readonly perMs: number,
    private readonly start: (t: number) => boolean,
    private readonly shape: number,
    private readonly factor: () => number,
  ) {
    this.seq = e.nextSeq();
    this.t = e.plan.startMs - e.plan.prerollMs + e.rng.exp(1 / perMs);
  }

  step(e: Engine): boolean {
    this.start(this.t);
    const perMs = this.perMs * this.factor();
    let gap = 0;
    for (let i = 0; i < this.shape; i++) gap += e.rng.exp(1 / (perMs * this.shape));
    this.t += gap;
    return false;
  }
}
