import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest, type IngestOptions } from '../../ingest/index.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';

/** Issue 11, "Lines lost or doubled": each case lands exactly the lines that were written. */

let dir: string;
let warehouse: string;
const reports: string[] = [];
const report = (m: string) => reports.push(m);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-exact-'));
  warehouse = join(dir, 'w.duckdb');
  reports.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Landed { text: string; key: string; sourceId: string; attributes: Record<string, string> }

async function landed(): Promise<Landed[]> {
  const w = await openWarehouse(warehouse, { catalog: 'wh' });
  try {
    const r = await w.connection.runAndReadAll(`select data, attributes::varchar as attributes from logflow_raw.landing order by publish_time, attributes->>'source_id', (attributes->>'line_number')::bigint`);
    return r.getRowObjectsJS().map((o) => {
      const attributes = JSON.parse(String(o.attributes)) as Record<string, string>;
      return { text: Buffer.from(o.data as Uint8Array).toString(), key: attributes.idempotency_key!, sourceId: attributes.source_id!, attributes };
    });
  } finally {
    w.close();
  }
}

/** Texts per source_id in line-number order (each line number once), sources by their first row. */
function bySource(rows: Landed[]): string[][] {
  const groups = new Map<string, Landed[]>();
  for (const r of rows) groups.set(r.sourceId, [...(groups.get(r.sourceId) ?? []), r]);
  return [...groups.values()].map((g) => {
    const sorted = g.sort((a, b) => Number(a.attributes.line_number) - Number(b.attributes.line_number));
    expect(sorted.map((r) => Number(r.attributes.line_number))).toEqual(sorted.map((_, i) => i + 1));
    return sorted.map((r) => r.text);
  });
}

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `10.0.${i % 250}.1 - - [17/May/2015:10:05:03 +0000] "GET /${tag}/${i} HTTP/1.1" 200 ${i}`);

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A follow run on the local sink; stop() aborts it and returns its summary. */
function follow(inputs: string[], over: Partial<IngestOptions> = {}) {
  const controller = new AbortController();
  const run = runIngest({ inputs, follow: true, pollMs: 20, warehouse, report, signal: controller.signal, ...over });
  return {
    async stop() {
      controller.abort();
      return run;
    },
  };
}

describe('runIngest({ follow: true }) through a rename rotation of a glob', () => {
  // the new access.log may begin like the old one (a header line, a replayed or generated log):
  // it must not take over the rotated file's identity and checkpoint
  it.each([
    ['a new file with other lines, no writes after the rename', 0, false],
    ['a new file with other lines, the writer appends to the renamed file', 500, false],
    ['a new file that begins with the old one\'s lines, no writes after the rename', 0, true],
    ['a new file that begins with the old one\'s lines, the writer appends to the renamed file', 500, true],
  ])('lands every line exactly once: %s', async (_name, late, samePrefix) => {
    const log = join(dir, 'access.log');
    const before = lines(1000, 'old');
    const after = lines(late, 'late');
    const fresh = samePrefix ? [...before, ...lines(500, 'new')] : lines(500, 'new');
    writeFileSync(log, before.join('\n') + '\n');
    const f = follow([join(dir, 'access.log*')]);
    await new Promise((r) => setTimeout(r, 600));
    renameSync(log, join(dir, 'access.log.1'));
    // the writer still has the old file open (nginx until logrotate's postrotate USR1)
    for (let i = 0; i < after.length; i += 50) appendFileSync(join(dir, 'access.log.1'), after.slice(i, i + 50).join('\n') + '\n');
    writeFileSync(log, fresh.join('\n') + '\n');
    await new Promise((r) => setTimeout(r, 600));
    const summary = await f.stop();
    const got = await landed();
    expect(got.length).toBe(before.length + after.length + fresh.length);
    expect(summary).toMatchObject({ delivered: got.length, failed: 0, errors: 0 });
    expect(new Set(got.map((l) => l.key)).size).toBe(got.length);
    // each file's lines under one identity, numbered from 1, in the file's order
    expect(bySource(got)).toEqual([[...before, ...after], fresh]);
  });

  it('keeps the identities apart when the run restarts after the rotation (the new file sorts first)', async () => {
    const log = join(dir, 'access.log');
    const before = lines(1000, 'old');
    writeFileSync(log, before.join('\n') + '\n');
    await runIngest({ inputs: [join(dir, 'access.log*')], warehouse, report });
    renameSync(log, join(dir, 'access.log.1'));
    const fresh = [...before, ...lines(500, 'new')];
    writeFileSync(log, fresh.join('\n') + '\n');
    const s = await runIngest({ inputs: [join(dir, 'access.log*')], warehouse, report });
    expect(s).toMatchObject({ read: 1500, resumedLines: 1000 });
    const got = await landed();
    expect(got.length).toBe(2500);
    expect(new Set(got.map((l) => l.key)).size).toBe(2500);
    expect(bySource(got)).toEqual([before, fresh]);
  });
});
