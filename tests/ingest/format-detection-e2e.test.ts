import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Faker, base, en } from '@faker-js/faker';
import { runIngest } from '../../ingest/index.ts';
import { startPubsubFake, type PubsubFake } from '../support/pubsub-fake.ts';
import { queryRows, runModels, testWarehouse } from '../support/pipeline.ts';
import { FORMAT_CASES, JSON_CASES } from '../formats/cases.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';

/**
 * The ingester end to end with format detection (--format auto): files in every predefined
 * format and one file mixing formats line by line, through the local DuckDB landing table and
 * through Pub/Sub (loopback fake, real client). Every landed line must carry its true format.
 */

const label = (format: string) => (format === 'cloudlogging' ? 'cloud_logging' : format);
const byFormat = new Map<string, string[]>();
for (const c of [...FORMAT_CASES.filter((x) => !x.format.includes(':') && x.format !== 'w3c'), ...JSON_CASES]) {
  byFormat.set(label(c.format), [...(byFormat.get(label(c.format)) ?? []), c.line]);
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'logflow-detect-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One file per format (its table lines repeated to 60 lines: past the 50-line sample) and one mixed file; line -> true format. */
function writeCorpus(): { files: string[]; truth: Map<string, string> } {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(14);
  faker.setDefaultRefDate(new Date('2026-11-01T00:00:00Z'));
  const truth = new Map<string, string>();
  const files: string[] = [];
  for (const [format, lines] of byFormat) {
    const file = join(dir, `${format}.log`);
    writeFileSync(file, Array.from({ length: 60 }, (_, i) => lines[i % lines.length]).join('\n') + '\n');
    files.push(file);
    for (let i = 0; i < 60; i++) truth.set(`${file}:${i + 1}`, format);
  }
  const mixed = join(dir, 'mixed.log');
  const formats = [...byFormat.keys()];
  const picks = Array.from({ length: 200 }, () => faker.helpers.arrayElement(formats));
  writeFileSync(mixed, picks.map((f) => faker.helpers.arrayElement(byFormat.get(f)!)).join('\n') + '\n');
  for (const [i, f] of picks.entries()) truth.set(`${mixed}:${i + 1}`, f);
  files.push(mixed);
  return { files, truth };
}

describe('runIngest({ format: auto }) to the local landing table', () => {
  let wh: Warehouse;
  beforeEach(async () => {
    wh = await testWarehouse();
  });
  afterEach(() => wh.close());

  it('lands every line with its true format, per source and line by line in a mixed source', async () => {
    const { files, truth } = writeCorpus();
    const notices: string[] = [];
    const s = await runIngest({ inputs: files, warehouse: wh, format: 'auto', report: (m) => notices.push(m), batch: { maxLines: 37 } });
    expect(s).toMatchObject({ read: truth.size, delivered: truth.size, failed: 0 });
    const rows = await queryRows(
      wh,
      `select attributes->>'source' as source, attributes->>'line_number' as line, attributes->>'format' as format from logflow_raw.landing`,
    );
    expect(rows).toHaveLength(truth.size);
    const wrong = rows.filter((r) => truth.get(`${r.source}:${r.line}`) !== r.format);
    expect(wrong).toEqual([]);
    expect(notices).toEqual([
      expect.stringMatching(/mixed\.log: mixed log formats in its first 50 line\(s\) \(.*\); each line is labelled with its own format$/),
    ]);
  });

  it('the labels decide the parse: a common and a vcombined file land as requests, not parse errors', async () => {
    const common = join(dir, 'common.log');
    const vcombined = join(dir, 'vcombined.log');
    writeFileSync(common, '192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 12\n'.repeat(3));
    writeFileSync(vcombined, 'example.com:443 192.0.2.2 - - [17/May/2015:10:05:04 +0000] "GET /b HTTP/1.1" 404 0 "-" "curl/8"\n'.repeat(2));
    await runIngest({ inputs: [common, vcombined], warehouse: wh, format: 'auto', report: () => undefined });
    await runModels(wh);
    expect(
      await queryRows(wh, `select vhost, path, status::int as status, count(*)::int as n from logflow.requests group by all order by path`),
    ).toEqual([
      { vhost: null, path: '/a', status: 200, n: 3 },
      { vhost: 'example.com', path: '/b', status: 404, n: 2 },
    ]);
    expect(await queryRows(wh, 'select count(*)::int as n from logflow.parse_errors')).toEqual([{ n: 0 }]);
  });

  it('--format NAME overrides detection for every line', async () => {
    const file = join(dir, 'squid.log');
    writeFileSync(file, byFormat.get('squid')!.join('\n') + '\n');
    await runIngest({ inputs: [file], warehouse: wh, format: 'combined', report: () => undefined });
    expect(await queryRows(wh, `select distinct attributes->>'format' as format from logflow_raw.landing`)).toEqual([
      { format: 'combined' },
    ]);
  });
});

describe('runIngest({ format: auto }) to Pub/Sub (loopback server, real client)', () => {
  let fake: PubsubFake;
  beforeAll(async () => {
    fake = await startPubsubFake();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('publishes every line with its true format attribute', async () => {
    const { files, truth } = writeCorpus();
    const s = await runIngest({
      inputs: files,
      sink: 'pubsub',
      format: 'auto',
      statePath: join(dir, 'state.json'),
      report: () => undefined,
      ingestHost: 'h1',
      batch: { maxLines: 41 },
      pubsub: {
        topic: 'projects/test-project/topics/logs',
        endpoint: fake.endpoint,
        batching: { maxMessages: 100, maxBytes: 1 << 20, maxMilliseconds: 5 },
        flowControl: { maxOutstandingMessages: 500, maxOutstandingBytes: 1 << 24 },
        retries: 1,
        timeoutMs: 5000,
      },
    });
    expect(s).toMatchObject({ read: truth.size, delivered: truth.size, failed: 0 });
    expect(fake.messages).toHaveLength(truth.size);
    const wrong = fake.messages.filter((m) => truth.get(`${m.attributes.source}:${m.attributes.line_number}`) !== m.attributes.format);
    expect(wrong).toEqual([]);
  });
});
