import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGeoTables } from '../../geo/load.ts';
import { generateLines } from '../../generator/index.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { LOCAL_SUBSCRIPTION } from '../../pipeline/landing.ts';
import { queryRows, runModels, testWarehouse } from '../support/pipeline.ts';

// Agreement with GoAccess 1.7 (the peer log analyser) on the same file, where the definitions
// are the same: total requests, unique visitors per day (with and without 4xx), hits per status
// code, hits per requested path (requested files + static files) and 404 paths.
// GoAccess runs with -q (no query string: our path excludes it), --http-method=no and
// --http-protocol=no (its item key would otherwise include them), and no item limit.

const repoRoot = resolve(import.meta.dirname, '../..');
const SAMPLE = resolve(repoRoot, '../shared', 'data/elastic-apache-10k.log');
const HAS_GOACCESS = spawnSync('goaccess', ['--version']).status === 0;
if (!HAS_GOACCESS) console.log('goaccess agreement tests skipped: goaccess is not installed (apt-get install goaccess)');
if (HAS_GOACCESS && !existsSync(SAMPLE)) console.log(`goaccess sample test skipped: ${SAMPLE} is absent`);

interface Item {
  data: string;
  hits: { count: number };
  visitors: { count: number };
  items?: Item[];
}
type Report = Record<string, { data: Item[] }> & { general: { total_requests: number; valid_requests: number } };

function goaccess(file: string, dir: string, extra: string[] = []): Report {
  const out = join(dir, `report-${randomUUID()}.json`);
  execFileSync(
    'goaccess',
    [
      file,
      '--log-format=COMBINED',
      '-q',
      '--http-method=no',
      '--http-protocol=no',
      '--max-items=1000000',
      '--no-progress',
      ...extra,
      '-o',
      out,
    ],
    { stdio: 'ignore' },
  );
  // GoAccess copies invalid UTF-8 from the log into its JSON: decode leniently.
  return JSON.parse(readFileSync(out).toString('utf8')) as Report;
}

/** Lands lines in one statement (values bound as one JSON parameter), like logflow ingest --local. */
async function land(wh: Warehouse, lines: string[]): Promise<void> {
  let offset = 0;
  const rows = lines.map((line, i) => {
    const bytes = Buffer.from(line, 'utf8');
    const row = {
      m: randomUUID(),
      t: new Date(Date.parse('2026-11-01T00:00:00Z') + i).toISOString(),
      h: bytes.toString('hex'),
      a: {
        source: 'goaccess-test',
        source_id: 'g',
        line_number: String(i + 1),
        byte_offset: String(offset),
        format: 'combined',
        ingest_host: 'test',
        idempotency_key: `g:${offset}`,
      },
    };
    offset += bytes.length + 1;
    return row;
  });
  await wh.connection.run(
    `insert into logflow_raw.landing (subscription_name, message_id, publish_time, data, attributes) select $2, r ->> 'm', cast(r ->> 't' as timestamptz), unhex(r ->> 'h'), r -> 'a' from (select unnest(cast($1 as json[])) as r)`,
    [JSON.stringify(rows), LOCAL_SUBSCRIPTION],
  );
}

/**
 * GoAccess percent-decodes the request path before keying its panels (ours keeps the path as
 * logged), and trims surrounding blanks: do the same to compare (invalid UTF-8 then reads as
 * U+FFFD on both sides).
 */
export function goaccessDecode(path: string): string {
  const bytes = Buffer.from(
    path.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  );
  const text = bytes.toString('utf8');
  return text.trim();
}

const T = (s: string) => `"your-gcp-project"."logflow"."${s}"`;
const asMap = (rows: Record<string, unknown>[], key: string, value: string, rekey = (k: string) => k) => {
  const m: Record<string, number> = {};
  for (const r of rows) m[rekey(String(r[key]))] = (m[rekey(String(r[key]))] ?? 0) + Number(r[value]);
  return m;
};
const itemMap = (items: Item[]) => {
  const m: Record<string, number> = {};
  for (const i of items) m[i.data] = (m[i.data] ?? 0) + i.hits.count;
  return m;
};

/**
 * Paths of well-formed request lines only, plus the hits set aside under '(malformed)' so the
 * totals still have to agree: ours without the malformed requests' hits, GoAccess's without
 * its keys that are not paths.
 */
function wellFormed(
  paths: Record<string, number>,
  malformed?: Record<string, unknown>[],
  malformedKeys = new Set<string>(),
): Record<string, number> {
  const out: Record<string, number> = {};
  let malformedHits = 0;
  if (malformed) {
    for (const [path, hits] of Object.entries(paths)) if (path !== 'null') out[path] = hits;
    for (const m of malformed) {
      const key = m.path === null ? null : goaccessDecode(String(m.path));
      if (key !== null) out[key] = (out[key] ?? 0) - Number(m.hits);
      malformedHits += Number(m.hits);
    }
    for (const [k, v] of Object.entries(out)) if (v === 0) delete out[k];
    return { ...out, '(malformed)': malformedHits };
  }
  for (const [path, hits] of Object.entries(paths)) {
    if (malformedKeys.has(path)) malformedHits += hits;
    else out[path] = hits;
  }
  return { ...out, '(malformed)': malformedHits };
}

