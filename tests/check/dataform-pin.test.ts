import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
};
const installed = (name: string) => (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;

describe('package.json', () => {
  // Dataform in Google Cloud installs the repository's package.json dependencies and compiles with
  // that @dataform/core: Google's guidance is an exact pin, so production compiles what was checked.
  // check/statements.ts mirrors the SQL of this exact @dataform/cli.
  it.each([
    { name: '@dataform/core', field: 'dependencies' as const },
    { name: '@dataform/cli', field: 'devDependencies' as const },
  ])('pins $name to the exact version that is installed and locked', ({ name, field }) => {
    const spec = manifest[field][name];
    expect(spec).toMatch(/^\d+\.\d+\.\d+$/);
    expect(spec).toBe(installed(name));
    expect(lock.packages['']?.[field]?.[name]).toBe(spec);
    expect(lock.packages[`node_modules/${name}`]?.version).toBe(spec);
  });
});
