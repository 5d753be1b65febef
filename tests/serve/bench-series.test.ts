import { describe, expect, it } from 'vitest';
import { median, slope, summarizeMemory, weightedQuantile } from '../../bench/support/series.ts';

describe('median()', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[], Number.NaN],
  ])('median(%j) = %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('weightedQuantile()', () => {
  // lag 1 s for 90 lines, 10 s for 10 lines
  const items = [
    [10, 10],
    [1, 90],
  ] as const;
  it.each([
    [0.5, 1],
    [0.9, 1],
    [0.95, 10],
    [1, 10],
  ])('q %d of 90 lines at 1 s and 10 at 10 s is %d', (q, expected) => {
    expect(weightedQuantile(items, q)).toBe(expected);
  });
  it('is NaN without weight', () => {
    expect(weightedQuantile([[5, 0]], 0.5)).toBeNaN();
  });
});

describe('slope()', () => {
  it.each([
    [
      [
        [0, 1],
        [1, 3],
        [2, 5],
      ],
      2,
    ],
    [
      [
        [0, 7],
        [5, 7],
      ],
      0,
    ],
  ] as const)('slope(%j) = %d', (points, expected) => {
    expect(slope(points)).toBeCloseTo(expected, 10);
  });
  it.each([
    [[]],
    [[[1, 2]]],
    [
      [
        [1, 2],
        [1, 3],
      ],
    ],
  ] as const)('is NaN for %j', (points) => {
    expect(slope(points)).toBeNaN();
  });
});

describe('summarizeMemory()', () => {
  it('compares the first and last minute and takes the slope after the first minute', () => {
    // 10-minute run, samples every 10 s: 300 MB warm-up spike in the first minute, then 200 MB growing 1 MB/min
    const samples: [number, number][] = [];
    for (let t = 0; t <= 600; t += 10) samples.push([t, t < 60 ? 300 : 200 + (t - 60) / 60]);
    const m = summarizeMemory(samples, 600);
    expect(m.firstMinuteMedian).toBe(300);
    expect(m.lastMinuteMedian).toBeCloseTo(200 + 510 / 60, 10);
    expect(m.slopePerMinute).toBeCloseTo(1, 10);
    expect(m.slopeOver).toBe('after the first minute');
    expect([m.min, m.max]).toEqual([200, 300]);
  });
  it('takes the slope over the whole run when it is too short', () => {
    const m = summarizeMemory(
      [
        [0, 100],
        [10, 110],
        [20, 120],
      ],
      20,
    );
    expect(m.slopeOver).toBe('the whole run');
    expect(m.slopePerMinute).toBeCloseTo(60, 10);
  });
});
