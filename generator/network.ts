/** Client addresses: IPv4 dotted quads and RFC 5952 IPv6 text, drawn from per-country ranges. */
import { IPV4_RANGES, IPV6_BLOCKS } from './data/geo-ranges.ts';
import { hash2 } from './rng.ts';

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Canonical IPv6 text (RFC 5952): lowercase, no leading zeros, longest zero run (>= 2) as `::`. */
export function formatIpv6(hextets: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** A stable IPv4 address inside `country`'s ranges, chosen by the hash key (a, b). */
export function countryIpv4(country: string, a: number, b: number): string {
  const ranges = IPV4_RANGES[country] ?? IPV4_RANGES.US!;
  const h = hash2(a, b);
  const range = ranges[h % ranges.length]!;
  const size = range[1] - range[0] + 1;
  let n = range[0] + (hash2(h, b ^ 0x1234) % size);
  if ((n & 255) === 0 || (n & 255) === 255) n ^= 1; // avoid .0 and .255 host parts
  return formatIpv4(n);
}

/** A stable IPv6 address (random /64 inside one of the country's /32 blocks, random interface id). */
export function countryIpv6(country: string, a: number, b: number): string {
  const blocks = IPV6_BLOCKS[country] ?? IPV6_BLOCKS.US!;
  const h = hash2(a, b ^ 0x6666);
  const block = blocks[h % blocks.length]!;
  const offset = hash2(h, 1) % block[2];
  const second = block[1] + offset;
  const hextets = [block[0] + (second >>> 16), second & 0xffff];
  for (let i = 2; i < 8; i++) hextets.push(hash2(h, i) & 0xffff);
  return formatIpv6(hextets);
}

/** An address inside an IPv4 CIDR block, chosen by the hash key. */
export function cidrIpv4(cidr: string, a: number, b: number): string {
  const [base, bits] = cidr.split('/') as [string, string];
  const parts = base.split('.').map(Number);
  const start = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const size = 2 ** (32 - Number(bits));
  return formatIpv4(start + 1 + (hash2(a, b) % Math.max(1, size - 2)));
}
