/** Generator options, their defaults, and validation into the derived plan the engine runs. */

export const LOG_FORMATS = ['combined', 'common', 'vcombined', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface GeneratorOptions {
  /** Same seed and options, same bytes. */
  seed: number;
  /**
   * Exactly this many lines; null runs until `durationSeconds` of simulated time have passed, or
   * forever when that is null too (streaming at `linesPerSecond`).
   */
  lines: number | null;
  /** Simulated start (UTC instant of the first possible request). */
  start: Date;
  /**
   * Simulated span in seconds. With `lines` it only sets the traffic intensity (lines / duration);
   * without `lines` the log ends at start + duration. Null with `lines`: one day.
   */
  durationSeconds: number | null;
  /** Mean lines per simulated second; null derives it (lines / span, or 12 without lines). */
  linesPerSecond: number | null;
  format: LogFormat;
  /** Offset printed in timestamps (`+0100` = 60). The instants themselves do not change. */
  utcOffsetMinutes: number;
  /** Size of the human visitor population. */
  visitors: number;
  /** Shares of output lines per scenario; humans (incl. error-burst) get the rest. */
  botShare: number;
  scanShare: number;
  malformedShare: number;
  /** Length of the 5xx error burst window; 0 disables it. Unset: 15, at most a tenth of the span. */
  errorBurstMinutes: number;
  /** Seconds from start to the burst window; null places it at 60% of the span. */
  errorBurstAtSeconds: number | null;
  /** Share of visitors with an IPv6 address, and share behind a shared (NAT) IPv4 address. */
  ipv6Share: number;
  natShare: number;
  /** Inactivity that ends a session: think times stay below it, gaps between sessions above it. */
  sessionTimeoutMinutes: number;
  /** Maximum out-of-order jitter: a line's timestamp may be up to this much earlier than the line before. */
  jitterMs: number;
  /** Human arrivals follow the daily and weekly rhythm in each visitor's time zone. */
  diurnal: boolean;
  /** The site's virtual host name. */
  host: string;
}

export const DEFAULT_START = new Date('2026-11-01T00:00:00Z');

export const DEFAULT_GENERATOR_OPTIONS: Readonly<GeneratorOptions> = Object.freeze({
  seed: 1,
  lines: 10_000,
  start: DEFAULT_START,
  durationSeconds: null,
  linesPerSecond: null,
  format: 'combined',
  utcOffsetMinutes: 0,
  visitors: 20_000,
  botShare: 0.15,
  scanShare: 0.02,
  malformedShare: 0.001,
  errorBurstMinutes: 15,
  errorBurstAtSeconds: null,
  ipv6Share: 0.3,
  natShare: 0.08,
  sessionTimeoutMinutes: 30,
  jitterMs: 0,
  diurnal: true,
  host: 'www.example.com',
});

/** Mean lines per second when neither lines nor a rate is given (about a million a day). */
export const DEFAULT_LINES_PER_SECOND = 12;

export interface Plan extends GeneratorOptions {
  startMs: number;
  /**
   * The simulation starts this much earlier and drops what happens before startMs, so the log
   * opens with sessions already under way instead of an empty site (warm-up).
   */
  prerollMs: number;
  /** Simulated span used to calibrate intensity and place the burst (ms). */
  spanMs: number;
  /** End of the simulation (ms) when `lines` is null, otherwise Infinity. */
  endMs: number;
  rate: number;
  burstStartMs: number;
  burstEndMs: number;
  timeoutMs: number;
  /** Longest think time inside a session, and shortest gap between a visitor's sessions (ms). */
  maxThinkMs: number;
  minSessionGapMs: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(message);
}

/** Merges options over the defaults, validates them and derives the plan. Throws RangeError. */
export function resolveOptions(partial: Partial<GeneratorOptions> = {}): Plan {
  const o: GeneratorOptions = { ...DEFAULT_GENERATOR_OPTIONS, ...partial };
  if (partial.lines === undefined && partial.durationSeconds != null) o.lines = null;
  check(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff, `seed must be an integer in [0, 4294967295], got ${o.seed}`);
  check(o.lines === null || (Number.isInteger(o.lines) && o.lines >= 0), `lines must be a whole number >= 0, got ${o.lines}`);
  check(o.start instanceof Date && Number.isFinite(o.start.getTime()), 'start must be a valid date');
  check(
    o.durationSeconds === null || (Number.isFinite(o.durationSeconds) && o.durationSeconds > 0),
    `duration must be > 0 seconds, got ${o.durationSeconds}`,
  );
  check(o.lines !== null || o.durationSeconds !== null || o.linesPerSecond !== null, 'give lines, a duration or a rate');
  check(
    o.linesPerSecond === null || (Number.isFinite(o.linesPerSecond) && o.linesPerSecond > 0),
    `lines per second must be > 0, got ${o.linesPerSecond}`,
  );
  check((LOG_FORMATS as readonly string[]).includes(o.format), `format must be one of ${LOG_FORMATS.join(', ')}, got '${o.format}'`);
  check(
    Number.isInteger(o.utcOffsetMinutes) && Math.abs(o.utcOffsetMinutes) <= 14 * 60,
    `UTC offset must be whole minutes within +-14:00, got ${o.utcOffsetMinutes}`,
  );
  check(
    Number.isInteger(o.visitors) && o.visitors >= 1 && o.visitors <= 100_000_000,
    `visitors must be a whole number in [1, 100000000], got ${o.visitors}`,
  );
  for (const [name, v] of [
    ['bot share', o.botShare],
    ['scan share', o.scanShare],
    ['malformed share', o.malformedShare],
    ['IPv6 share', o.ipv6Share],
    ['NAT share', o.natShare],
  ] as const) {
    check(Number.isFinite(v) && v >= 0 && v <= 1, `${name} must be between 0 and 1, got ${v}`);
  }
  check(
    o.botShare + o.scanShare + o.malformedShare <= 0.9,
    `bot, scan and malformed shares must leave at least 10% for humans (sum ${o.botShare + o.scanShare + o.malformedShare})`,
  );
  check(Number.isFinite(o.errorBurstMinutes) && o.errorBurstMinutes >= 0, `error burst minutes must be >= 0, got ${o.errorBurstMinutes}`);
  check(
    o.errorBurstAtSeconds === null || (Number.isFinite(o.errorBurstAtSeconds) && o.errorBurstAtSeconds >= 0),
    `error burst offset must be >= 0, got ${o.errorBurstAtSeconds}`,
  );
  check(
    Number.isFinite(o.sessionTimeoutMinutes) && o.sessionTimeoutMinutes >= 5 && o.sessionTimeoutMinutes <= 24 * 60,
    `session timeout must be between 5 and 1440 minutes, got ${o.sessionTimeoutMinutes}`,
  );
  check(Number.isFinite(o.jitterMs) && o.jitterMs >= 0 && o.jitterMs <= 60_000, `jitter must be between 0 and 60000 ms, got ${o.jitterMs}`);
  check(typeof o.host === 'string' && /^[A-Za-z0-9.-]{1,253}$/.test(o.host), `host must be a DNS name, got '${o.host}'`);

  const startMs = o.start.getTime();
  let rate: number;
  let spanSeconds: number;
  if (o.lines !== null) {
    spanSeconds = o.durationSeconds ?? (o.linesPerSecond ? Math.max(1, o.lines / o.linesPerSecond) : 86_400);
    // A floor of 1,000 lines per span keeps tiny logs from being spread over weeks.
    rate = o.linesPerSecond ?? Math.max(o.lines, 1_000) / spanSeconds;
  } else {
    // Without lines or duration (an endless stream at a rate) intensity is calibrated over a day.
    spanSeconds = o.durationSeconds ?? 86_400;
    rate = o.linesPerSecond ?? DEFAULT_LINES_PER_SECOND;
  }
  const spanMs = spanSeconds * 1000;
  const burstStartMs = startMs + (o.errorBurstAtSeconds === null ? 0.6 * spanMs : o.errorBurstAtSeconds * 1000);
  // The default burst is 15 minutes, but at most a tenth of a shorter span.
  const burstMinutes = partial.errorBurstMinutes === undefined ? Math.min(o.errorBurstMinutes, spanMs / 600_000) : o.errorBurstMinutes;
  const timeoutMs = o.sessionTimeoutMinutes * 60_000;
  // Timestamps print whole seconds and may be jittered: keep a margin on both sides of the timeout.
  const margin = Math.min(60_000, timeoutMs * 0.1) + 1_000 + o.jitterMs;
  return {
    ...o,
    startMs,
    // 30 minutes, or less where that would mean simulating more than 300,000 requests.
    prerollMs: Math.min(30 * 60_000, (300_000 / rate) * 1000),
    spanMs,
    endMs: o.lines === null && o.durationSeconds !== null ? startMs + spanMs : Infinity,
    rate,
    burstStartMs,
    burstEndMs: burstStartMs + burstMinutes * 60_000,
    timeoutMs,
    maxThinkMs: timeoutMs - margin,
    minSessionGapMs: timeoutMs + margin,
  };
}
