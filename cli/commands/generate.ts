import type { Command } from '../command.ts';
import { intFlag, numberFlag, parseFlags } from '../args.ts';
import { LogflowError, usageError } from '../../core/errors.ts';
import { createEngine, DEFAULT_GENERATOR_OPTIONS as D, LOG_FORMATS, type GeneratorOptions, type LogFormat } from '../../generator/index.ts';
import { fileSink, pump, streamSink, type Sink } from '../../generator/output.ts';

const NAME = 'generate';

const help = `logflow generate: write a synthetic web access log (and optionally its ground truth)

A traffic model, not random lines: a population of visitors (stable IP, user agent, home country
and time zone) browsing a shop-and-blog site in sessions that follow the daily rhythm, plus
crawlers, vulnerability scans, a 5xx error burst and a few malformed lines, each labelled in
the truth file. Same seed and options, same bytes.

Usage: logflow generate [options]
       npm run generate -- [options]

Size and time:
  --lines N                   exactly N lines (default ${D.lines} when --duration is not given);
                              with --lines alone the intensity is N per day (at least 1,000)
  --duration D                simulated span: 90s, 15m, 2h, 1d or seconds. Without --lines the log
                              ends there; with --lines it sets the traffic intensity
                              (default: one day when --lines is given)
  --start DATE                first instant, ISO 8601 (2026-11-01, 2026-11-01T08:00:00Z,
                              2026-11-01T08:00+01:00) or 'now' (default ${D.start.toISOString()};
                              'now' in --rate mode)
  --utc-offset OFFSET         zone printed in timestamps, +HH:MM or -HHMM (default +00:00)
  --jitter-ms N               out-of-order jitter: a timestamp may be up to N ms earlier than
                              the line before it (default ${D.jitterMs}, strictly ordered)
  --seed N                    random seed, 0..4294967295 (default ${D.seed})

Output:
  --format F                  ${LOG_FORMATS.join(' | ')} (default ${D.format}); json is one
                              object per line with nginx escape=json field names (generator/README.md)
  --out FILE                  write the log to FILE (default: stdout)
  --truth FILE                write NDJSON ground truth, one record per line: line, visitor_id,
                              session_id, scenario, is_page_view, kind, ip, country, ua_key, time
  --rate N                    stream N lines per wall-clock second until stopped (Ctrl-C), --lines
                              or --duration (wall time); timestamps follow the simulation

Traffic model:
  --visitors N                human visitor population (default ${D.visitors})
  --bot-share X               share of lines from crawlers and scripts (default ${D.botShare})
  --scan-share X              share of lines from vulnerability scans (default ${D.scanShare})
  --malformed-share X         share of malformed/truncated lines (default ${D.malformedShare})
  --error-burst-minutes N     length of the 5xx burst window, 0 for none (default ${D.errorBurstMinutes},
                              at most a tenth of a shorter span)
  --error-burst-at D          burst start as an offset from --start (default: 60% of the span)
  --ipv6-share X              share of visitors on IPv6 (default ${D.ipv6Share})
  --nat-share X               share of visitors behind a shared NAT address (default ${D.natShare})
  --session-timeout-minutes N inactivity that ends a session; think times stay below it and a
                              visitor's sessions are further apart (default ${D.sessionTimeoutMinutes})
  --diurnal on|off            daily/weekly rhythm in each visitor's time zone (default on; off
                              in --rate mode)
  --host NAME                 the site's virtual host (default ${D.host})

Examples:
  npm run generate -- --lines 1000000 --seed 7 --out access.log --truth truth.ndjson
  logflow generate --format json --duration 2h --start 2026-11-02T08:00:00Z | head
  logflow generate --rate 200 | logflow ingest -          # live feed into the local warehouse`;

