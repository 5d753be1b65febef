/** Small statistics for benchmark series (pure functions). */

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The `q` quantile (0..1) of values each counted `weight` times: the smallest value at or below
 * which at least q of the total weight lies (NaN when there is no weight).
 * @param items [value, weight] pairs, in any order
 */
export function weightedQuantile(items: readonly (readonly [number, number])[], q: number): number {
  const sorted = [...items].filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, w]) => sum + w, 0);
  if (total === 0) return Number.NaN;
  let running = 0;
  for (const [value, weight] of sorted) {
    running += weight;
    if (running >= q * total) return value;
  }
  return sorted.at(-1)![0];
}

/** The least-squares slope of y over x (NaN with fewer than two distinct x). */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

export interface MemorySummary {
  /** Median of the samples in the first minute (t < 60 s). */
  firstMinuteMedian: number;
  /** Median of the samples in the last minute (t >= end - 60 s). */
  lastMinuteMedian: number;
  /** Least-squares slope in MB per minute over the samples after the first minute (all samples when the run is shorter). */
  slopePerMinute: number;
  /** Which samples the slope covers. */
  slopeOver: 'after the first minute' | 'the whole run';
  min: number;
  max: number;
}

/**
 * Summarises an RSS series for "memory stays flat": first-minute vs last-minute median and the
 * slope after the warm-up minute.
 * @param samples [seconds since the start, MB]
 * @param endSeconds the end of the measured window
 */
export function summarizeMemory(samples: readonly (readonly [number, number])[], endSeconds: number): MemorySummary {
  const mb = samples.map(([, y]) => y);
  const after = samples.filter(([t]) => t >= 60);
  const steady = after.length >= 3;
  return {
    firstMinuteMedian: median(samples.filter(([t]) => t < 60).map(([, y]) => y)),
    lastMinuteMedian: median(samples.filter(([t]) => t >= endSeconds - 60).map(([, y]) => y)),
    slopePerMinute: slope((steady ? after : samples).map(([t, y]) => [t / 60, y] as const)),
    slopeOver: steady ? 'after the first minute' : 'the whole run',
    min: Math.min(...mb),
    max: Math.max(...mb),
  };
}
