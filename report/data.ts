import { DEPTH_BUCKETS, DURATION_BUCKETS, PANELS, reportQueries, type ReportParameters } from './queries.ts';
import type { ReportSource, Row, Spelling } from './source.ts';
import { countryInfo } from './countries.ts';
import { LogflowError } from '../core/errors.ts';

/** Limits that bound the report's size: items kept per panel, rows of other lists, minute detail. */
export interface ReportLimits {
  /** Items kept per panel (the union of the top `keep` with and without bots); the rest is one "(other)" row per day. */
  keep: number;
  /** Suspicious clients kept (by hits). */
  suspicious: number;
  /** Hours of per-minute detail, counted back from the end of the range. */
  minuteHours: number;
  /** Characters kept of each parse-error sample. */
  sampleChars: number;
}

export const DEFAULT_LIMITS: ReportLimits = { keep: 100, suspicious: 200, minuteHours: 48, sampleChars: 400 };

/** The data embedded in the page: compact arrays, day indices into `days`. */
export interface ReportData {
  meta: {
    generatedAt: string;
    source: string;
    engine: string;
    from: string;
    to: string;
    keep: number;
    minuteFrom: string;
    durationBuckets: string[];
    depthBuckets: string[];
    live?: { updatedAt: string; lagSeconds: number | null; newestRequestAt: string | null };
  };
  days: string[];
  daily: (number | null)[][];
  dailyHuman: number[][];
  /** [reason, lines] over all lines ever quarantined (they have no request date). */
  parseErrors: (number | string)[][];
  parseSamples: (string | number)[][];
  series: { minute: { all: number[][]; human: number[][] }; hour: { all: number[][]; human: number[][] } };
  sessions: { daily: number[][]; duration: number[][]; depth: number[][]; landing: (number | string)[][]; exit: (number | string)[][] };
  panels: Record<string, { title: string; labels: string[]; all: (number | string | null)[][]; human: (number | string | null)[][] }>;
  suspicious: (number | string | boolean | null)[][];
  countries: Record<string, { name: string; numeric: string | null }>;
}

export const OTHER = '(other)';

/**
 * Reads the output tables for [from, to] (default: every day the warehouse holds) and shapes the
 * report's data. Pure shaping apart from `source.query`.
 */
