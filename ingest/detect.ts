import { LogflowError } from '../core/errors.ts';
import { loadInclude } from '../warehouse/includes.ts';
import type { LineBatch, Reporter } from './types.ts';

/**
 * Log-format autodetection, pure: which format a source's lines are in, from its first lines,
 * and a line-by-line fallback for mixed files. The candidates are the compiled formats of
 * includes/log_formats.js (the same RE2 patterns the warehouse evaluates; they are plain enough
 * that JavaScript's RegExp agrees with RE2 on them, which tests/formats checks line by line),
 * plus the JSON shapes (Cloud Logging, Caddy, logflow's nginx-style `json`).
 *
 * A line's label is the matching format that leaves the least unexplained trailing text (its
 * `extra` capture), ties going to the more specific format: a Traefik line also matches
 * combined with trailing text, a combined line also matches common. A W3C `#Fields:` header
 * switches the following lines to that header's columns (CloudFront's when it names
 * x-edge-location).
 */

interface Compiled {
  label: string;
  kind: 'regex' | 'json';
  pattern: string;
  fields: string[];
}

interface LogFormats {
  PREDEFINED_NAMES: string[];
  compileApache(format: string): Compiled;
  compileNginx(format: string): Compiled;
  compileFormat(description: string): Compiled;
  compileCustomFormat(description: string): Compiled;
  predefinedFormat(name: string): Compiled;
  compileW3c(fieldsLine: string, options?: { label?: string; timeTakenUnit?: string }): Compiled;
}

/** Regex formats in order of specificity (ties on trailing text go to the earlier one). */
export const REGEX_CANDIDATES = [
  'cloudfront',
  'awsalb',
  'awselb',
  'awss3',
  'cloudstorage',
  'squid',
  'traefikclf',
  'vcombined',
  'combined',
  'vcommon',
  'common',
  'w3c',
] as const;

/** Every label detection can give. `json` is logflow's existing nginx-style JSON format. */
export type FormatLabel = (typeof REGEX_CANDIDATES)[number] | 'caddy' | 'cloud_logging' | 'json' | 'custom';

export interface LineDetection {
  format: FormatLabel;
  /** For w3c/cloudfront sources with a `#Fields:` header: that header, which decides the columns. */
  fields?: string;
}

export interface SourceDetection extends LineDetection {
  /** Share of the sampled (non-empty, non-comment) lines that parse as `format`, 0..1. */
  confidence: number;
  /** Lines sampled, and how many of them parse as `format`. */
  sampled: number;
  matched: number;
  /** Other formats seen in the sample with their line counts (a mixed source when non-empty). */
  others: Partial<Record<FormatLabel, number>>;
}

interface Matcher {
  label: FormatLabel;
  re: RegExp;
  extra: number;
}

const formats = loadInclude<LogFormats>('log_formats');

function matcher(compiled: Compiled, label: FormatLabel): Matcher {
  return { label, re: new RegExp(compiled.pattern), extra: compiled.fields.indexOf('extra') + 1 };
}

const MATCHERS: Matcher[] = REGEX_CANDIDATES.map((name) => matcher(formats.predefinedFormat(name), name));

/** Whether the models' predefined pattern of `format` reads `line` (a W3C line is read by its #Fields header only when that header is the predefined one). */
function predefinedReads(format: string, line: string): boolean {
  return MATCHERS.some((m) => m.label === format && m.re.test(line));
}

/** Keys that mark logflow's nginx-style `json` format (includes/formats.js JSON_FIELDS). */
const NGINX_JSON_KEYS = ['remote_addr', 'request', 'time_local', 'time_iso8601', 'request_uri', 'status', 'http_user_agent'];

function jsonLabel(line: string): FormatLabel | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;
  if (o.httpRequest && typeof o.httpRequest === 'object') return 'cloud_logging';
  const request = o.request;
  if (request && typeof request === 'object' && ('remote_ip' in request || 'client_ip' in request) && ('ts' in o || 'duration' in o))
    return 'caddy';
  if (NGINX_JSON_KEYS.filter((k) => k in o).length >= 2) return 'json';
  return null;
}

