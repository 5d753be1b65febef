import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runIngest, lineAttributes, TRUNCATED_PREFIX_BYTES } from '../../ingest/index.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { LOCAL_SUBSCRIPTION } from '../../pipeline/landing.ts';

let dir: string;
let warehouse: string;
const messages: string[] = [];
const report = (m: string) => messages.push(m);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-ingest-'));
  warehouse = join(dir, 'w.duckdb');
  messages.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  message_id: string;
  publish_time: string;
  data: Buffer;
  attributes: Record<string, string>;
  subscription_name: string;
}

async function rows(): Promise<Row[]> {
  const w = await openWarehouse(warehouse, { catalog: 'wh' });
  try {
    const r = await w.connection.runAndReadAll(
      `select subscription_name, message_id, epoch_us(publish_time)::varchar as publish_time, data, attributes::varchar as attributes from logflow_raw.landing order by publish_time, (attributes->>'line_number')::bigint`,
    );
    return r.getRowObjectsJS().map((o) => ({
      subscription_name: String(o.subscription_name),
      message_id: String(o.message_id),
      publish_time: String(o.publish_time),
      data: Buffer.from(o.data as Uint8Array),
      attributes: JSON.parse(String(o.attributes)) as Record<string, string>,
    }));
  } finally {
    w.close();
  }
}

const lines = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => `10.0.0.${(from + i) % 250} - - [17/May/2015:10:05:03 +0000] "GET /p/${from + i} HTTP/1.1" 200 ${from + i}`,
  );

