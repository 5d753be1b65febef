/**
 * Records BigQuery's answers for the IP key and the lossy UTF-8 conversion from ZetaSQL's
 * reference evaluator (the engine BigQuery's SQL semantics are specified by), so the tests
 * of functions/ip-key.ts and functions/utf8-lossy.ts compare against BigQuery, not against us.
 *
 *   npx tsx scripts/record-zetasql-oracle.ts   # rewrites tests/functions/fixtures/zetasql-oracle.json
 *
 * Deterministic: a fixed list of edge cases plus seeded random mutations.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_DIR } from '../warehouse/project.ts';
import * as zetasql from '@fivetrandevelopers/zetasql';

export const ORACLE_PATH = join(PROJECT_DIR, 'tests', 'functions', 'fixtures', 'zetasql-oracle.json');

const IP_EDGES = [
  '1.2.3.4',
  '0.0.0.0',
  '255.255.255.255',
  '256.1.1.1',
  '01.2.3.4',
  '1.02.3.4',
  '1.2.3.0',
  '1.2.3.00',
  '1.2.3',
  '1.2.3.4.5',
  '1.2.3.4.',
  '.1.2.3.4',
  '1..2.3',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1.2.3.4/24',
  '0x1.2.3.4',
  '8.8.8.8',
  '10.0.0.1',
  '192.168.1.1',
  '127.0.0.1',
  '',
  '-',
  'localhost',
  '::',
  '::1',
  '1::',
  '1::2',
  ':::',
  '::ffff:1.2.3.4',
  '::ffff:01.2.3.4',
  '::192.0.2.128',
  '::1.2.3.4',
  '1.2.3.4::',
  '::1.2.3.4:1',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '1:2:3:4:5::1.2.3.4',
  '::1:2:3:4:5:6:1.2.3.4',
  '2001:db8::1',
  '2001:DB8::1',
  '2001:0db8:0000:0000:0000:0000:0000:0001',
  '2001:db8:0:0:0:0:0:1',
  '2001:db8::1%eth0',
  'fe80::1%1',
  '[2001:db8::1]',
  '2001:db8::1/64',
  '2001:db8:::1',
  '2001::db8::1',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8::',
  '12345::1',
  '1:2:3:4:5:6:7',
  ':1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7:',
  'ffff::',
  'FFFF:ffff::',
  '::ffff:c000:280',
  '::ffff:1.2.3',
  '::ffff:1.2.3.4.5',
  '64:ff9b::192.0.2.33',
  '2a03:2880:f12f:83:face:b00c::25de',
  '::0:1.2.3.4',
  '0::0',
  'g::1',
  '1:2:3:4:5:6:7:8.1.2.3',
  '::1.2.3.256',
  '::ab.1.2.3',
  '::12.1.2.3',
  '1.2.3.4\u0000',
  '１.2.3.4',
  '2001:db8::1 ',
  ' ::1',
];

const UTF8_EDGES = [
  '',
  '61',
  '00',
  '610062',
  'c3a9',
  'e282ac',
  'f09f9880',
  '80',
  'bf',
  'c0af',
  'c1bf',
  'c2',
  'c280',
  'c3',
  'e282',
  '61e28262',
  'e2',
  'e0a080',
  'e09f80',
  'e080af',
  'eda080',
  'ed9fbf',
  'edbfbf',
  'ee8080',
  'efbfbf',
  'efbbbf61',
  'f0908080',
  'f0808080',
  'f48fbfbf',
  'f4908080',
  'f5808080',
  'f8888080',
  'fe',
  'ff',
  'fffe',
  'f09f98',
  'f09f',
  '61f09f9862',
  'e2828061',
  'c3a9c3',
  'ed',
  'eda0',
  'f4',
  'f490',
  'c0',
  '80808080',
  'e28261e282ac',
  'ffc3a9',
  '0061ff00',
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded random IP-like strings: valid addresses with mutations, and junk over the IP alphabet. */
export function randomIpStrings(count: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (n: number) => Math.floor(rand() * n);
  const alphabet = '0123456789abcdefABCDEF:.:.:%g ';
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let s: string;
    const kind = int(4);
    if (kind === 0) s = [int(300), int(260), int(256), int(256)].map((n) => (rand() < 0.05 ? '0' : '') + n).join('.');
    else if (kind === 1) {
      const groups = Array.from({ length: 1 + int(9) }, () =>
        rand() < 0.3
          ? ''
          : int(0x1ffff)
              .toString(16)
              .slice(0, 1 + int(5)),
      );
      s = groups.join(':');
      if (rand() < 0.3) s += ':' + [int(256), int(256), int(256), int(256)].join('.');
    } else if (kind === 2) s = Array.from({ length: 1 + int(20) }, () => pick([...alphabet])).join('');
    else s = pick(IP_EDGES);
    if (rand() < 0.3 && s.length > 0) {
      const at = int(s.length);
      s = s.slice(0, at) + (rand() < 0.5 ? pick([...alphabet]) : '') + s.slice(at + 1);
    }
    out.push(s);
  }
  return out;
}

