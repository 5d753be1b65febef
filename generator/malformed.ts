/**
 * Malformed lines, to exercise quarantine: derived from a well-formed line by truncating it
 * before the status (a torn write), keeping only its tail (the rest of a torn line), or
 * damaging the timestamp or the status. Always text (valid UTF-8), never empty, never a line
 * that a strict parser of the format could accept.
 */
import type { Rng } from './rng.ts';

export function malform(line: string, format: string, rng: Rng): string {
  const roll = rng.next();
  if (format === 'json') {
    const status = line.indexOf('"status"');
    if (roll < 0.5) return line.slice(0, rng.range(5, Math.max(6, status)));
    if (roll < 0.7) return line.slice(rng.range(status, line.length - 2));
    if (roll < 0.85) return line.replace(/"time_local":"[^"]*"/, `"time_local":"${rng.chance(0.5) ? '-' : '2026-13-45T25:61:61'}"`);
    return line.replace(/"status":\d+/, '"status":"-"');
  }
  const open = line.indexOf(' [');
  const requestStart = line.indexOf('] "', open) + 3;
  if (roll < 0.5) return line.slice(0, rng.range(Math.min(8, open), requestStart + rng.range(0, 12)));
  if (roll < 0.7) {
    const afterRequest = line.indexOf('" ', requestStart);
    return line.slice(afterRequest + 2 + rng.range(0, 4));
  }
  if (roll < 0.85)
    return `${line.slice(0, open)} [${rng.chance(0.5) ? '-' : '2026-11-01 25:61:61'}]${line.slice(line.indexOf(']', open) + 1)}`;
  const afterRequest = line.indexOf('" ', requestStart);
  const statusEnd = line.indexOf(' ', afterRequest + 2);
  return `${line.slice(0, afterRequest + 2)}${rng.chance(0.5) ? '-' : 'OK'}${line.slice(statusEnd)}`;
}
