import { existsSync, readdirSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-user caches (compiled graphs, built reference tables): where they live, and how their
 * entries are kept. A cache is an optimisation: none of these functions throws.
 */

/**
 * The folder of the cache `name`: $LOGFLOW_CACHE_DIR/name, else $XDG_CACHE_HOME/logflow/name, else
 * ~/.cache/logflow/name; undefined (no cache) when the environment variable `offVar` is `off`.
 */
export function cacheDir(name: string, offVar: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if ((env[offVar] ?? '').toLowerCase() === 'off') return undefined;
  if (env.LOGFLOW_CACHE_DIR) return join(env.LOGFLOW_CACHE_DIR, name);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'logflow', name);
}

/** Marks an entry used, so that pruning keeps the entries used last. */
export function touchEntry(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // Pruned by another run meanwhile: it is written again next time.
  }
}

/** Removes a file if it is there (another run may have removed it first). */
export function removeEntry(path: string): void {
  try {
    if (existsSync(path)) unlinkSync(path);
  } catch {
    // Another run removed it first.
  }
}

/** Keeps the `keep` entries of `dir` ending in `suffix` used last, and removes the others. */
export function pruneEntries(dir: string, suffix: string, keep: number): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(suffix));
  } catch {
    return;
  }
  const entries = names
    .map((f) => {
      const full = join(dir, f);
      try {
        return { full, mtime: statSync(full).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((e): e is { full: string; mtime: number } => !!e)
    .sort((a, b) => b.mtime - a.mtime);
  for (const e of entries.slice(keep)) removeEntry(e.full);
}
