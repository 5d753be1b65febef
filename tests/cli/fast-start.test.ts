import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error: plain JavaScript, run by node before any TypeScript loads
import { loadMain } from '../../bin/fast-start.js';

type Main = (argv: string[]) => Promise<number>;
const load = (root: string, env: Record<string, string> = {}) => loadMain(env, root) as Promise<Main>;

/** A checkout of two modules: cli/main.ts returns value.ts's number and tells where it runs from. */
let root: string;
const write = (file: string, text: string) => writeFileSync(join(root, 'cli', file), text);
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'logflow-fast-start-'));
  mkdirSync(join(root, 'cli'));
  write('value.ts', 'export const value: number = 1;\n');
  write(
    'main.ts',
    `import { value } from './value.ts';
export const here: string = import.meta.url;
export async function main(argv: string[]): Promise<number> { return value + argv.length; }\n`,
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('loadMain()', () => {
  it('runs the CLI from a bundle in .logflow/cli, with each module’s own import.meta.url', async () => {
    expect(await (await load(root))(['a'])).toBe(2);
    const manifest = JSON.parse(readFileSync(join(root, '.logflow/cli/manifest.json'), 'utf8')) as { key: string; inputs: string[] };
    expect(manifest.inputs.sort()).toEqual(['cli/main.ts', 'cli/value.ts']);
    const bundle = join(root, '.logflow/cli', manifest.key, 'main.js');
    expect(existsSync(bundle)).toBe(true);
    const mod = (await import(pathToFileURL(bundle).href)) as { here: string };
    expect(mod.here).toBe(pathToFileURL(join(root, 'cli/main.ts')).href);
  });

  it('builds the bundle again when any source it was built from changed (never runs stale code)', async () => {
    expect(await (await load(root))([])).toBe(1);
    const first = JSON.parse(readFileSync(join(root, '.logflow/cli/manifest.json'), 'utf8')).key;
    write('value.ts', 'export const value: number = 5;\n');
    expect(await (await load(root))([])).toBe(5);
    expect(JSON.parse(readFileSync(join(root, '.logflow/cli/manifest.json'), 'utf8')).key).not.toBe(first);
    // Unchanged sources: the same bundle, not built again.
    expect(await (await load(root))([])).toBe(5);
  });

  it.each([
    ['LOGFLOW_BUNDLE=off', { LOGFLOW_BUNDLE: 'off' }],
    ['the bundle', {}],
  ])('gives the same command line with %s', (_how, env) => {
    const out = spawnSync(process.execPath, [resolve(import.meta.dirname, '../../bin/logflow.js'), 'transform', '--help'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^logflow transform: run the Dataform project/);
  });
});