/**
 * The format of a source whose lines so far are W3C directives only (`#Version:`, `#Fields:`,
 * `#Software:`...: a followed file IIS or CloudFront has just created): cloudfront when its last
 * `#Fields:` header names x-edge-location, else w3c; null when `lines` hold no directive. The models
 * read a w3c line by the `#Fields:` line before it, so that header must land labelled w3c, not
 * with the fallback format.
 */
export function directivesFormat(lines: readonly string[], lastHeader: string | null): FormatLabel | null {
  if (!lines.some((line) => /^#[A-Za-z-]+:/.test(line))) return null;
  return lastHeader !== null && /\bx-edge-location\b/.test(lastHeader) ? 'cloudfront' : 'w3c';
}

/** The `#Fields:` header's own matcher: CloudFront when it names x-edge-location, else W3C with its columns. */
function headerMatcher(fieldsLine: string): Matcher {
  const cloudfront = /\bx-edge-location\b/.test(fieldsLine);
  const compiled = formats.compileW3c(fieldsLine, {
    label: cloudfront ? 'cloudfront' : 'w3c',
    timeTakenUnit: cloudfront ? 'seconds' : 'milliseconds',
  });
  return matcher(compiled, cloudfront ? 'cloudfront' : 'w3c');
}

/**
 * A line-by-line detector for one source: remembers the last W3C `#Fields:` header. A custom
 * format (the var customLogFormat) is tried first and wins ties. Returns the line's format, or null for an empty line, a comment (`#...`) or a line no format parses.
 */
export function createLineDetector(custom: CustomFormat | null = null): (line: string) => LineDetection | null {
  const matchers = custom ? [matcher(custom.compiled, 'custom'), ...MATCHERS] : MATCHERS;
  let header: { line: string; matcher: Matcher } | null = null;
  return (raw: string) => {
    const line = raw.replace(/\r?\n$/, '');
    if (line.trim() === '') return null;
    if (line.startsWith('#')) {
      if (/^#Fields:/.test(line)) header = { line, matcher: headerMatcher(line) };
      return null;
    }
    if (line.startsWith('{')) {
      const label = jsonLabel(line);
      if (label) return { format: label };
    }
    if (custom && matchers[0]!.re.test(line)) return { format: 'custom' };
    if (header?.matcher.re.test(line)) return { format: header.matcher.label, fields: header.line };
    let best: { label: FormatLabel; extra: number } | null = null;
    for (const m of matchers) {
      const found = m.re.exec(line);
      if (!found) continue;
      const extra = m.extra ? (found[m.extra] ?? '').length : 0;
      if (!best || extra < best.extra) best = { label: m.label, extra };
      if (extra === 0) break;
    }
    return best ? { format: best.label } : null;
  };
}

/**
 * The format of a source from its first lines (a sample of, say, 50): the most frequent line
 * format, with the share of sampled lines it parses as its confidence. Null when no sampled
 * line parses as any format (the caller then needs `--format`).
 * @param lines the first lines of the source, without their newlines
 */
export function detectFormat(lines: readonly string[]): SourceDetection | null {
  const detect = createLineDetector();
  const counts = new Map<FormatLabel, { n: number; fields?: string }>();
  let sampled = 0;
  for (const line of lines) {
    if (line.trim() === '' || line.startsWith('#')) {
      detect(line);
      continue;
    }
    sampled++;
    const found = detect(line);
    if (!found) continue;
    const entry = counts.get(found.format) ?? { n: 0 };
    entry.n++;
    entry.fields = entry.fields ?? found.fields;
    counts.set(found.format, entry);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1].n - a[1].n);
  const top = ranked[0];
  if (!top) return null;
  const [format, { n, fields }] = top;
  const others = Object.fromEntries(ranked.slice(1).map(([label, e]) => [label, e.n]));
  return { format, ...(fields ? { fields } : {}), confidence: n / sampled, sampled, matched: n, others };
}

// ---- Labelling what the ingester sends -------------------------------------------------------

/** Format names as the `format` attribute spells them (plan: lower case, `cloud_logging`). */
function canonical(name: string): string {
  return name === 'cloudlogging' ? 'cloud_logging' : name;
}

/**
 * Every name `--format` accepts and the models parse: GoAccess's predefined formats, Cloud
 * Logging's LogEntry JSON and logflow's nginx-style `json`, lower case.
 */
export const KNOWN_FORMATS: readonly string[] = [...new Set([...formats.PREDEFINED_NAMES.map(canonical), 'json'])];

/** The longest name in KNOWN_FORMATS (bounds the size of a line's attributes). */
export const LONGEST_FORMAT = KNOWN_FORMATS.reduce((a, b) => (b.length > a.length ? b : a));

/** The `format` of lines in the project's custom format (the var customLogFormat). */
export const CUSTOM_FORMAT = 'custom';

/** A custom format string, compiled (as the models compile the var customLogFormat). */
export interface CustomFormat {
  description: string;
  compiled: Compiled;
}

/**
 * Compiles a custom format string as the models compile the var customLogFormat: an Apache
 * `LogFormat` string, an nginx `log_format` string (`$variables`, no `%` directive), a W3C
 * `#Fields:` line, or one of them prefixed `apache:`, `nginx:` or `w3c:`.
 * @throws LogflowError (exit 2) naming the unknown directive
 */
export function compileCustomFormat(description: string): CustomFormat {
  const text = description.trim();
  if (text === '')
    throw new LogflowError('the custom log format is empty: give an Apache LogFormat or nginx log_format string', 2, ['customFormat']);
  try {
    const compiled = formats.compileCustomFormat(text);
    return { description: text, compiled };
  } catch (error) {
    throw new LogflowError(`custom log format: ${(error as Error).message.replace(/^log format: /, '')}`, 2, ['customFormat']);
  }
}

/** `auto`: detect each source's format from its first lines. */
export const AUTO_FORMAT = 'auto';

/**
 * A `--format` value checked: `auto`, a known name (case-insensitive), or `custom` when a custom
 * format string is given; lower-cased.
 * @throws LogflowError (exit 2) naming the known formats
 */
export function checkFormatName(name: string, hasCustom = false): string {
  const lower = name.toLowerCase();
  if (lower === AUTO_FORMAT || KNOWN_FORMATS.includes(lower)) return lower;
  if (lower === CUSTOM_FORMAT) {
    if (hasCustom) return lower;
    throw new LogflowError(`log format 'custom' needs the custom format string (the var customLogFormat)`, 2, ['customFormat']);
  }
  throw new LogflowError(
    `unknown log format '${name}': use one of ${KNOWN_FORMATS.join(', ')}, custom (with a custom format string), or auto (detect)`,
    2,
    ['format'],
  );
}

/** Lines of a source sampled before its format is fixed (non-empty, non-comment lines). */
export const SAMPLE_LINES = 50;

/** The format a source is labelled with when none of its sampled lines parses as any format. */
export const FALLBACK_FORMAT = 'combined';

interface SourceState {
  name: string;
  detect: (line: string) => LineDetection | null;
  counts: Map<string, number>;
  sampled: number;
  /** Set once the sample showed one format only: later lines are labelled without a look. */
  fixed: string | null;
  reported: boolean;
  /** A W3C #Fields header the predefined format does not read was reported. */
  headerReported: boolean;
  /** The last `#Fields:` line seen (a batch of directives alone is labelled by it: directivesFormat()). */
  lastHeader: string | null;
}

export interface FormatLabeler {
  /** The batch with its lines' formats: `format` when they share one, else `formats`, one per line. */
  label(batch: LineBatch): LineBatch;
  /** Reports the sources whose sample ended early (short sources) with no known format, or mixed. */
  finish(): void;
}

/**
 * Labels batches with their lines' formats (LineBatch.format / .formats), per source: the first
 * `sampleLines` lines of a source are detected one by one (each labelled with its own format);
 * when they all agree, the rest of the source is labelled with that format without looking at it
 * (no per-line cost). When they do not (a file where two log formats are interleaved), every
 * line of that source keeps being detected and labelled with its own format. A line no format
 * parses (garbage, a blank or comment line) is labelled with the source's most frequent format
 * so far, so that it lands as a parse error of that format, with its reason. A source with no
 * recognisable line in its sample is labelled FALLBACK_FORMAT. Both cases are reported once.
 * @param report where the one-line notices go
 * @param options.custom the custom format: its lines are labelled `custom`
 */
export function createFormatLabeler(report: Reporter, options: { sampleLines?: number; custom?: CustomFormat | null } = {}): FormatLabeler {
  const sampleLines = options.sampleLines ?? SAMPLE_LINES;
  const states = new Map<string, SourceState>();
  const ranked = (state: SourceState) => [...state.counts.entries()].sort((a, b) => b[1] - a[1]);
  const notify = (state: SourceState) => {
    if (state.reported) return;
    state.reported = true;
    const seen = ranked(state);
    if (seen.length === 0)
      report(
        `${state.name}: no known log format in its first ${state.sampled} line(s); labelled ${FALLBACK_FORMAT}, so they land as parse errors unless that is right (give --format NAME)`,
      );
    else if (seen.length > 1)
      report(
        `${state.name}: mixed log formats in its first ${state.sampled} line(s) (${seen.map(([f, n]) => `${f} ${n}`).join(', ')}); each line is labelled with its own format`,
      );
  };
  return {
    label(batch) {
      let state = states.get(batch.source.sourceId);
      if (!state) {
        state = {
          name: batch.source.name,
          detect: createLineDetector(options.custom ?? null),
          counts: new Map(),
          sampled: 0,
          fixed: null,
          reported: false,
          headerReported: false,
          lastHeader: null,
        };
        states.set(batch.source.sourceId, state);
      }
      if (state.fixed) return { ...batch, format: state.fixed };
      const s = state;
      const labels = batch.lines.map((bytes) => {
        // the sample is complete and agreed: the rest of this batch, like later ones, without a look
        if (s.sampled >= sampleLines && s.counts.size === 1) return null;
        const line = bytes.toString('utf8');
        const found = s.detect(line);
        if (/^#Fields:/.test(line)) s.lastHeader = line;
        // the models read w3c lines by the #Fields: header before them (includes/w3c.js); CloudFront's by its fixed fields only
        if (found?.fields && found.format !== 'w3c' && !s.headerReported && !predefinedReads(found.format, line)) {
          s.headerReported = true;
          report(
            `${s.name}: its W3C header '${found.fields}' names other columns than the predefined ${found.format} format, so its lines land as parse errors: set the var customLogFormat to that #Fields line and ingest with --format custom`,
          );
        }
        if (s.sampled < sampleLines && line.trim() !== '' && !line.startsWith('#')) {
          s.sampled++;
          if (found) s.counts.set(found.format, (s.counts.get(found.format) ?? 0) + 1);
        }
        return found?.format ?? null;
      });
      const seen = ranked(s);
      const directivesOnly = seen.length === 0 && labels.every((l) => l === null);
      const majority =
        seen[0]?.[0] ??
        (directivesOnly
          ? directivesFormat(
              batch.lines.map((b) => b.toString('utf8')),
              s.lastHeader,
            )
          : null) ??
        FALLBACK_FORMAT;
      if (s.sampled >= sampleLines) {
        if (seen.length === 1) s.fixed = majority;
        notify(s);
      }
      const formats = labels.map((l) => l ?? majority);
      const first = formats[0] ?? majority;
      return formats.every((f) => f === first) ? { ...batch, format: first } : { ...batch, formats };
    },
    finish() {
      for (const state of states.values()) if (state.sampled > 0) notify(state);
    },
  };
}
