/**
 * Measures the enrichment building blocks on this machine:
 *
 *   npm run bench:enrich -- [--warehouse PATH]   (default: a temporary file, removed)
 *
 * 1. `logflow geo load` of the bundled country + ASN data (both families) into DuckDB;
 * 2. the bucketed lookup (includes/geo.js) of 20,000 distinct addresses, and a naive range
 *    join of 1,000 of them for comparison;
 * 3. the JS functions: logflow_parse_user_agent on distinct UAs, logflow_ip_key, and the RE2
 *    bot pattern in regexp_matches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { faker } from '@faker-js/faker';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { registerLocalFunctions } from '../functions/duckdb.ts';
import { LOCAL_FUNCTIONS as F } from '../functions/names.ts';
import { defaultFiles, loadIntoDuckDB } from '../geo/load.ts';
import { GEO } from '../geo/ranges.ts';
import { loadInclude } from '../warehouse/includes.ts';

const { values } = parseArgs({ options: { warehouse: { type: 'string' } } });
const dir = values.warehouse ? undefined : mkdtempSync(join(tmpdir(), 'logflow-bench-'));
const path = values.warehouse ?? join(dir!, 'bench.duckdb');
const bots = loadInclude<{ BOT_PATTERN: string }>('bots');

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  process.stdout.write(`${label.padEnd(58)} ${((performance.now() - started) / 1000).toFixed(3)} s\n`);
  return result;
}

const warehouse = await openWarehouse(path);
const c = warehouse.connection;
try {
  await registerLocalFunctions(c);
  for (const kind of ['country', 'asn'] as const) {
    const r = await timed(`geo load ${kind} (bundled IPv4+IPv6 CSVs, appender)`, () => loadIntoDuckDB(c, kind, defaultFiles(kind)));
    process.stdout.write(`  ${r.ranges} ranges -> ${r.rows} rows\n`);
  }

  faker.seed(1);
  await c.run('create or replace temp table bench_ips (ip varchar)');
  const appender = await c.createAppender('bench_ips', 'main', 'temp');
  const ips = new Set<string>();
  while (ips.size < 20_000) ips.add(ips.size % 10 === 0 ? faker.internet.ipv6() : faker.internet.ipv4());
  for (const ip of ips) {
    appender.appendVarchar(ip);
    appender.endRow();
  }
  appender.closeSync();
  await c.run(`create or replace temp table bench_keys as select distinct ${F.ipKey}(ip) as ip_key from temp.main.bench_ips`);
  const sql = GEO.ipLocationsSql({
    ipKeys: 'temp.main.bench_keys',
    countryRanges: 'logflow_ref.ip_country_ranges',
    asnRanges: 'logflow_ref.ip_asn_ranges',
  });
  for (let i = 1; i <= 3; i++)
    await timed(`lookup 20,000 distinct IPs (country+ASN, bucketed), run ${i}`, () =>
      c.run(`create or replace temp table bench_loc as ${sql}`),
    );
  const found = await c.runAndReadAll(`select count(*) filter (where country_code <> 'ZZ') as c, count(asn) as a from temp.main.bench_loc`);
  process.stdout.write(`  located: ${JSON.stringify(found.getRowObjectsJson()[0])}\n`);
  await timed('naive range join, 1,000 IPs, country only (for comparison)', () =>
    c.run(`create or replace temp table bench_naive as select k.ip_key, max(r.start_key) from (select * from temp.main.bench_keys limit 1000) k
           join logflow_ref.ip_country_ranges r on length(r.start_key) = length(k.ip_key) and k.ip_key between r.start_key and r.end_key group by 1`),
  );

  await c.run(
    `create or replace temp table bench_uas as select distinct ua from (select 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/' || (i % 10000) || '.0.0.0 Safari/537.36' as ua from range(10000) t(i))`,
  );
  await timed(`${F.parseUserAgent}, 10,000 distinct UAs`, () =>
    c.run(`create or replace temp table bench_parsed as select ua, ${F.parseUserAgent}(ua) as p from temp.main.bench_uas`),
  );
  await timed(`${F.ipKey}, 1,000,000 IPv4 strings`, () =>
    c.run(
      `create or replace temp table bench_k as select ${F.ipKey}((i % 256) || '.' || (i // 256 % 256) || '.' || (i // 65536 % 256) || '.7') as k from range(1000000) t(i)`,
    ),
  );
  await timed('regexp_matches(ua, BOT_PATTERN), 100,000 UAs', () =>
    c.run(
      `create or replace temp table bench_b as select regexp_matches(ua || (i % 100), $1) as b from temp.main.bench_uas, range(10) t(i)`,
      [bots.BOT_PATTERN],
    ),
  );
} finally {
  warehouse.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
