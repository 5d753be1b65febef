import { describe, expect, it } from 'vitest';
import { createLineDetector, detectFormat } from '../../ingest/detect.ts';
import { FORMAT_CASES, JSON_CASES } from '../formats/cases.ts';

const PREDEFINED = FORMAT_CASES.filter((c) => !c.format.includes(':'));
/** The format attribute's spelling of a case's format (plan-s3: `cloud_logging`). */
const label = (format: string) => (format === 'cloudlogging' ? 'cloud_logging' : format);

describe('createLineDetector()', () => {
  it.each(PREDEFINED)('$format: $name', ({ format, line }) => {
    expect(createLineDetector()(line)?.format).toBe(format);
  });

  it.each(JSON_CASES)('$format: $name', ({ format, line }) => {
    expect(createLineDetector()(line)?.format).toBe(label(format));
  });

  it.each([
    [
      'logflow json (nginx escape=json)',
      '{"remote_addr":"192.0.2.1","time_local":"17/May/2015:10:05:03 +0000","request":"GET / HTTP/1.1","status":200}',
      'json',
    ],
    [
      'combined with two trailing fields',
      '192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "ua" 0.004 0.003',
      'combined',
    ],
    ['common with a trailing request time', '192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 1234', 'common'],
  ])('%s', (_name, line, format) => {
    expect(createLineDetector()(line)?.format).toBe(format);
  });

  it.each([[''], ['   '], ['#Version: 1.0'], ['not a log line at all'], ['{"some":"json"}'], ['{broken json']])(
    '%j is no format',
    (line) => {
      expect(createLineDetector()(line)).toBeNull();
    },
  );

  it('a #Fields header decides the columns of the lines after it', () => {
    const detect = createLineDetector();
    const header = '#Fields: date time cs-method cs-uri-stem sc-status sc-bytes time-taken cs(Host) c-ip';
    const line = '2026-11-29 10:00:03 GET /x.css 200 5120 15 www.example.com 192.0.2.11';
    expect(detect(line)).toBeNull();
    expect(detect(header)).toBeNull();
    expect(detect(line)).toEqual({ format: 'w3c', fields: header });
  });
});

describe('detectFormat()', () => {
  it.each(PREDEFINED.map((c) => c.format).filter((f, i, all) => all.indexOf(f) === i))('a %s source', (format) => {
    const lines = PREDEFINED.filter((c) => c.format === format).map((c) => c.line);
    expect(detectFormat(lines)).toMatchObject({ format, confidence: 1, sampled: lines.length, others: {} });
  });

  it('a W3C source with its #Fields header returns the header and ignores comments', () => {
    const header = '#Fields: date time cs-method cs-uri-stem sc-status sc-bytes time-taken cs(Host) c-ip';
    const lines = [
      '#Software: Microsoft Internet Information Services 10.0',
      '#Version: 1.0',
      header,
      '2026-11-29 10:00:03 GET /x.css 200 5120 15 www.example.com 192.0.2.11',
      '2026-11-29 10:00:04 GET / 200 1 1 www.example.com 192.0.2.12',
    ];
    expect(detectFormat(lines)).toEqual({ format: 'w3c', fields: header, confidence: 1, sampled: 2, matched: 2, others: {} });
  });

  it('a mixed source gives the majority with its share and lists the others', () => {
    const combined = PREDEFINED.filter((c) => c.format === 'combined').map((c) => c.line);
    const squid = PREDEFINED.find((c) => c.format === 'squid')!.line;
    const result = detectFormat([...combined, squid, 'garbage']);
    const n = combined.length;
    expect(result).toMatchObject({ format: 'combined', matched: n, sampled: n + 2, others: { squid: 1 } });
    expect(result!.confidence).toBeCloseTo(n / (n + 2));
  });

  it('gives null when nothing parses', () => {
    expect(detectFormat(['hello', 'world', ''])).toBeNull();
  });
});
