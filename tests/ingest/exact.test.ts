import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { runIngest, TRUNCATED_PREFIX_BYTES, type IngestOptions } from '../../ingest/index.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { compileProject } from '../../warehouse/compile.ts';
import { prepareWarehouse } from '../../pipeline/prepare.ts';
import { ensureGeoTables } from '../../geo/load.ts';
import { queryRows, runModels } from '../support/pipeline.ts';

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

interface Landed {
  text: string;
  key: string;
  sourceId: string;
  attributes: Record<string, string>;
}

async function landed(): Promise<Landed[]> {
  const w = await openWarehouse(warehouse, { catalog: 'wh' });
  try {
    const r = await w.connection.runAndReadAll(
      `select data, attributes::varchar as attributes from logflow_raw.landing order by publish_time, attributes->>'source_id', (attributes->>'line_number')::bigint`,
    );
    return r.getRowObjectsJS().map((o) => {
      const attributes = JSON.parse(String(o.attributes)) as Record<string, string>;
      return {
        text: Buffer.from(o.data as Uint8Array).toString(),
        key: attributes.idempotency_key!,
        sourceId: attributes.source_id!,
        attributes,
      };
    });
  } finally {
    w.close();
  }
}

/** Texts per source_id in line-number order (each line number once), longest source first. */
function bySource(rows: Landed[]): string[][] {
  const groups = new Map<string, Landed[]>();
  for (const r of rows) groups.set(r.sourceId, [...(groups.get(r.sourceId) ?? []), r]);
  return [...groups.values()]
    .map((g) => {
      const sorted = g.sort((a, b) => Number(a.attributes.line_number) - Number(b.attributes.line_number));
      expect(sorted.map((r) => Number(r.attributes.line_number))).toEqual(sorted.map((_, i) => i + 1));
      return sorted.map((r) => r.text);
    })
    .sort(bigFirst);
}

const bigFirst = (a: string[], b: string[]) => b.length - a.length || (a.at(-1)! < b.at(-1)! ? -1 : 1);

const lines = (n: number, tag: string) =>
  Array.from(
    { length: n },
    (_, i) => `10.0.${i % 250}.1 - - [17/May/2015:10:05:03 +0000] "GET /${tag}/${i} HTTP/1.1" 200 ${i} "-" "test-agent"`,
  );

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
    ['the new file appears at once', 0, false, 0],
    ['the new file appears after a poll saw the rename', 0, false, 200],
    ['the writer appends to the renamed file, the new file appears at once', 500, false, 0],
    ['the writer appends to the renamed file, the new file appears after a poll', 500, false, 200],
    ["the new file begins with the old one's lines", 0, true, 0],
    ["the new file begins with the old one's lines, appends to the renamed file", 500, true, 200],
  ])('lands every line exactly once: %s', async (_name, late, samePrefix, gapMs) => {
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
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    writeFileSync(log, fresh.join('\n') + '\n');
    await new Promise((r) => setTimeout(r, 600));
    const summary = await f.stop();
    const got = await landed();
    expect(got.length).toBe(before.length + after.length + fresh.length);
    expect(summary).toMatchObject({ delivered: got.length, failed: 0, errors: 0 });
    expect(new Set(got.map((l) => l.key)).size).toBe(got.length);
    // each file's lines under one identity, numbered from 1, in the file's order
    expect(bySource(got)).toEqual([[...before, ...after], fresh].sort(bigFirst));
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
    expect(bySource(got)).toEqual([fresh, before]);
  });
});

/** Runs the requests models on the ingested warehouse; returns line counts per table. */
async function transform(): Promise<{ staged: number; requests: number; parseErrors: number }> {
  const wh = await openWarehouse(warehouse);
  try {
    await prepareWarehouse(wh.connection, compileProject({ warehouse: 'duckdb' }));
    await ensureGeoTables(wh.connection);
    await runModels(wh, { tags: ['requests'], includeDeps: true });
    const [n] = await queryRows(
      wh,
      `select (select count(*) from logflow.stg_landing__lines) as staged, (select count(*) from logflow.requests) as requests, (select count(*) from logflow.parse_errors) as parse_errors`,
    );
    return { staged: Number(n!.staged), requests: Number(n!.requests), parseErrors: Number(n!.parse_errors) };
  } finally {
    wh.close();
  }
}

describe('runIngest() on a file rewritten in place, each version with the same first line', () => {
  it('gives each version its own identity, and every line reaches requests or parse_errors', async () => {
    const file = join(dir, 'app.log');
    const header = '#Fields: combined';
    const versions = [
      [header, ...lines(3, 'v1')],
      [header, ...lines(5, 'v2')],
      [header, ...lines(4, 'v3')],
    ];
    for (const version of versions) {
      writeFileSync(file, version.join('\n') + '\n'); // truncates: same inode
      await runIngest({ inputs: [file], warehouse, report });
    }
    const got = await landed();
    expect(got.length).toBe(15);
    expect(new Set(got.map((l) => l.sourceId)).size).toBe(3);
    expect(new Set(got.map((l) => l.key)).size).toBe(15);
    expect(await transform()).toEqual({ staged: 15, requests: 12, parseErrors: 3 });
  });
});

