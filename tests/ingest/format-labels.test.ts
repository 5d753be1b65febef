import { describe, expect, it } from 'vitest';
import {
  AUTO_FORMAT,
  FALLBACK_FORMAT,
  KNOWN_FORMATS,
  LONGEST_FORMAT,
  checkFormatName,
  compileCustomFormat,
  createFormatLabeler,
} from '../../ingest/detect.ts';
import type { LineBatch, SourceRef } from '../../ingest/types.ts';
import { LogflowError } from '../../core/errors.ts';
import { FORMAT_CASES, JSON_CASES } from '../formats/cases.ts';

const one = (format: string) => FORMAT_CASES.find((c) => c.format === format)!.line;
const cloudLogging = JSON_CASES.find((c) => ['cloudlogging', 'cloud_logging'].includes(c.format))!.line;

function batch(lines: string[], source: SourceRef = { name: 'a.log', sourceId: 'file:a', resumable: true }): LineBatch {
  return {
    source,
    lines: lines.map((l) => Buffer.from(l)),
    offsets: lines.map((_, i) => i * 100),
    lengths: lines.map((l) => Buffer.byteLength(l)),
    firstLine: 1,
    bytes: 0,
    checkpoint: null,
  };
}

describe('checkFormatName()', () => {
  it.each([
    ['combined', 'combined'],
    ['COMBINED', 'combined'],
    ['Cloud_Logging', 'cloud_logging'],
    ['auto', 'auto'],
    ['json', 'json'],
  ])('%s -> %s', (name, expected) => {
    expect(checkFormatName(name)).toBe(expected);
  });

  it.each(['bogus', 'combined2', ''])('%j is one clear usage error naming the known formats', (name) => {
    const error = (() => {
      try {
        checkFormatName(name);
      } catch (e) {
        return e as LogflowError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(LogflowError);
    expect(error!.exitCode).toBe(2);
    expect(error!.message).toBe(
      `unknown log format '${name}': use one of ${KNOWN_FORMATS.join(', ')}, custom (with a custom format string), or auto (detect)`,
    );
    expect(error!.message).not.toContain('\n');
  });

  it('knows every plan-s3 format name, and the longest bounds the attribute size', () => {
    const plan =
      'combined, vcombined, common, vcommon, w3c, squid, cloudfront, cloudstorage, awselb, awsalb, awss3, caddy, traefikclf, json, cloud_logging';
    expect([...KNOWN_FORMATS].sort()).toEqual(plan.split(', ').sort());
    expect(KNOWN_FORMATS.every((f) => f.length <= LONGEST_FORMAT.length)).toBe(true);
    expect(AUTO_FORMAT).toBe('auto');
  });
});

describe('createFormatLabeler()', () => {
  it.each(['combined', 'squid', 'awsalb', 'traefikclf', 'cloudstorage'])('labels a whole %s source with one format', (format) => {
    const labeler = createFormatLabeler(() => undefined, { sampleLines: 4 });
    const lines = Array.from({ length: 6 }, () => one(format));
    expect(labeler.label(batch(lines))).toEqual(expect.objectContaining({ format }));
  });

  it('fixes a uniform source after its sample: later lines are not looked at', () => {
    const notices: string[] = [];
    const labeler = createFormatLabeler((m) => notices.push(m), { sampleLines: 3 });
    expect(labeler.label(batch([one('squid'), one('squid'), one('squid')])).format).toBe('squid');
    // after the sample, a combined line in a squid source stays squid (it lands as a squid parse error)
    expect(labeler.label(batch([one('combined'), 'garbage'])).format).toBe('squid');
    labeler.finish();
    expect(notices).toEqual([]);
  });

  it('stops looking once the sample agrees, also within the batch that completes it', () => {
    const labeler = createFormatLabeler(() => undefined, { sampleLines: 3 });
    // lines 4 and 5 are labelled as they would be in any later batch: the source's format
    const labelled = labeler.label(batch([one('squid'), one('squid'), one('squid'), one('combined'), 'garbage']));
    expect(labelled.format).toBe('squid');
    expect(labelled.formats).toBeUndefined();
  });

  it('labels each line of a source mixing formats with its own, garbage with the majority, and says so once', () => {
    const notices: string[] = [];
    const labeler = createFormatLabeler((m) => notices.push(m), { sampleLines: 4 });
    const first = labeler.label(batch([one('combined'), one('squid'), one('combined'), 'garbage']));
    expect(first.format).toBeUndefined();
    expect(first).toMatchObject({ formats: ['combined', 'squid', 'combined', 'combined'] });
    // the sample is over and was mixed: detection goes on line by line
    const later = labeler.label(batch([cloudLogging, one('awselb'), '']));
    expect(later.formats).toEqual(['cloud_logging', 'awselb', 'combined']);
    labeler.finish();
    expect(notices).toEqual([
      'a.log: mixed log formats in its first 4 line(s) (combined 2, squid 1); each line is labelled with its own format',
    ]);
  });

  it('keeps sources apart, by source id', () => {
    const labeler = createFormatLabeler(() => undefined, { sampleLines: 2 });
    const b = { name: 'b.log', sourceId: 'file:b', resumable: true };
    expect(labeler.label(batch([one('combined'), one('combined')])).format).toBe('combined');
    expect(labeler.label(batch([one('awss3'), one('awss3')], b)).format).toBe('awss3');
    expect(labeler.label(batch([one('combined')])).format).toBe('combined');
  });

  it('a W3C source: the #Fields header decides, comments are labelled with the source format', () => {
    const labeler = createFormatLabeler(() => undefined, { sampleLines: 2 });
    const header = '#Fields: date time cs-method cs-uri-stem sc-status sc-bytes time-taken cs(Host) c-ip';
    const got = labeler.label(
      batch([
        '#Version: 1.0',
        header,
        '2026-11-29 10:00:03 GET /x.css 200 5120 15 www.example.com 192.0.2.11',
        '2026-11-29 10:00:04 GET / 200 1 1 www.example.com 192.0.2.12',
      ]),
    );
    expect(got.format).toBe('w3c');
  });

  it('a source with no known format is labelled with the fallback, and reported once at the end when short', () => {
    const notices: string[] = [];
    const labeler = createFormatLabeler((m) => notices.push(m), { sampleLines: 50 });
    expect(labeler.label(batch(['hello', 'world'])).format).toBe(FALLBACK_FORMAT);
    labeler.finish();
    labeler.finish();
    expect(notices).toEqual([
      `a.log: no known log format in its first 2 line(s); labelled ${FALLBACK_FORMAT}, so they land as parse errors unless that is right (give --format NAME)`,
    ]);
  });
});

describe('compileCustomFormat()', () => {
  it.each([
    ['%h %Q %t', "custom log format: unknown Apache directive '%Q'"],
    ['$remote_addr [$time_local] "$request" $no_such_variable', "custom log format: unknown nginx variable '$no_such_variable'"],
    ['   ', 'the custom log format is empty'],
  ])('%j is one usage error naming the problem', (text, start) => {
    let error: LogflowError | null = null;
    try {
      compileCustomFormat(text);
    } catch (e) {
      error = e as LogflowError;
    }
    expect(error).toBeInstanceOf(LogflowError);
    expect(error!.exitCode).toBe(2);
    expect(error!.message.startsWith(start)).toBe(true);
    expect(error!.message).not.toContain('\n');
  });

  it.each([
    ['%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D'],
    ['apache:%h %l %u %t "%r" %>s %b'],
    ['$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'],
    ['#Fields: date time cs-method cs-uri-stem sc-status'],
  ])('compiles %j to one regex', (text) => {
    expect(compileCustomFormat(text).compiled.kind).toBe('regex');
  });
});

describe('createFormatLabeler() with a custom format', () => {
  const custom = compileCustomFormat('%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D');
  it('labels lines in the custom format custom (they also match combined with trailing text), and others by theirs', () => {
    const labeler = createFormatLabeler(() => undefined, { sampleLines: 3, custom });
    const line = '192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "ua" 1234';
    expect(labeler.label(batch([line, one('squid'), line])).formats).toEqual(['custom', 'squid', 'custom']);
    expect(createFormatLabeler(() => undefined, { sampleLines: 1 }).label(batch([line])).format).toBe('combined');
  });

  it("'custom' is a format name only with a custom format", () => {
    expect(checkFormatName('custom', true)).toBe('custom');
    expect(() => checkFormatName('custom')).toThrow("log format 'custom' needs the custom format string (the var customLogFormat)");
  });
});

describe('createFormatLabeler() on a W3C source with its own #Fields', () => {
  const header = '#Fields: date time cs-method cs-uri-stem sc-status sc-bytes time-taken cs(Host) c-ip';
  const lines = [header, '2026-11-29 10:00:03 GET /x.css 200 5120 15 www.example.com 192.0.2.11'];

  it('labels it w3c and reports nothing: the models read its lines by that header', () => {
    const notices: string[] = [];
    const labeler = createFormatLabeler((m) => notices.push(m), { sampleLines: 5 });
    expect(labeler.label(batch([...lines, lines[1]!])).format).toBe('w3c');
    expect(notices).toEqual([]);
  });

  it.each([
    ['w3c', ['#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0', header], 'w3c'],
    ['cloudfront', ['#Version: 1.0', '#Fields: date time x-edge-location c-ip cs-method cs-uri-stem sc-status'], 'cloudfront'],
  ])(
    'labels a first batch of %s directives alone by its header (a followed file just created), not with the fallback',
    (_, directives, format) => {
      const labeler = createFormatLabeler(() => undefined, { sampleLines: 5 });
      expect(labeler.label(batch(directives)).format).toBe(format);
      expect(labeler.label(batch(['#Date: 2026-11-29 10:00:00'])).format).toBe(format);
    },
  );

  it('says once that the predefined cloudfront format does not read a CloudFront header of other columns, and what to do', () => {
    const notices: string[] = [];
    const labeler = createFormatLabeler((m) => notices.push(m), { sampleLines: 5 });
    const cloudfront = '#Fields: date time x-edge-location c-ip cs-method cs-uri-stem sc-status';
    const line = '2026-11-29 10:00:03 LHR62-C2 192.0.2.11 GET /x.css 200';
    expect(labeler.label(batch([cloudfront, line, line])).format).toBe('cloudfront');
    expect(notices).toEqual([
      `a.log: its W3C header '${cloudfront}' names other columns than the predefined cloudfront format, so its lines land as parse errors: set the var customLogFormat to that #Fields line and ingest with --format custom`,
    ]);
  });

  it('with that header as the custom format, its lines are custom and nothing is reported', () => {
    const notices: string[] = [];
    const labeler = createFormatLabeler((m) => notices.push(m), { sampleLines: 5, custom: compileCustomFormat(header) });
    expect(labeler.label(batch(lines)).format).toBe('custom');
    expect(notices).toEqual([]);
  });

  it("the predefined w3c format's own header is not reported", () => {
    const notices: string[] = [];
    const labeler = createFormatLabeler((m) => notices.push(m), { sampleLines: 5 });
    const w3c = FORMAT_CASES.filter((c) => c.format === 'w3c').map((c) => c.line);
    labeler.label(batch(w3c));
    expect(notices).toEqual([]);
  });
});
