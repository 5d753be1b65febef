import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FORMAT_CASES, JSON_CASES } from './cases.ts';

// The table's lines are realistic when GoAccess itself, given its predefined format of the same
// name, counts every one of them as valid: the check on the table that does not come from our
// own reading of the documentation. Lines marked beyondGoaccess are known, documented
// differences (the test requires GoAccess to reject those, so the marks stay true).

const HAS_GOACCESS = spawnSync('goaccess', ['--version']).status === 0;
if (!HAS_GOACCESS) console.log('goaccess format tests skipped: goaccess is not installed (apt-get install goaccess)');

/** GoAccess 1.7's predefined formats (TRAEFIKCLF came later). */
const GOACCESS_FORMATS = [
  'combined',
  'vcombined',
  'common',
  'vcommon',
  'w3c',
  'cloudfront',
  'cloudstorage',
  'awselb',
  'squid',
  'awss3',
  'caddy',
  'awsalb',
];
const dir = mkdtempSync(join(tmpdir(), 'logflow-goaccess-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GoAccess's valid and failed request counts for the lines, read as `format`. */
let runs = 0;
function goaccess(format: string, lines: string[]): { valid: number; failed: number } {
  runs++;
  const log = join(dir, `${format}-${runs}.log`);
  const out = join(dir, `${format}-${runs}.json`);
  writeFileSync(log, `${lines.join('\n')}\n`);
  spawnSync('goaccess', [log, `--log-format=${format.toUpperCase()}`, '-q', '--no-progress', '--no-global-config', '-o', out]);
  try {
    const general = JSON.parse(readFileSync(out, 'utf8')).general as { valid_requests: number; failed_requests: number };
    return { valid: general.valid_requests, failed: general.failed_requests };
  } catch {
    return { valid: 0, failed: lines.length };
  }
}

describe.skipIf(!HAS_GOACCESS)('the table against GoAccess 1.7', () => {
  const cases = [...FORMAT_CASES, ...JSON_CASES];
  const accepted = GOACCESS_FORMATS.filter((f) => cases.some((c) => c.format === f && !c.beyondGoaccess));
  it.each(accepted)('%s: GoAccess accepts every line not marked beyondGoaccess', (format) => {
    const lines = cases.filter((c) => c.format === format && !c.beyondGoaccess).map((c) => c.line);
    expect(goaccess(format, lines)).toEqual({ valid: lines.length, failed: 0 });
  });

  it.each(cases.filter((c) => c.beyondGoaccess))('$format: $name is rejected by GoAccess ($beyondGoaccess)', ({ format, line }) => {
    expect(goaccess(format, [line]).valid).toBe(0);
  });
});