/** Seeded random byte strings as hex, biased towards UTF-8 lead and continuation bytes. */
export function randomByteHex(count: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const interesting = [
    0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3,
    0xf4, 0xf5, 0xff,
  ];
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const length = Math.floor(rand() * 9);
    const bytes = Array.from({ length }, () =>
      rand() < 0.8 ? interesting[Math.floor(rand() * interesting.length)]! : Math.floor(rand() * 256),
    );
    out.push(Buffer.from(bytes).toString('hex'));
  }
  return out;
}

function hexOf(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

async function main(): Promise<void> {
  const port = 40000 + Math.floor(Math.random() * 20000);
  void zetasql.runServer(port);
  zetasql.ZetaSQLClient.init(port);
  const client = zetasql.ZetaSQLClient.getInstance();
  await new Promise((r) => setTimeout(r, 300));
  const languageOptions = await client.getLanguageOptions({ maximumFeatures: true });
  const evaluate = (sql: string) =>
    new Promise<string | null>((resolve, reject) =>
      zetasql.ZetaSQLClient.API.evaluate(
        { sql, options: { languageOptions: languageOptions ?? undefined, defaultTimezone: 'UTC' } },
        (error, response) => {
          if (error) reject(new Error(`${sql}: ${error.details}`));
          else resolve(response?.value?.stringValue ?? null);
        },
      ),
    );
  const ips = [...new Set([...IP_EDGES, ...randomIpStrings(1500, 20260601)])];
  const ipCases: Array<{ ip: string; key: string | null }> = [];
  for (const ip of ips)
    ipCases.push({ ip, key: await evaluate(`TO_HEX(NET.SAFE_IP_FROM_STRING(SAFE_CONVERT_BYTES_TO_STRING(FROM_HEX('${hexOf(ip)}'))))`) });
  const hexes = [...new Set([...UTF8_EDGES, ...randomByteHex(1500, 20260602)])];
  const utf8Cases: Array<{ hex: string; text: string | null }> = [];
  for (const hex of hexes) utf8Cases.push({ hex, text: await evaluate(`SAFE_CONVERT_BYTES_TO_STRING(FROM_HEX('${hex}'))`) });
  mkdirSync(dirname(ORACLE_PATH), { recursive: true });
  const note =
    'Recorded by scripts/record-zetasql-oracle.ts from the ZetaSQL reference evaluator (@fivetrandevelopers/zetasql): BigQuery TO_HEX(NET.SAFE_IP_FROM_STRING(ip)) and SAFE_CONVERT_BYTES_TO_STRING(FROM_HEX(hex)).';
  writeFileSync(ORACLE_PATH, JSON.stringify({ note, ipCases, utf8Cases }, null, 0).replaceAll('},{', '},\n{') + '\n');
  process.stdout.write(`wrote ${ipCases.length} IP and ${utf8Cases.length} UTF-8 cases to ${ORACLE_PATH}\n`);
  zetasql.terminateServer();
}

await main();
process.exit(0);