/** Parses 90s / 15m / 2h / 1d / 3600 into seconds. */
export function parseDuration(flag: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(value.trim());
  const seconds = m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's'] : NaN;
  if (!m || !(seconds > 0))
    throw usageError(
      `--${flag} must be a positive duration like 90s, 15m, 2h, 1d or seconds, got '${value}' (see: logflow ${NAME} --help)`,
    );
  return seconds;
}

/** Parses an ISO 8601 date or date-time (UTC unless it carries an offset), or 'now'. */
export function parseStart(value: string | undefined, now: () => number): Date | undefined {
  if (value === undefined) return undefined;
  if (value === 'now') return new Date(Math.floor(now() / 1000) * 1000);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value.trim());
  const bad = () =>
    usageError(
      `--start must be an ISO 8601 date or date-time (2026-11-01, 2026-11-01T08:00:00Z) or 'now', got '${value}' (see: logflow ${NAME} --help)`,
    );
  if (!m) throw bad();
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
  // Reject dates that JavaScript would roll over (2026-02-30) or out-of-range times.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    !Number.isFinite(date.getTime()) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    throw bad();
  return date;
}

/** Parses +HH:MM, -HHMM, +HH or Z into minutes. */
export function parseOffset(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'Z' || value === 'UTC') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(value.trim());
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : NaN;
  if (!m || Number(m[3] ?? 0) > 59 || Math.abs(minutes) > 14 * 60)
    throw usageError(`--utc-offset must look like +01:00, -0530 or Z (within +-14:00), got '${value}' (see: logflow ${NAME} --help)`);
  return minutes;
}

function shareFlag(flag: string, value: string | undefined, fallback: number): number {
  return numberFlag(NAME, flag, value, fallback, 0, 1);
}

export interface GenerateRequest {
  options: Partial<GeneratorOptions>;
  out?: string;
  truth?: string;
  rate?: number;
}

/** Every flag of the command (all string-valued, validated below). */
export const FLAGS = {
  lines: { type: 'string' },
  duration: { type: 'string' },
  start: { type: 'string' },
  'utc-offset': { type: 'string' },
  'jitter-ms': { type: 'string' },
  seed: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  truth: { type: 'string' },
  rate: { type: 'string' },
  visitors: { type: 'string' },
  'bot-share': { type: 'string' },
  'scan-share': { type: 'string' },
  'malformed-share': { type: 'string' },
  'error-burst-minutes': { type: 'string' },
  'error-burst-at': { type: 'string' },
  'ipv6-share': { type: 'string' },
  'nat-share': { type: 'string' },
  'session-timeout-minutes': { type: 'string' },
  diurnal: { type: 'string' },
  host: { type: 'string' },
} as const;

