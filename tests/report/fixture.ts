import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLines } from '../../generator/index.ts';
import { compileProject } from '../../warehouse/compile.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { prepareWarehouse } from '../../pipeline/prepare.ts';
import { landLines, runModels } from '../support/pipeline.ts';
import { PROJECT_DIR as REPO } from '../../warehouse/project.ts';

/** The two strings the issue names: they must show as text and never run. */
export const XSS_USER_AGENT = '<img src=x onerror=alert(1)>';
export const XSS_PATH = '</script><script>alert(1)</script>';

/** Lines carrying the XSS strings: as a path (bare and under /), as a user agent, and in a line that does not parse. */
export function xssLines(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const ts = `01/Nov/2026:1${i % 10}:${String(10 + i).padStart(2, '0')}:00 +0000`;
    lines.push(`198.51.100.${(i % 5) + 1} - - [${ts}] "GET ${XSS_PATH} HTTP/1.1" 200 512 "-" "${XSS_USER_AGENT}"`);
    lines.push(
      `198.51.100.${(i % 5) + 1} - - [${ts}] "GET /${XSS_PATH} HTTP/1.1" 200 512 "https://evil.example/<b>x</b>" "${XSS_USER_AGENT}"`,
    );
  }
  lines.push(`198.51.100.9 - - [01/Nov/2026:12:00:00 +0000] "GET / HTTP/1.1" - - "-" "${XSS_USER_AGENT}"`);
  return lines;
}

/** A warehouse file with `lines` generated lines (seed 7) plus the XSS lines, transformed. */
export async function buildFixtureWarehouse(lines = 3000): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'logflow-report-'));
  const path = join(dir, 'warehouse.duckdb');
  loadTinyReference(path);
  const wh = await openWarehouse(path);
  try {
    await prepareWarehouse(wh.connection, compileProject({ warehouse: 'duckdb' }));
    await landLines(wh, [...generateLines({ seed: 7, lines, durationSeconds: 2 * 86_400 }), ...xssLines()]);
    await runModels(wh);
  } finally {
    wh.close();
  }
  return path;
}

/** Reference ranges of our own (quarters of IPv4, halves of IPv6), loaded as a user would with `logflow geo load`. */
export function loadTinyReference(warehouse: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'logflow-ref-'));
  const country = join(dir, 'country.csv');
  const asn = join(dir, 'asn.csv');
  writeFileSync(
    country,
    [
      '0.0.0.0,63.255.255.255,US',
      '64.0.0.0,127.255.255.255,GB',
      '128.0.0.0,191.255.255.255,DE',
      '192.0.0.0,255.255.255.255,JP',
      '::,7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,FR',
      '8000::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,BR',
    ].join('\n') + '\n',
  );
  writeFileSync(
    asn,
    [
      '0.0.0.0,127.255.255.255,64500,Example Net A',
      '128.0.0.0,255.255.255.255,64501,"Example, Net B"',
      '::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,64502,',
    ].join('\n') + '\n',
  );
  execFileSync(
    process.execPath,
    [join(REPO, 'bin', 'logflow.js'), 'geo', 'load', '--country-csv', country, '--asn-csv', asn, '--warehouse', warehouse],
    { stdio: 'pipe' },
  );
}
