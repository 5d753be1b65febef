import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRecords } from '../../generator/index.ts';

/** Ranges [start, end, country] from an @ip-location-db `*-num.csv`, sorted by start. */
function loadRanges(file: string): Array<[bigint, bigint, string]> {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [s, e, c] = line.split(',');
      return [BigInt(s!), BigInt(e!), c!] as [bigint, bigint, string];
    });
}

function ipToBigInt(ip: string): bigint {
  if (!ip.includes(':')) return ip.split('.').reduce((n, part) => n * 256n + BigInt(part), 0n);
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((n, g) => n * 65536n + BigInt(parseInt(g, 16)), 0n);
}

function lookup(ranges: Array<[bigint, bigint, string]>, n: bigint): string | null {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ranges[mid]![0] <= n) lo = mid;
    else hi = mid - 1;
  }
  const r = ranges[lo]!;
  return r[0] <= n && n <= r[1] ? r[2] : null;
}

describe('visitor addresses', () => {
  it('geolocate to the visitor home country in the GeoLite2 country data (IPv4 and IPv6)', () => {
    const dir = path.dirname(createRequire(import.meta.url).resolve('@ip-location-db/geolite2-country/package.json'));
    const v4 = loadRanges(path.join(dir, 'geolite2-country-ipv4-num.csv'));
    const v6 = loadRanges(path.join(dir, 'geolite2-country-ipv6-num.csv'));
    const seen = new Map<string, string>();
    for (const { truth } of generateRecords({ seed: 17, lines: 40_000 })) {
      if ((truth.scenario === 'human' || truth.scenario === 'error-burst') && truth.ip) seen.set(truth.ip, truth.country!);
    }
    let v6count = 0;
    for (const [ip, country] of seen) {
      if (ip.includes(':')) v6count++;
      expect(lookup(ip.includes(':') ? v6 : v4, ipToBigInt(ip)), ip).toBe(country);
    }
    expect(seen.size).toBeGreaterThan(500);
    expect(v6count).toBeGreaterThan(100);
  });
});