export async function buildReportData(
  source: ReportSource,
  s: Spelling,
  range: { from?: string; to?: string },
  limits: ReportLimits = DEFAULT_LIMITS,
): Promise<ReportData> {
  const q = reportQueries(s);
  const bounds = (await source.query(q.bounds!, {}))[0] ?? {};
  const first = str(bounds.first_day);
  const last = str(bounds.last_day);
  if (!first || !last) {
    throw new LogflowError(`the output tables hold no requests yet (${source.label}); run logflow ingest and logflow transform first`);
  }
  const from = range.from ?? first;
  const to = range.to ?? last;
  if (from > to) throw new LogflowError(`--from ${from} is after --to ${to}`, 2);
  const minuteFrom = new Date(
    Math.min(Date.parse(`${to}T00:00:00Z`) + 86_400_000, Date.parse(`${last}T00:00:00Z`) + 86_400_000) - limits.minuteHours * 3_600_000,
  ).toISOString();
  const params = { from, to };
  const run = (name: string, extra: Partial<ReportParameters> = {}) => source.query(q[name]!, { ...params, ...extra });

  const days: string[] = [];
  const dayIndex = new Map<string, number>();
  const d = (v: unknown): number => {
    const key = str(v) ?? '';
    let i = dayIndex.get(key);
    if (i === undefined) {
      i = days.length;
      days.push(key);
      dayIndex.set(key, i);
    }
    return i;
  };
  // Days in calendar order first, so indices sort like dates.
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 3660; t += 86_400_000)
    d(new Date(t).toISOString().slice(0, 10));

  const [
    daily,
    dailyHuman,
    dailyErrors,
    parseErrors,
    samples,
    minutes,
    minutesHuman,
    hours,
    hoursHuman,
    sDaily,
    sDuration,
    sDepth,
    landing,
    exit,
    suspicious,
  ] = await Promise.all([
    run('daily'),
    run('daily_human'),
    run('daily_errors'),
    run('parse_errors'),
    run('parse_error_samples'),
    run('minutes', { minuteFrom }),
    run('minutes_human', { minuteFrom }),
    run('hours'),
    run('hours_human'),
    run('sessions_daily'),
    run('sessions_duration'),
    run('sessions_depth'),
    run('landing_pages'),
    run('exit_pages'),
    run('suspicious'),
  ]);
  const errorsByDay = new Map(dailyErrors.map((r) => [str(r.day), num(r.errors)]));

  const panels: ReportData['panels'] = {};
  for (const p of PANELS) {
    const [all, human] = await Promise.all([run(`panel_${p.id}`), run(`panel_${p.id}_human`)]);
    const keyOf = (r: Row) => p.keys.map((k) => str(r[k]));
    const kept = topKeys([all, human], (r) => JSON.stringify(keyOf(r)), limits.keep);
    const shape = (rows: Row[]) =>
      foldOther(
        rows,
        kept,
        (r) => JSON.stringify(keyOf(r)),
        (r) => [d(r.day), ...keyOf(r), num(r.hits), num(r.visitors), num(r.bytes)],
        p.keys.length,
      );
    panels[p.id] = { title: p.title, labels: p.labels, all: shape(all), human: shape(human) };
  }

  const countryCodes = new Set<string>();
  for (const row of [...(panels.countries?.all ?? []), ...(panels.countries?.human ?? [])])
    if (typeof row[1] === 'string') countryCodes.add(row[1]);

  const sessionPaths = (rows: Row[]) => {
    const kept = topKeys([rows], (r) => `${str(r.path)}`, limits.keep, 'sessions');
    return rows
      .filter((r) => kept.has(`${str(r.path)}`))
      .map((r) => [d(r.day), r.is_bot ? 1 : 0, str(r.path) ?? '(none)', num(r.sessions)]);
  };

  return {
    meta: {
      generatedAt: new Date().toISOString(),
      source: source.label,
      engine: source.engine,
      from,
      to,
      keep: limits.keep,
      minuteFrom,
      durationBuckets: DURATION_BUCKETS,
      depthBuckets: DEPTH_BUCKETS,
    },
    days,
    daily: daily.map((r) => [
      d(r.day),
      num(r.hits),
      num(r.visitors),
      num(r.page_views),
      num(r.bot_hits),
      num(r.sessions),
      num(r.human_sessions),
      num(r.bytes),
      errorsByDay.get(str(r.day)) ?? 0,
    ]),
    dailyHuman: dailyHuman.map((r) => [d(r.day), num(r.hits), num(r.visitors), num(r.page_views), num(r.bytes), num(r.errors)]),
    parseErrors: parseErrors.map((r) => [str(r.reason) ?? 'unknown', num(r.lines)]),
    parseSamples: samples.map((r) => [
      str(r.reason) ?? 'unknown',
      str(r.source) ?? '',
      num(r.line_number),
      (str(r.raw_line) ?? '').slice(0, limits.sampleChars),
    ]),
    series: {
      minute: { all: minutes.map(seriesAll), human: minutesHuman.map((r) => [num(r.t), num(r.hits), num(r.page_views)]) },
      hour: { all: hours.map(seriesAll), human: hoursHuman.map((r) => [num(r.t), num(r.hits), num(r.page_views)]) },
    },
    sessions: {
      daily: sDaily.map((r) => [d(r.day), r.is_bot ? 1 : 0, num(r.sessions), num(r.bounces), num(r.duration_seconds), num(r.page_views)]),
      duration: sDuration.map((r) => [d(r.day), r.is_bot ? 1 : 0, num(r.bucket), num(r.sessions)]),
      depth: sDepth.map((r) => [d(r.day), r.is_bot ? 1 : 0, num(r.bucket), num(r.sessions)]),
      landing: sessionPaths(landing),
      exit: sessionPaths(exit),
    },
    panels,
    suspicious: suspicious
      .slice(0, limits.suspicious)
      .map((r) => [
        d(r.day),
        str(r.client_ip),
        str(r.reasons),
        num(r.hits),
        num(r.hits_4xx),
        num(r.ratio_4xx),
        num(r.distinct_not_found_paths),
        num(r.max_hits_per_minute),
        num(r.probe_hits),
        num(r.injection_hits),
        str(r.example_injection),
        num(r.user_agents),
        r.is_bot === true,
      ]),
    countries: Object.fromEntries([...countryCodes].sort().map((code) => [code, countryInfo(code)])),
  };
}

function seriesAll(r: Row): number[] {
  return [num(r.t), num(r.hits), num(r.page_views), num(r.visitors), num(r.bytes), num(r.status_4xx), num(r.status_5xx)];
}

/** Keys in the top `k` by summed `measure` of any of the row sets. */
export function topKeys(sets: Row[][], key: (r: Row) => string, k: number, measure = 'hits'): Set<string> {
  const kept = new Set<string>();
  for (const rows of sets) {
    const totals = new Map<string, number>();
    for (const r of rows) totals.set(key(r), (totals.get(key(r)) ?? 0) + num(r[measure]));
    const top = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
    for (const [name] of top) kept.add(name);
  }
  return kept;
}

/**
 * Rows of kept keys as they are; the others summed into one "(other)" row per day (hits and
 * bytes add up; visitors of different items do not, so the other row's visitors are null).
 */
export function foldOther(
  rows: Row[],
  kept: Set<string>,
  key: (r: Row) => string,
  shape: (r: Row) => (number | string | null)[],
  keyCount: number,
): (number | string | null)[][] {
  const out: (number | string | null)[][] = [];
  const other = new Map<number, (number | string | null)[]>();
  for (const r of rows) {
    const row = shape(r);
    if (kept.has(key(r))) {
      out.push(row);
      continue;
    }
    const day = row[0] as number;
    const acc = other.get(day) ?? [day, ...Array(keyCount).fill(OTHER), 0, null, 0];
    acc[keyCount + 1] = (acc[keyCount + 1] as number) + (row[keyCount + 1] as number);
    acc[keyCount + 3] = (acc[keyCount + 3] as number) + (row[keyCount + 3] as number);
    other.set(day, acc);
  }
  return [...out, ...other.values()];
}

export function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'object' && 'value' in (v as object)) return Number((v as { value: unknown }).value);
  return Number(v);
}

export function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value);
  return String(v);
}