describe('runIngest() to the local landing table', () => {
  it('lands every line of a file with its raw bytes and attributes, once', async () => {
    const file = join(dir, 'access.log');
    writeFileSync(file, lines(500).join('\n') + '\n');
    const s = await runIngest({ inputs: [file], warehouse, report, batch: { maxLines: 64 }, ingestHost: 'test-host' });
    expect(s).toMatchObject({ read: 500, delivered: 500, failed: 0, errors: 0 });
    const got = await rows();
    expect(got.map((r) => r.data.toString())).toEqual(lines(500));
    const first = got[0]!;
    const source = { name: file, sourceId: first.attributes.source_id!, resumable: true };
    expect(first.attributes).toEqual(lineAttributes(source, 1, 0, { format: 'combined', ingestHost: 'test-host' }));
    expect(JSON.stringify(got[7]!.attributes)).toBe(
      JSON.stringify(lineAttributes(source, 8, Number(got[7]!.attributes.byte_offset), { format: 'combined', ingestHost: 'test-host' })),
    );
    expect(new Set(got.map((r) => r.message_id)).size).toBe(500);
    expect(got.every((r) => r.subscription_name === LOCAL_SUBSCRIPTION)).toBe(true);
    const times = got.map((r) => BigInt(r.publish_time));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it('resumes from the checkpoint: a re-run adds nothing, appended lines are added once', async () => {
    const file = join(dir, 'access.log');
    writeFileSync(file, lines(100).join('\n') + '\n');
    await runIngest({ inputs: [file], warehouse, report });
    const again = await runIngest({ inputs: [file], warehouse, report });
    expect(again).toMatchObject({ read: 0, resumedLines: 100 });
    appendFileSync(file, lines(20, 100).join('\n') + '\n');
    const more = await runIngest({ inputs: [file], warehouse, report });
    expect(more).toMatchObject({ read: 20, delivered: 20 });
    const got = await rows();
    expect(got.map((r) => r.data.toString())).toEqual(lines(120));
    expect(got.at(-1)!.attributes.line_number).toBe('120');
  });

  it('recognises a rotated (renamed, then gzipped) file and reads only the new file', async () => {
    const file = join(dir, 'access.log');
    writeFileSync(file, lines(50).join('\n') + '\n');
    await runIngest({ inputs: [join(dir, 'access.log*')], warehouse, report });
    renameSync(file, join(dir, 'access.log.1'));
    writeFileSync(file, lines(10, 1000).join('\n') + '\n');
    const s = await runIngest({ inputs: [join(dir, 'access.log*')], warehouse, report });
    expect(s).toMatchObject({ read: 10, resumedLines: 50 });
    writeFileSync(join(dir, 'access.log.2.gz'), gzipSync(Buffer.from(lines(50).join('\n') + '\n')));
    rmSync(join(dir, 'access.log.1'));
    const s2 = await runIngest({ inputs: [join(dir, 'access.log*')], warehouse, report });
    expect(s2.read).toBe(0);
    expect((await rows()).length).toBe(60);
  });

  it('keeps identical text at two offsets as two rows with different keys', async () => {
    const file = join(dir, 'dup.log');
    writeFileSync(file, 'same line\nsame line\n');
    await runIngest({ inputs: [file], warehouse, report });
    const got = await rows();
    expect(got.map((r) => r.data.toString())).toEqual(['same line', 'same line']);
    expect(got[0]!.attributes.idempotency_key).not.toBe(got[1]!.attributes.idempotency_key);
  });

  it('delivers bad input byte for byte and reports what cannot be read', async () => {
    const bad = join(dir, 'bad.log');
    const invalid = Buffer.from([0x47, 0x45, 0x54, 0xff, 0xc3, 0x28, 0x00, 0x41]);
    const big = Buffer.alloc(1 << 20, 0x62);
    writeFileSync(bad, Buffer.concat([invalid, Buffer.from('\r\n'), big, Buffer.from('\nlast without newline')]));
    writeFileSync(join(dir, 'empty.log'), '');
    mkdirSync(join(dir, 'adir'));
    // --final: the file is complete, so its last line without a newline is a line
    const s = await runIngest({
      inputs: [bad, join(dir, 'empty.log'), join(dir, 'adir'), join(dir, 'missing.log')],
      warehouse,
      report,
      final: true,
    });
    expect(s).toMatchObject({ read: 3, delivered: 3, failed: 0, errors: 2 });
    expect(messages.join('\n')).toMatch(/adir: cannot read: is a directory/);
    expect(messages.join('\n')).toMatch(/missing\.log: cannot read: no such file/);
    const got = await rows();
    expect(got.map((r) => r.data.length)).toEqual([invalid.length, 1 << 20, 'last without newline'.length]);
    expect(got[0]!.data.equals(invalid)).toBe(true);
  });

  it('delivers the lines before the damage of a truncated gzip file and reports it', async () => {
    const file = join(dir, 'cut.log.gz');
    const gz = gzipSync(Buffer.from(lines(2000).join('\n') + '\n'));
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const s = await runIngest({ inputs: [file], warehouse, report });
    expect(s.errors).toBe(1);
    expect(messages.join('\n')).toMatch(/cut\.log\.gz: cannot read after \d+ bytes \(lines before that were delivered\)/);
    const got = await rows();
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((r) => r.data.toString())).toEqual(lines(got.length));
  });

  it('lands a prefix of a line over the message limit, marked with its original length', async () => {
    const file = join(dir, 'huge.log');
    writeFileSync(file, Buffer.concat([Buffer.from('small\n'), Buffer.alloc(10 * 1024 * 1024, 0x78), Buffer.from('\nafter\n')]));
    const s = await runIngest({ inputs: [file], warehouse, report });
    expect(s).toMatchObject({ read: 3, delivered: 3, failed: 0, truncated: 1 });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /line 2 \(byte 6\) is 10485760 bytes, over the .*-byte Pub\/Sub message limit; delivered its first 65536 bytes with the attribute original_length/,
    );
    const got = await rows();
    expect(got.map((r) => r.data.length)).toEqual([5, TRUNCATED_PREFIX_BYTES, 5]);
    expect(got[1]!.attributes.original_length).toBe(String(10 * 1024 * 1024));
    expect(got[0]!.attributes.original_length).toBeUndefined();
    const source = { name: file, sourceId: got[1]!.attributes.source_id!, resumable: true };
    expect(JSON.stringify(got[1]!.attributes)).toBe(
      JSON.stringify(lineAttributes(source, 2, 6, { format: 'combined', ingestHost: got[1]!.attributes.ingest_host! }, 10 * 1024 * 1024)),
    );
    expect(await runIngest({ inputs: [file], warehouse, report })).toMatchObject({ read: 0, resumedLines: 3 });
  });

  it('lands the same shortened source attribute as Pub/Sub for a path over 1,024 bytes', async () => {
    let long = dir;
    for (let i = 0; Buffer.byteLength(long) <= 1200; i++) long = join(long, `${i}-${'d'.repeat(200)}`);
    mkdirSync(long, { recursive: true });
    const file = join(long, 'access.log');
    writeFileSync(file, 'x\n');
    await runIngest({ inputs: [file], warehouse, report, ingestHost: 'h' });
    const [row] = await rows();
    expect(row!.attributes).toEqual(
      lineAttributes({ name: file, sourceId: row!.attributes.source_id!, resumable: true }, 1, 0, { format: 'combined', ingestHost: 'h' }),
    );
    expect(Buffer.byteLength(row!.attributes.source!)).toBeLessThanOrEqual(1024);
  });

  it.each([
    ['a name that needs JSON escaping, one batch', 'q"uo\\te \u001f tab\té ☃.log', 'combined', 1000, undefined],
    ['lines of mixed formats, small batches', 'mixed.log', 'auto', 3, undefined],
    // the first piece's lines carry their own formats, the next piece's share one: each row keeps its own
    ['lines of mixed formats, batches in pieces', 'mixed.log', 'auto', 5, 2],
  ])('writes the attributes as the text json_object() writes, byte for byte: %s', async (_, name, format, maxLines, pieceLines) => {
    const file = join(dir, name);
    const combined = lines(3).map((l) => `${l} "-" "curl/8"`);
    const common = `10.0.0.9 - - [17/May/2015:10:05:03 +0000] "GET /c HTTP/1.1" 200 9`;
    writeFileSync(file, [combined[0], common, combined[1], common, combined[2], 'garbage', ''].join('\n') + '\n');
    await runIngest({ inputs: [file], warehouse, report, ingestHost: 'h"ost', format, batch: { maxLines, pieceLines }, final: true });
    const w = await openWarehouse(warehouse, { catalog: 'wh' });
    try {
      const keys = ['source', 'source_id', 'line_number', 'byte_offset', 'format', 'ingest_host', 'idempotency_key'];
      const reference = `json_object(${keys.map((k) => `'${k}', attributes->>'${k}'`).join(', ')})::varchar`;
      const r = await w.connection.runAndReadAll(
        `select attributes::varchar as text, ${reference} as reference, attributes->>'format' as format from logflow_raw.landing order by (attributes->>'line_number')::bigint`,
      );
      const got = r.getRowObjectsJS();
      expect(got).toHaveLength(7);
      for (const row of got) expect(row.text).toBe(row.reference);
      if (name.includes('\u001f')) expect(String(got[0]!.text)).toContain('\\u001F');
      if (format === 'auto')
        expect(got.map((row) => row.format)).toEqual(['combined', 'common', 'combined', 'common', 'combined', 'combined', 'combined']);
    } finally {
      w.close();
    }
  });

  it('lands a batch read in pieces as one transaction: the rows and checkpoints of whole batches, one publish time per batch', async () => {
    const file = join(dir, 'access.log');
    writeFileSync(file, lines(250).join('\n') + '\n');
    const landed = async (pieceLines: number | undefined) => {
      rmSync(warehouse, { force: true });
      const s = await runIngest({ inputs: [file], warehouse, report, batch: { maxLines: 100, pieceLines }, ingestHost: 'h' });
      expect(s).toMatchObject({ read: 250, delivered: 250 });
      const got = await rows();
      const w = await openWarehouse(warehouse, { catalog: 'wh' });
      try {
        const cp = await w.connection.runAndReadAll(
          `select source_id, path, "offset", line, fp_len, fp_hash, tail_offset, tail_len, tail_hash from logflow_ingest.checkpoints`,
        );
        return {
          rows: got.map((r) => [r.data.toString(), JSON.stringify(r.attributes)]),
          batches: [...new Set(got.map((r) => r.publish_time))].map((t) => got.filter((r) => r.publish_time === t).length),
          checkpoints: cp.getRowObjectsJS(),
        };
      } finally {
        w.close();
      }
    };
    const whole = await landed(undefined);
    const pieces = await landed(16);
    expect(pieces).toEqual(whole);
    expect(pieces.batches).toEqual([100, 100, 50]);
    expect(pieces.checkpoints).toMatchObject([{ line: 250n }]);
  });

  it('ingests in-process lines as one stream with offsets as if piped', async () => {
    const s = await runIngest({ lines: lines(1000), warehouse, report, batch: { maxLines: 300 } });
    expect(s).toMatchObject({ read: 1000, delivered: 1000 });
    const got = await rows();
    expect(got.map((r) => r.data.toString())).toEqual(lines(1000));
    expect(got[1]!.attributes.byte_offset).toBe(String(Buffer.byteLength(lines(1)[0]!) + 1));
    expect(got[0]!.attributes.source).toBe('generator');
  });
});
