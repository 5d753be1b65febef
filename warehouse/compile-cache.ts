import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileProject, coreBundlePath, listFiles, type CompileOptions } from './compile.ts';
import { PROJECT_DIR } from './project.ts';
import { cacheDir, pruneEntries, touchEntry } from '../core/cache-files.ts';
import type { CompiledGraph } from './graph.ts';

/**
 * A cache of compiled graphs, so that a `logflow transform` with nothing changed in the project
 * skips Dataform's compilation (1.5 to 4 s of every run on a 2-core machine; reading a cached
 * graph takes ~50 ms). An entry is keyed by the SHA-256 of everything the compilation reads: the
 * warehouse kind, the vars, the project directory, the content of every project file Dataform
 * sees (definitions/, includes/, dataform.json), @dataform/core's version and bundle, and this
 * compiler's own source. Files the compilation reads from elsewhere in the project (a `require`
 * outside includes/) are recorded with their hashes in the entry and checked on every hit. A
 * compilation that fails is never cached.
 */

/** Bump when the entry format or what the graph holds changes. */
const CACHE_FORMAT = 1;
/** Entries kept (the newest); each is the size of the compiled graph (~0.6 MB for logflow). */
const MAX_ENTRIES = 32;

export interface CachedCompilation {
  graph: CompiledGraph;
  /** Whether the graph came from the cache. */
  hit: boolean;
}

/**
 * Where compiled graphs are cached: $LOGFLOW_CACHE_DIR/compiled, else $XDG_CACHE_HOME/logflow/compiled,
 * else ~/.cache/logflow/compiled; undefined (no cache) when $LOGFLOW_COMPILE_CACHE is `off`.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return cacheDir('compiled', 'LOGFLOW_COMPILE_CACHE', env);
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function fileHash(path: string): string | undefined {
  try {
    return sha256(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** The cache key of a compilation: a hash of every input but the extra files recorded in the entry. */
export function compileCacheKey(options: CompileOptions): string {
  const projectDir = resolve(options.projectDir ?? PROJECT_DIR);
  const corePath = coreBundlePath(projectDir);
  const core = statSync(corePath);
  const files = listFiles(projectDir).map((f) => [f, fileHash(join(projectDir, f))]);
  const input = {
    format: CACHE_FORMAT,
    warehouse: options.warehouse,
    vars: Object.entries(options.vars ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    projectDir,
    dataformJson: fileHash(join(projectDir, 'dataform.json')),
    core: [corePath, core.size, core.mtimeMs, fileHash(join(corePath, '..', 'package.json'))],
    compiler: fileHash(fileURLToPath(new URL('./compile.ts', import.meta.url))),
    files,
  };
  return sha256(JSON.stringify(input));
}

interface Entry {
  /** Files read outside the key's inputs, with their hashes when compiled. */
  reads: [string, string | undefined][];
  graph: CompiledGraph;
}

/**
 * compileProject() through the cache in `dir` (compileCacheDir() by default; none when undefined).
 * Cache errors (unwritable directory, a torn or stale entry) fall back to compiling.
 */
export function compileProjectCached(options: CompileOptions, dir: string | undefined = compileCacheDir()): CachedCompilation {
  if (!dir) return { graph: compileProject(options), hit: false };
  const projectDir = resolve(options.projectDir ?? PROJECT_DIR);
  const key = compileCacheKey(options);
  const path = join(dir, `${key}.json`);
  const entry = readEntry(path);
  if (entry?.reads.every(([file, hash]) => fileHash(file) === hash)) {
    touchEntry(path);
    return { graph: entry.graph, hit: true };
  }

  const keyed = new Set([join(projectDir, 'dataform.json'), ...listFiles(projectDir).map((f) => join(projectDir, f))]);
  const reads = new Set<string>();
  const graph = compileProject({ ...options, onRead: (file) => (keyed.has(file) ? undefined : reads.add(file)) });
  writeEntry(dir, path, { reads: [...reads].sort().map((f) => [f, fileHash(f)]), graph });
  return { graph, hit: false };
}

function readEntry(path: string): Entry | undefined {
  try {
    const entry = JSON.parse(readFileSync(path, 'utf8')) as Entry;
    return Array.isArray(entry.reads) && entry.graph ? entry : undefined;
  } catch {
    return undefined;
  }
}

function writeEntry(dir: string, path: string, entry: Entry): void {
  try {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed: a concurrent run reads the whole entry or none.
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(entry));
    renameSync(temp, path);
    pruneEntries(dir, '.json', MAX_ENTRIES);
  } catch {
    // The cache is an optimisation: a read-only or full disk only costs the next run a compilation.
  }
}
