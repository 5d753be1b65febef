import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLines, type LogFormat } from '../../generator/index.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import type { ReportData } from '../../report/data.ts';
import { runLive, type LiveOptions } from '../../serve/live.ts';
import { loadTinyReference } from '../report/fixture.ts';

/** A fresh directory with a warehouse holding the tiny reference tables (the bundled load is slow for a test). */
function workspace(): { dir: string; warehouse: string } {
  const dir = mkdtempSync(join(tmpdir(), 'logflow-live-'));
  const warehouse = join(dir, 'warehouse.duckdb');
  loadTinyReference(warehouse);
  return { dir, warehouse };
}

/** `n` generated lines in `format` (seed 11, no malformed lines), timestamps in the last hour. */
function lines(n: number, format: LogFormat = 'combined', seed = 11): string {
  return (
    [...generateLines({ seed, lines: n, format, malformedShare: 0, start: new Date(Date.now() - 3_600_000), durationSeconds: 3_600 })].join(
      '\n',
    ) + '\n'
  );
}

/** Lines a published refresh shows: requests plus quarantined lines. */
const shown = (data: ReportData) =>
  data.daily.reduce((sum, row) => sum + Number(row[1]), 0) + data.parseErrors.reduce((sum, row) => sum + Number(row[1]), 0);

/**
 * Runs the serve loop until `refreshes` refreshes were published or `timeoutMs` passed; calls
 * `onData` with each published refresh (before the next follow phase starts).
 */
async function live(
  options: Omit<LiveOptions, 'signal' | 'log' | 'onData'>,
  refreshes: number,
  onData: (data: ReportData, index: number) => void = () => undefined,
  timeoutMs = 150_000,
): Promise<{ published: ReportData[]; log: string[] }> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  const published: ReportData[] = [];
  const log: string[] = [];
  try {
    await runLive({
      ...options,
      signal: stop.signal,
      log: (line) => log.push(line),
      onData: (data) => {
        published.push(data);
        onData(data, published.length - 1);
        if (published.length >= refreshes) stop.abort();
      },
    });
  } finally {
    clearTimeout(timer);
  }
  return { published, log };
}

/** Landed lines by their format attribute. */
async function landedFormats(warehouse: string): Promise<Record<string, number>> {
  const wh = await openWarehouse(warehouse, { readOnly: true });
  try {
    const rows = (
      await wh.connection.runAndReadAll(
        "select json_extract_string(attributes, '$.format') as format, count(*) as n from logflow_raw.landing group by 1 order by 1",
      )
    ).getRowObjectsJS();
    return Object.fromEntries(rows.map((r) => [String(r.format), Number(r.n)]));
  } finally {
    wh.close();
  }
}

describe('runLive()', () => {
  it.each([
    // [what, file format, --format, --custom-format, expected label]
    ['detects a JSON log (--format auto, the default)', 'json', undefined, undefined, 'json'],
    // (common's pattern reads a combined line, its referrer and user agent as trailing text)
    ['labels every line NAME with --format NAME, whatever detection would say', 'combined', 'common', undefined, 'common'],
    ['labels lines in --custom-format custom, and parses them with it', 'common', undefined, '%h %l %u %t "%r" %>s %b', 'custom'],
  ] as const)(
    '%s',
    async (_what, fileFormat, format, customFormat, label) => {
      const { dir, warehouse } = workspace();
      const log = join(dir, 'access.log');
      writeFileSync(log, lines(120, fileFormat));
      const { published } = await live({ warehouse, inputs: [log], everyMs: 200, format, customFormat }, 1);
      expect(published).toHaveLength(1);
      expect(await landedFormats(warehouse)).toEqual({ [label]: 120 });
      // the models parse what was labelled: no line quarantined
      expect(published[0]!.parseErrors).toEqual([]);
      expect(shown(published[0]!)).toBe(120);
    },
    300_000,
  );

  it('shows in each refresh every line written before it started, however short the follow phase', async () => {
    // A follow phase far shorter than reading the backlog takes (as a 5 s phase is for the lines
    // written during a long refresh): the loop must still read each file to its end before
    // refreshing, instead of falling behind by one phase each time.
    const { dir, warehouse } = workspace();
    const log = join(dir, 'access.log');
    writeFileSync(log, lines(3_000));
    const { published } = await live({ warehouse, inputs: [log], everyMs: 1 }, 2, (_data, index) => {
      // lines written while the refresh runs
      if (index === 0) appendFileSync(log, lines(500, 'combined', 12));
    });
    expect(published.map(shown)).toEqual([3_000, 3_500]);
  }, 300_000);
});
