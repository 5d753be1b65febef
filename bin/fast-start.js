// The CLI's TypeScript, loaded fast: a bundle of it built with esbuild (which tsx depends on) and
// kept in <checkout>/.logflow/cli, used only while every source file it was built from is unchanged
// (content hashes, checked at each start: ~10 ms). Loading through tsx costs ~0.5 CPU s per command.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How long a bundle of older sources is kept. */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** The checkout this file is in. */
const CHECKOUT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where a checkout's CLI entry, bundle and manifest are. */
const pathsOf = (root) => {
  const cache = join(root, '.logflow', 'cli');
  return { root, entry: join(root, 'cli', 'main.ts'), cache, manifest: join(cache, 'manifest.json') };
};

/**
 * The CLI's `main`: from the bundle when it is current (built now if it is missing or stale), else
 * through tsx, as before. LOGFLOW_BUNDLE=off always uses tsx. Never fails for the bundle's sake: a
 * read-only checkout or a failed build falls back to tsx, which reports real errors in the sources.
 * @returns {Promise<(argv: string[]) => Promise<number>>}
 */
export async function loadMain(env = process.env, root = CHECKOUT) {
  if (env.LOGFLOW_BUNDLE !== 'off') {
    const paths = pathsOf(root);
    const entry = currentBundle(paths) ?? (await buildBundle(paths));
    if (entry) {
      try {
        return (await import(pathToFileURL(entry).href)).main;
      } catch {
        // A bundle that does not load (e.g. removed meanwhile): tsx below.
      }
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import(pathToFileURL(pathsOf(root).entry).href)).main;
}

/** The hash of the sources a bundle was built from, as listed (paths relative to the checkout). */
function sourcesKey(root, paths) {
  const hash = createHash('sha256');
  for (const path of [...paths].sort())
    hash
      .update(`${path}\0`)
      .update(readFileSync(join(root, path)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** The bundle's entry file when its sources are all unchanged; undefined otherwise. */
function currentBundle({ root, cache, manifest: file }) {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (sourcesKey(root, manifest.inputs) !== manifest.key) return undefined;
    return join(cache, manifest.key, 'main.js');
  } catch {
    return undefined;
  }
}

/**
 * Bundles cli/main.ts (packages stay imports; each module's `import.meta.url` is its source file's,
 * so paths relative to a module resolve as under tsx; dynamic imports become chunks, loaded when
 * used) into CACHE/<key of its sources>, then points the manifest at it. Concurrent builds each
 * write their own directory and the manifest is replaced atomically. undefined when it cannot.
 */
async function buildBundle({ root, entry, cache, manifest }) {
  const tmp = join(cache, `build-${process.pid}-${Date.now()}`);
  try {
    const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
    mkdirSync(cache, { recursive: true });
    const result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      splitting: true,
      outdir: tmp,
      metafile: true,
      logLevel: 'silent',
      plugins: [SOURCE_META],
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => relative(root, resolve(root, p)));
    const key = sourcesKey(root, inputs);
    const dir = join(cache, key);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process built the same sources
    }
    const manifestTmp = `${manifest}.${process.pid}`;
    writeFileSync(manifestTmp, JSON.stringify({ key, inputs }));
    renameSync(manifestTmp, manifest);
    // Bundles of older sources go after a day (a process started before may still load their chunks).
    for (const old of readdirSync(cache)) {
      const path = join(cache, old);
      if (old !== key && /^([0-9a-f]{16}|build-.*)$/.test(old) && Date.now() - statSync(path).mtimeMs > STALE_AFTER_MS) {
        rmSync(path, { recursive: true, force: true });
      }
    }
    return join(dir, 'main.js');
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    return undefined;
  }
}

/** An esbuild plugin: in each TypeScript module, import.meta.url/dirname/filename are its source file's. */
const SOURCE_META = {
  name: 'source-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const contents = readFileSync(args.path, 'utf8')
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};
