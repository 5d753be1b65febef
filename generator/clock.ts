/** Timestamps as web servers print them, and the daily/weekly rhythm of human traffic. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** `+0000`, `-0530`: the zone suffix of Apache's %t for an offset in minutes. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/**
 * Formats epoch milliseconds as Apache %t / nginx $time_local without brackets
 * (`10/Oct/2026:13:55:36 +0000`) in a fixed UTC offset. The date part is cached per day, so a
 * call costs a few string concatenations.
 */
export class TimeFormatter {
  private readonly offsetMs: number;
  private readonly suffix: string;
  private day = Number.NaN;
  private dayPrefix = '';
  private lastSecond = Number.NaN;
  private lastText = '';

  constructor(utcOffsetMinutes: number) {
    this.offsetMs = utcOffsetMinutes * 60_000;
    this.suffix = ' ' + formatOffset(utcOffsetMinutes);
  }

  format(epochMs: number): string {
    const second = Math.floor(epochMs / 1000);
    if (second === this.lastSecond) return this.lastText;
    const localMs = second * 1000 + this.offsetMs;
    const day = Math.floor(localMs / 86_400_000);
    if (day !== this.day) {
      const d = new Date(day * 86_400_000);
      this.day = day;
      this.dayPrefix = `${TWO[d.getUTCDate()]}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:`;
    }
    const sod = Math.floor((localMs - day * 86_400_000) / 1000);
    const h = Math.floor(sod / 3600);
    const m = Math.floor((sod % 3600) / 60);
    this.lastSecond = second;
    this.lastText = `${this.dayPrefix}${TWO[h]}:${TWO[m]}:${TWO[sod % 60]}${this.suffix}`;
    return this.lastText;
  }
}

/**
 * Relative human traffic by local hour (0..23), interpolated linearly: a night trough around
 * 04:00, a late-morning plateau and an evening peak, as seen in typical consumer sites.
 */
const HOURLY = [
  0.45, 0.3, 0.22, 0.18, 0.17, 0.2, 0.32, 0.55, 0.85, 1.1, 1.25, 1.32, 1.35, 1.33, 1.3, 1.28, 1.27, 1.3, 1.38, 1.5, 1.6, 1.55, 1.25, 0.8,
];
/** Relative traffic by local weekday, Sunday first. */
const WEEKDAY = [0.82, 1.05, 1.06, 1.05, 1.03, 0.98, 0.8];

/** Relative human activity at an instant for a visitor whose local time is UTC + offset. */
export function activity(epochMs: number, utcOffsetMinutes: number): number {
  const local = epochMs + utcOffsetMinutes * 60_000;
  const dayIndex = Math.floor(local / 86_400_000);
  const hour = (local - dayIndex * 86_400_000) / 3_600_000;
  const h0 = Math.floor(hour);
  const f = hour - h0;
  const a = HOURLY[h0] as number;
  const b = HOURLY[(h0 + 1) % 24] as number;
  const weekday = ((dayIndex % 7) + 7 + 4) % 7; // 1970-01-01 was a Thursday
  return (a + (b - a) * f) * (WEEKDAY[weekday] as number);
}

/** The largest value `activity` can return (used as the thinning bound). */
export const MAX_ACTIVITY = Math.max(...HOURLY) * Math.max(...WEEKDAY);
