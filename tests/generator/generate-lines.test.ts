import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GENERATOR_OPTIONS, generateLines, generateRecords, LOG_FORMATS, resolveOptions } from '../../generator/index.ts';

const digest = (lines: Iterable<string>) => {
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line + '\n');
  return hash.digest('hex');
};

describe('generateLines()', () => {
  it.each(LOG_FORMATS)('gives the same bytes for the same seed (%s)', (format) => {
    const a = digest(generateLines({ seed: 7, lines: 3000, format }));
    const b = digest(generateLines({ seed: 7, lines: 3000, format }));
    expect(a).toBe(b);
  });

  it.each([
    [1, 2],
    [7, 8],
    [0, 4294967295],
  ])('gives different output for seeds %i and %i', (s1, s2) => {
    expect(digest(generateLines({ seed: s1, lines: 2000 }))).not.toBe(digest(generateLines({ seed: s2, lines: 2000 })));
  });

  it.each([0, 1, 17, 2500])('yields exactly %i lines, none with a newline', (lines) => {
    const out = [...generateLines({ seed: 3, lines })];
    expect(out).toHaveLength(lines);
    expect(out.every((l) => !l.includes('\n') && !l.includes('\r') && l.length > 0)).toBe(true);
  });

  it('starts at the fixed reference date by default, not at the wall clock', () => {
    expect(DEFAULT_GENERATOR_OPTIONS.start.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    const [first] = generateRecords({ seed: 5, lines: 1 });
    expect(first!.truth.timeMs).toBeGreaterThanOrEqual(Date.parse('2026-11-01T00:00:00Z'));
    expect(first!.line).toContain('/Nov/2026:');
  });

  it('keeps lines in time order without jitter, and within the jitter with it', () => {
    for (const [jitterMs, slack] of [
      [0, 0],
      [3000, 3000],
    ] as const) {
      let last = -Infinity;
      let maxBack = 0;
      for (const { truth } of generateRecords({ seed: 11, lines: 20_000, jitterMs })) {
        maxBack = Math.max(maxBack, last - truth.timeMs);
        last = Math.max(last, truth.timeMs);
      }
      expect(maxBack).toBeLessThanOrEqual(slack);
      if (jitterMs > 0) expect(maxBack).toBeGreaterThan(0);
    }
  });

  it('ends at start + duration when no line count is given, opening with sessions under way', () => {
    const start = new Date('2026-11-03T10:00:00Z');
    const records = [...generateRecords({ seed: 2, start, durationSeconds: 1800, linesPerSecond: 20 })];
    expect(records.length).toBeGreaterThan(20 * 1800 * 0.8);
    expect(records.length).toBeLessThan(20 * 1800 * 1.2);
    // Warm-up: the first minute is as busy as the rest, not an empty site filling up.
    const firstMinute = records.filter((r) => r.truth.timeMs < start.getTime() + 60_000).length;
    expect(firstMinute).toBeGreaterThan(20 * 60 * 0.6);
    expect(records.at(-1)!.truth.timeMs).toBeLessThan(start.getTime() + 1800_000);
    expect(records[0]!.truth.timeMs).toBeGreaterThanOrEqual(start.getTime());
  });

  it.each([
    [{ seed: -1 }, /seed/],
    [{ lines: 1.5 }, /lines/],
    [{ format: 'xml' as never }, /format/],
    [{ start: new Date('nope') }, /start/],
    [{ botShare: 0.6, scanShare: 0.4 }, /shares/],
    [{ utcOffsetMinutes: 15 * 60 }, /offset/],
    [{ sessionTimeoutMinutes: 1 }, /timeout/],
  ])('rejects invalid options %j', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(message);
  });
});