interface Comparison {
  ours: {
    total: number;
    visitors: Record<string, number>;
    visitorsWith4xx: Record<string, number>;
    statuses: Record<string, number>;
    paths: Record<string, number>;
    notFound: Record<string, number>;
  };
  theirs: {
    total: number;
    visitors: Record<string, number>;
    visitorsWith4xx: Record<string, number>;
    statuses: Record<string, number>;
    paths: Record<string, number>;
    notFound: Record<string, number>;
  };
}

async function compare(lines: string[], file: string, dir: string): Promise<Comparison> {
  const plain = goaccess(file, dir);
  const with4xx = goaccess(file, dir, ['--4xx-to-unique-count']);
  const wh = await testWarehouse();
  try {
    await ensureGeoTables(wh.connection);
    await land(wh, lines);
    await runModels(wh);
    const days = await queryRows(
      wh,
      `select strftime(request_date, '%Y%m%d') as day, hits, unique_visitors, unique_visitors_with_4xx from ${T('daily_visitors')}`,
    );
    const statuses = await queryRows(
      wh,
      `select cast(status as varchar) as status, sum(hits) as hits from ${T('status_codes')} group by 1`,
    );
    const paths = await queryRows(
      wh,
      `select path, sum(hits) as hits from (select path, hits from ${T('pages')} union all select path, hits from ${T('static_files')}) group by 1`,
    );
    const notFound = await queryRows(wh, `select path, sum(hits) as hits from ${T('not_found')} group by 1`);
    // Request lines that are not METHOD PATH PROTOCOL (TLS handshakes, '-', SSH banners, HTTP/0.9
    // lines without a protocol): GoAccess keys them by the request text or '-'; we keep the
    // path NULL, or the path of an HTTP/0.9 line.
    const malformed = await queryRows(
      wh,
      `select path, request_line, status = 404 as is_404, count(*) as hits from ${T('requests')} where not coalesce(is_request_line_valid, true) or protocol is null group by 1, 2, 3`,
    );
    const malformedKeys = new Set(['-', ...malformed.map((m) => String(m.request_line))]);
    return {
      ours: {
        total: days.reduce((n, d) => n + Number(d.hits), 0),
        visitors: asMap(days, 'day', 'unique_visitors'),
        visitorsWith4xx: asMap(days, 'day', 'unique_visitors_with_4xx'),
        statuses: asMap(statuses, 'status', 'hits'),
        paths: wellFormed(
          asMap(paths, 'path', 'hits', goaccessDecode),
          malformed.filter((m) => !m.is_404),
        ),
        notFound: wellFormed(
          asMap(notFound, 'path', 'hits', goaccessDecode),
          malformed.filter((m) => m.is_404),
        ),
      },
      theirs: {
        total: plain.general.valid_requests,
        visitors: Object.fromEntries(plain.visitors!.data.map((d) => [d.data, d.visitors.count])),
        visitorsWith4xx: Object.fromEntries(with4xx.visitors!.data.map((d) => [d.data, d.visitors.count])),
        statuses: Object.fromEntries(plain.status_codes!.data.flatMap((g) => g.items ?? []).map((i) => [i.data.slice(0, 3), i.hits.count])),
        paths: wellFormed(itemMap([...plain.requests!.data, ...plain.static_requests!.data]), undefined, malformedKeys),
        notFound: wellFormed(itemMap(plain.not_found!.data), undefined, malformedKeys),
      },
    };
  } finally {
    wh.close();
  }
}

function expectAgreement(c: Comparison): void {
  expect(c.ours.total).toBe(c.theirs.total);
  expect(c.ours.visitors).toEqual(c.theirs.visitors);
  expect(c.ours.visitorsWith4xx).toEqual(c.theirs.visitorsWith4xx);
  expect(c.ours.statuses).toEqual(c.theirs.statuses);
  expect(c.ours.paths).toEqual(c.theirs.paths);
  expect(c.ours.notFound).toEqual(c.theirs.notFound);
}

describe.skipIf(!HAS_GOACCESS)('agreement with GoAccess 1.7', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logflow-goaccess-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!existsSync(SAMPLE))('on the real sample (elastic-apache-10k.log)', async () => {
    const lines = readFileSync(SAMPLE, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const c = await compare(lines, SAMPLE, dir);
    expect(c.theirs.total).toBe(10_000);
    expectAgreement(c);
  });

  it('on a generated log (crawlers, scans, error burst, IPv6, NAT)', async () => {
    const lines = [...generateLines({ lines: 8000, seed: 11, malformedShare: 0 })];
    const file = join(dir, 'generated.log');
    writeFileSync(file, lines.join('\n') + '\n');
    const c = await compare(lines, file, dir);
    expect(c.theirs.total).toBe(8000);
    expectAgreement(c);
  });
});