/** Turns argv into generator options and output targets; throws usage errors. */
export function parseGenerateArgs(argv: string[], now: () => number = Date.now): GenerateRequest {
  // `--rate -5` would read as a missing value; join it so the range check can name the problem.
  const args: string[] = [];
  for (const arg of argv) {
    const previous = args[args.length - 1];
    if (/^-\d/.test(arg) && previous?.startsWith('--') && !previous.includes('=')) args[args.length - 1] = `${previous}=${arg}`;
    else args.push(arg);
  }
  const { values: v } = parseFlags(NAME, args, FLAGS);
  const rate = v.rate === undefined ? undefined : numberFlag(NAME, 'rate', v.rate, 0, Number.MIN_VALUE, 10_000_000);
  const format = v.format ?? D.format;
  if (!(LOG_FORMATS as readonly string[]).includes(format))
    throw usageError(`--format must be one of ${LOG_FORMATS.join(', ')}, got '${format}' (see: logflow ${NAME} --help)`);
  if (v.diurnal !== undefined && v.diurnal !== 'on' && v.diurnal !== 'off')
    throw usageError(`--diurnal must be on or off, got '${v.diurnal}' (see: logflow ${NAME} --help)`);
  const durationSeconds = parseDuration('duration', v.duration);
  const lines =
    v.lines === undefined ? (durationSeconds === null && rate === undefined ? D.lines : null) : intFlag(NAME, 'lines', v.lines, 0, 0);
  if (v.out !== undefined && v.out === v.truth) throw usageError(`--out and --truth must be different files (see: logflow ${NAME} --help)`);
  const options: Partial<GeneratorOptions> = {
    seed: intFlag(NAME, 'seed', v.seed, D.seed, 0, 0xffffffff),
    lines,
    durationSeconds,
    start: parseStart(v.start, now) ?? (rate !== undefined ? new Date(Math.floor(now() / 1000) * 1000) : D.start),
    utcOffsetMinutes: parseOffset(v['utc-offset']) ?? D.utcOffsetMinutes,
    jitterMs: intFlag(NAME, 'jitter-ms', v['jitter-ms'], D.jitterMs, 0, 60_000),
    format: format as LogFormat,
    visitors: intFlag(NAME, 'visitors', v.visitors, D.visitors, 1, 100_000_000),
    botShare: shareFlag('bot-share', v['bot-share'], D.botShare),
    scanShare: shareFlag('scan-share', v['scan-share'], D.scanShare),
    malformedShare: shareFlag('malformed-share', v['malformed-share'], D.malformedShare),
    ...(v['error-burst-minutes'] === undefined
      ? {}
      : { errorBurstMinutes: numberFlag(NAME, 'error-burst-minutes', v['error-burst-minutes'], D.errorBurstMinutes, 0, 7 * 24 * 60) }),
    errorBurstAtSeconds: parseDuration('error-burst-at', v['error-burst-at']),
    ipv6Share: shareFlag('ipv6-share', v['ipv6-share'], D.ipv6Share),
    natShare: shareFlag('nat-share', v['nat-share'], D.natShare),
    sessionTimeoutMinutes: numberFlag(NAME, 'session-timeout-minutes', v['session-timeout-minutes'], D.sessionTimeoutMinutes, 5, 1440),
    diurnal: v.diurnal === undefined ? rate === undefined : v.diurnal === 'on',
    host: v.host ?? D.host,
  };
  if (rate !== undefined) {
    options.linesPerSecond = rate;
    // Paced for --duration of wall time: exactly rate x duration lines (the span stays the duration).
    if (lines === null && durationSeconds !== null) options.lines = Math.max(1, Math.round(rate * durationSeconds));
  }
  if (lines === null && durationSeconds === null && rate === undefined)
    throw usageError(`give --lines or --duration (see: logflow ${NAME} --help)`);
  return { options, out: v.out, truth: v.truth, rate };
}

function openFile(path: string, what: string): Sink {
  try {
    return fileSink(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new LogflowError(`cannot write the ${what} file '${path}' (${reason}): check the directory exists and is writable`);
  }
}

export const command: Command = {
  name: NAME,
  help,
  async run(argv) {
    const request = parseGenerateArgs(argv);
    let engine: ReturnType<typeof createEngine>;
    try {
      engine = createEngine(request.options);
    } catch (error) {
      if (error instanceof RangeError) throw usageError(`${error.message} (see: logflow ${NAME} --help)`);
      throw error;
    }
    const out = request.out === undefined ? streamSink(process.stdout) : openFile(request.out, 'log');
    const truth = request.truth === undefined ? undefined : openFile(request.truth, 'truth');
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const wallMs =
        request.rate !== undefined && request.options.durationSeconds != null ? request.options.durationSeconds * 1000 : undefined;
      const result = await pump(engine, out, { truth, rate: request.rate, wallMs, signal: abort.signal });
      if (request.out !== undefined) {
        process.stderr.write(
          `logflow generate: ${result.lines} lines (${(result.bytes / 1e6).toFixed(1)} MB) to ${request.out}${request.truth ? `, truth to ${request.truth}` : ''} in ${result.seconds.toFixed(2)} s\n`,
        );
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  },
};