describe('lines_are_conserved', () => {
  it('fails when two different texts landed under one key (and passes for a plain re-send)', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, lines(3, 'a').join('\n') + '\n');
    await runIngest({ inputs: [file], warehouse, report });
    await transform();
    // a second content under the same keys, as an identity collision would land it
    const wh = await openWarehouse(warehouse);
    try {
      await wh.connection.run(
        `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes) select subscription_name, message_id || '-resend', publish_time + interval 1 second, data, attributes from logflow_raw.landing`,
      );
    } finally {
      wh.close();
    }
    await expect(transform()).resolves.toEqual({ staged: 3, requests: 3, parseErrors: 0 });
    const wh2 = await openWarehouse(warehouse);
    try {
      await wh2.connection.run(
        `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes) select subscription_name, message_id || '-other', publish_time + interval 2 second, encode('other text'), attributes from logflow_raw.landing where message_id like '%-resend'`,
      );
    } finally {
      wh2.close();
    }
    // later lines move the staged watermark past the colliding rows
    writeFileSync(join(dir, 'next.log'), lines(2, 'next').join('\n') + '\n');
    await runIngest({ inputs: [join(dir, 'next.log')], warehouse, report });
    await expect(transform()).rejects.toThrow(/lines_are_conserved.*"texts_sharing_a_key":"3"/);
  });
});

describe('runIngest() on a file whose last line is still being written', () => {
  it('holds the unterminated last line back until it is completed, then lands it whole', async () => {
    const file = join(dir, 'live.log');
    const all = lines(101, 'live');
    const last = all.at(-1)!;
    writeFileSync(file, all.slice(0, 100).join('\n') + '\n' + last.slice(0, 50));
    const first = await runIngest({ inputs: [file], warehouse, report });
    expect(first).toMatchObject({ read: 100, delivered: 100, heldLines: 1 });
    expect(reports.join('\n')).toMatch(
      /live\.log: the last line \(50 bytes at byte \d+\) has no newline yet; held back until it is completed/,
    );
    appendFileSync(file, last.slice(50) + '\n');
    const second = await runIngest({ inputs: [file], warehouse, report });
    expect(second).toMatchObject({ read: 1, delivered: 1, heldLines: 0 });
    expect((await landed()).map((l) => l.text)).toEqual(all);
    expect(await transform()).toEqual({ staged: 101, requests: 101, parseErrors: 0 });
  });

  it.each([
    ['--final', { final: true }, 'plain'],
    ['a gzip file (complete by construction)', {}, 'gzip'],
  ])('delivers an unterminated last line when the file is known to be final: %s', async (_name, over, kind) => {
    const file = join(dir, kind === 'gzip' ? 'done.log.gz' : 'done.log');
    const body = Buffer.from(lines(3, 'done').join('\n'));
    writeFileSync(file, kind === 'gzip' ? gzipSync(body) : body);
    const s = await runIngest({ inputs: [file], warehouse, report, ...over });
    expect(s).toMatchObject({ read: 3, delivered: 3, heldLines: 0 });
    expect((await landed()).map((l) => l.text)).toEqual(lines(3, 'done'));
  });

  it('delivers the end of a piped stream as a line (a closed pipe is final)', async () => {
    const s = await runIngest({ inputs: ['-'], stdin: Readable.from([Buffer.from('a\nb')]), warehouse, report });
    expect(s).toMatchObject({ read: 2, delivered: 2 });
  });

  it('follow mode: a file renamed out of the inputs mid-line is read until the writer completes the line', async () => {
    const log = join(dir, 'access.log');
    writeFileSync(log, 'a1\nhalf');
    const f = follow([log]);
    await new Promise((r) => setTimeout(r, 300));
    renameSync(log, join(dir, 'access.log.1')); // out of the inputs
    writeFileSync(log, 'b1\n');
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(join(dir, 'access.log.1'), ' and the rest\na2\n'); // the writer had the old file open
    await new Promise((r) => setTimeout(r, 600));
    await f.stop();
    expect((await landed()).map((l) => l.text).sort()).toEqual(['a1', 'half and the rest', 'a2', 'b1'].sort());
  });
});

describe('runIngest() on a line over the 9 MiB message limit', () => {
  it('lands it as a parse error "line too long" with its original length, counted by conservation', async () => {
    const file = join(dir, 'huge.log');
    const size = 9 * 1024 * 1024 + 10;
    writeFileSync(
      file,
      Buffer.concat([Buffer.from(lines(1, 'a')[0] + '\n'), Buffer.alloc(size, 0x41), Buffer.from('\n' + lines(1, 'b')[0] + '\n')]),
    );
    const first = await runIngest({ inputs: [file], warehouse, report });
    expect(first).toMatchObject({ read: 3, delivered: 3, failed: 0, truncated: 1 });
    expect(await runIngest({ inputs: [file], warehouse, report })).toMatchObject({ read: 0, resumedLines: 3 });
    expect(await transform()).toEqual({ staged: 3, requests: 2, parseErrors: 1 });
    const wh = await openWarehouse(warehouse);
    try {
      expect(
        await queryRows(
          wh,
          `select line_number, parse_error, original_length_bytes, octet_length(raw_bytes) as kept from logflow.parse_errors`,
        ),
      ).toEqual([
        { line_number: '2', parse_error: 'line too long', original_length_bytes: String(size), kept: String(TRUNCATED_PREFIX_BYTES) },
      ]);
    } finally {
      wh.close();
    }
  });
});
