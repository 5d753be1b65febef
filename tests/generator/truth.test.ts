import { describe, expect, it } from 'vitest';
import { generateRecords, resolveOptions, type GeneratorOptions, type Scenario, type Truth } from '../../generator/index.ts';
import { parseLine } from './reference-parser.ts';

interface Row {
  truth: Truth;
  timeMs: number;
  status: number;
  path: string | null;
}

function run(options: Partial<GeneratorOptions>): Row[] {
  const rows: Row[] = [];
  for (const { line, truth } of generateRecords(options)) {
    const p = parseLine(options.format ?? 'combined', line);
    rows.push({ truth, timeMs: p?.timeMs ?? truth.timeMs, status: p?.status ?? 0, path: p?.path ?? null });
  }
  return rows;
}

function shares(rows: Row[]): Record<Scenario, number> {
  const out: Record<string, number> = { human: 0, bot: 0, scan: 0, 'error-burst': 0, malformed: 0 };
  for (const r of rows) out[r.truth.scenario]! += 1 / rows.length;
  return out as Record<Scenario, number>;
}

describe('ground truth', () => {
  it.each([
    [{ botShare: 0.15, scanShare: 0.02, malformedShare: 0.001 }],
    [{ botShare: 0.3, scanShare: 0.05, malformedShare: 0.01 }],
    [{ botShare: 0.05, scanShare: 0, malformedShare: 0 }],
  ])('matches the configured scenario mix within tolerance (%j)', (mix) => {
    const rows = run({ seed: 21, lines: 150_000, ...mix });
    const s = shares(rows);
    expect(s.bot).toBeGreaterThan(mix.botShare * 0.85);
    expect(s.bot).toBeLessThan(mix.botShare * 1.15);
    expect(Math.abs(s.scan - mix.scanShare)).toBeLessThanOrEqual(Math.max(0.003, mix.scanShare * 0.25));
    expect(Math.abs(s.malformed - mix.malformedShare)).toBeLessThanOrEqual(Math.max(0.0004, mix.malformedShare * 0.2));
    const humans = s.human + s['error-burst'];
    expect(Math.abs(humans - (1 - mix.botShare - mix.scanShare - mix.malformedShare))).toBeLessThan(0.03);
  });

  it('labels human hits inside the error burst window, and 5xx happen only there', () => {
    const options = { seed: 4, lines: 60_000, errorBurstMinutes: 20, errorBurstAtSeconds: 12 * 3600 };
    const plan = resolveOptions(options);
    const rows = run(options);
    const inWindow = (r: Row) => r.truth.timeMs >= plan.burstStartMs && r.truth.timeMs < plan.burstEndMs;
    const burst = rows.filter((r) => r.truth.scenario === 'error-burst');
    expect(burst.length).toBeGreaterThan(100);
    expect(burst.every(inWindow)).toBe(true);
    expect(rows.filter((r) => r.truth.scenario === 'human').some(inWindow)).toBe(false);
    const errors = rows.filter((r) => r.status >= 500);
    expect(errors.length).toBeGreaterThan(20);
    expect(errors.every(inWindow)).toBe(true);
  });

  it.each([
    [30, 0],
    [30, 5000],
    [10, 0],
  ])(
    'keeps every gap inside a session below the %i-minute timeout and gaps between sessions above it (jitter %i ms)',
    (timeoutMinutes, jitterMs) => {
      const timeout = timeoutMinutes * 60_000;
      const rows = run({ seed: 9, lines: 120_000, sessionTimeoutMinutes: timeoutMinutes, jitterMs, visitors: 800 }).filter(
        (r) => r.truth.sessionId !== null,
      );
      const sessions = new Map<number, { visitor: number; times: number[] }>();
      for (const r of rows) {
        const s = sessions.get(r.truth.sessionId!) ?? { visitor: r.truth.visitorId!, times: [] };
        s.times.push(r.timeMs);
        expect(s.visitor).toBe(r.truth.visitorId);
        sessions.set(r.truth.sessionId!, s);
      }
      const byVisitor = new Map<number, Array<[number, number]>>();
      let maxInside = 0;
      for (const s of sessions.values()) {
        s.times.sort((a, b) => a - b);
        for (let i = 1; i < s.times.length; i++) maxInside = Math.max(maxInside, s.times[i]! - s.times[i - 1]!);
        const list = byVisitor.get(s.visitor) ?? [];
        list.push([s.times[0]!, s.times.at(-1)!]);
        byVisitor.set(s.visitor, list);
      }
      expect(maxInside).toBeLessThan(timeout);
      let minBetween = Infinity;
      let repeatVisitors = 0;
      for (const list of byVisitor.values()) {
        if (list.length > 1) repeatVisitors++;
        list.sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < list.length; i++) minBetween = Math.min(minBetween, list[i]![0] - list[i - 1]![1]);
      }
      expect(repeatVisitors).toBeGreaterThan(50);
      expect(minBetween).toBeGreaterThan(timeout);
    },
  );

  it('gives each visitor one stable IP, user agent and country', () => {
    const seen = new Map<number, string>();
    for (const { truth } of generateRecords({ seed: 13, lines: 50_000, visitors: 2000 })) {
      if (truth.visitorId === null) continue;
      const key = `${truth.ip}|${truth.uaKey}|${truth.country}`;
      expect(seen.get(truth.visitorId) ?? key).toBe(key);
      seen.set(truth.visitorId, key);
    }
    const ips = [...seen.values()].map((k) => k.split('|')[0]!);
    const v6 = ips.filter((ip) => ip.includes(':')).length / ips.length;
    expect(v6).toBeGreaterThan(0.15);
    expect(v6).toBeLessThan(0.45);
    // Some visitors share a NAT address.
    expect(new Set(ips).size).toBeLessThan(ips.length);
  });

  it.each([
    [true, 1.25, Infinity],
    [false, 1, 1.2],
  ])('follows the daily rhythm when diurnal is %s (busiest / quietest six UTC hours between %d and %d)', (diurnal, low, high) => {
    const blocks = [0, 0, 0, 0];
    for (const { truth } of generateRecords({
      seed: 8,
      durationSeconds: 86_400,
      linesPerSecond: 1.2,
      diurnal,
      botShare: 0,
      scanShare: 0,
    })) {
      blocks[Math.floor(new Date(truth.timeMs).getUTCHours() / 6)]! += 1;
    }
    const ratio = Math.max(...blocks) / Math.min(...blocks);
    expect(ratio).toBeGreaterThan(low);
    expect(ratio).toBeLessThan(high);
  });

  it('numbers truth records 1..N in line order', () => {
    let n = 0;
    for (const { truth } of generateRecords({ seed: 1, lines: 5000, malformedShare: 0.05 })) expect(truth.line).toBe(++n);
    expect(n).toBe(5000);
  });
});
