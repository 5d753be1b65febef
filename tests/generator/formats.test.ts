import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRecords, LOG_FORMATS } from '../../generator/index.ts';
import { escapeApache, escapeJson } from '../../generator/escape.ts';
import { looksLikePageView, parseLine, unescapeApache } from './reference-parser.ts';

const sample = (format: string, utcOffsetMinutes = 0) =>
  [...generateRecords({ seed: 42, lines: 30_000, format: format as never, utcOffsetMinutes, scanShare: 0.05, malformedShare: 0.01 })].map(
    ({ line, truth }) => ({ line, truth }),
  );

describe('generated formats', () => {
  it.each(LOG_FORMATS)('every %s line parses with the reference parser unless it is labelled malformed', (format) => {
    let checked = 0;
    for (const { line, truth } of sample(format)) {
      const parsed = parseLine(format, line);
      if (truth.scenario === 'malformed') {
        expect(parsed, `malformed line ${truth.line} parsed: ${line}`).toBeNull();
        continue;
      }
      expect(parsed, `line ${truth.line} did not parse: ${line}`).not.toBeNull();
      expect(parsed!.ip).toBe(truth.ip);
      expect(parsed!.timeMs).toBe(Math.floor(truth.timeMs / 1000) * 1000);
      expect(looksLikePageView(parsed!), `page view mismatch on line ${truth.line}: ${line}`).toBe(truth.isPageView);
      if (format === 'vcombined' || format === 'json') expect(parsed!.vhost).toBe('www.example.com');
      checked++;
    }
    expect(checked).toBeGreaterThan(29_000);
  });

  it.each([
    [60, '+0100'],
    [-330, '-0530'],
  ])('prints timestamps with a UTC offset of %i minutes (%s) without moving the instants', (offset, text) => {
    for (const { line, truth } of sample('combined', offset).slice(0, 2000)) {
      if (truth.scenario === 'malformed') continue;
      const parsed = parseLine('combined', line)!;
      expect(line).toContain(` ${text}]`);
      expect(parsed.offsetMinutes).toBe(offset);
      expect(parsed.timeMs).toBe(Math.floor(truth.timeMs / 1000) * 1000);
    }
  });

  it('writes quotes, backslashes and control characters as Apache and nginx escape=json do', () => {
    const lines = sample('combined').map((r) => r.line);
    expect(lines.some((l) => l.includes('"GET /search?q=\\"><script>'))).toBe(true);
    expect(lines.some((l) => l.includes('"\\x16\\x03\\x01'))).toBe(true);
    expect(lines.some((l) => l.includes('"GET /\\x09HTTP/1.1\\x0d\\x0aHost: x"'))).toBe(true);
    expect(lines.some((l) => l.endsWith('"() { :; }; echo; echo; /bin/bash -c \\"cat /etc/passwd\\""'))).toBe(true);
    expect(lines.some((l) => l.includes(' "\\"><script>alert(1)</script>" '))).toBe(true);
    expect(lines.some((l) => l.endsWith('"http://localhost\\\\admin" "Mozilla/5.0\\x0d\\x0aX-Forwarded-For: 127.0.0.1"'))).toBe(true);
    const json = sample('json').map((r) => r.line);
    expect(
      json.some((l) =>
        l.includes('"http_referer":"http://localhost\\\\admin","http_user_agent":"Mozilla/5.0\\r\\nX-Forwarded-For: 127.0.0.1"'),
      ),
    ).toBe(true);
    expect(json.some((l) => l.includes('"request":"GET /\\tHTTP/1.1\\r\\nHost: x"'))).toBe(true);
    expect(json.some((l) => l.includes('"request":"\\u0016\\u0003\\u0001'))).toBe(true);
  });

  it.each([
    ['plain', 'plain'],
    ['say "hi"', 'say \\"hi\\"'],
    ['back\\slash', 'back\\\\slash'],
    ['tab\there', 'tab\\x09here'],
    ['café', 'caf\\xc3\\xa9'],
    ['\u001b[31m', '\\x1b[31m'],
  ])('escapeApache(%j) = %s and round-trips', (input, expected) => {
    expect(escapeApache(input)).toBe(expected);
    expect(unescapeApache(escapeApache(input))).toBe(input);
  });

  it.each(['plain', 'say "hi"', 'back\\slash', 'tab\there\n', 'café', '\u0000\u001f'])(
    'escapeJson(%j) round-trips through JSON.parse',
    (input) => {
      expect(JSON.parse(`"${escapeJson(input)}"`)).toBe(input);
    },
  );

  it('is accepted by GoAccess --log-format=COMBINED, which rejects exactly the malformed lines', (ctx) => {
    const which = spawnSync('sh', ['-c', 'command -v goaccess']);
    if (which.status !== 0) {
      console.log('skipped: goaccess is not on PATH (apt-get install goaccess to run this check)');
      ctx.skip();
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logflow-gen-'));
    try {
      const records = sample('combined');
      const log = path.join(dir, 'access.log');
      const invalid = path.join(dir, 'invalid.txt');
      fs.writeFileSync(log, records.map((r) => r.line).join('\n') + '\n');
      const run = spawnSync(
        'goaccess',
        [log, '--log-format=COMBINED', '-o', path.join(dir, 'report.json'), `--invalid-requests=${invalid}`, '--no-progress'],
        { encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
      const malformed = records.filter((r) => r.truth.scenario === 'malformed').map((r) => r.line);
      expect(report.general.total_requests).toBe(records.length);
      expect(report.general.failed_requests).toBe(malformed.length);
      const rejected = fs.readFileSync(invalid, 'utf8').split('\n').filter(Boolean);
      expect(rejected.sort()).toEqual(malformed.sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
