import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileCacheDir, compileProjectCached } from '../../warehouse/compile-cache.ts';
import { compileProject, type CompileOptions } from '../../warehouse/compile.ts';

const fixture = resolve(import.meta.dirname, '../fixtures/executor-project');

let tmp: string;
let projectDir: string;
let cacheDir: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'logflow-compile-cache-'));
  projectDir = join(tmp, 'project');
  cacheDir = join(tmp, 'cache');
  cpSync(fixture, projectDir, { recursive: true });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const options = (extra: Partial<CompileOptions> = {}): CompileOptions => ({ warehouse: 'duckdb', projectDir, ...extra });
const cached = (extra: Partial<CompileOptions> = {}) => compileProjectCached(options(extra), cacheDir);
const queryOf = (graph: ReturnType<typeof compileProject>, name: string) => graph.tables?.find((t) => t.target.name === name)?.query;

describe('compileProjectCached()', () => {
  it('compiles once, then returns the same graph from the cache', () => {
    const first = cached();
    expect(first.hit).toBe(false);
    const second = cached();
    expect(second.hit).toBe(true);
    expect(second.graph).toEqual(compileProject(options()));
    expect(second.graph).toEqual(first.graph);
  });

  /** Each change returns the compile options it needs (vars, warehouse), or nothing. */
  const changes: { what: string; change: () => unknown }[] = [
    {
      what: 'a definition edited',
      change: () => writeFileSync(join(projectDir, 'definitions/event_kinds.sqlx'), 'config { type: "view" }\nselect 7 as edited_kind'),
    },
    {
      what: 'a definition added',
      change: () => writeFileSync(join(projectDir, 'definitions/added.sqlx'), 'config { type: "view" }\nselect 1 as added'),
    },
    {
      what: 'an include added',
      change: () => {
        mkdirSync(join(projectDir, 'includes'));
        writeFileSync(join(projectDir, 'includes/helper.js'), 'module.exports = { x: 1 };');
      },
    },
    {
      what: 'dataform.json edited',
      change: () => writeFileSync(join(projectDir, 'dataform.json'), JSON.stringify(dataformJson('edited'))),
    },
    { what: 'other vars', change: () => ({ vars: { breakModel: 'yes' } }) },
    { what: 'another warehouse', change: () => ({ warehouse: 'bigquery' }) },
  ];

  it.each(changes)('compiles again after $what', ({ change }) => {
    expect(cached().hit).toBe(false);
    const extra = (change() ?? {}) as Partial<CompileOptions>;
    const after = cached(extra);
    expect(after.hit).toBe(false);
    expect(after.graph).toEqual(compileProject(options(extra)));
    expect(cached(extra).hit).toBe(true);
  });

  it('compiles again when a file read from outside definitions/ and includes/ changed', () => {
    mkdirSync(join(projectDir, 'lib'));
    writeFileSync(join(projectDir, 'lib/kind.js'), 'module.exports = "first";');
    writeFileSync(
      join(projectDir, 'definitions/from_lib.js'),
      'const kind = require("../lib/kind"); publish("from_lib", { type: "view" }).query(`select \'${kind}\' as kind`);',
    );
    expect(queryOf(cached().graph, 'from_lib')).toContain("'first'");
    expect(cached().hit).toBe(true);
    writeFileSync(join(projectDir, 'lib/kind.js'), 'module.exports = "second";');
    const after = cached();
    expect(after.hit).toBe(false);
    expect(queryOf(after.graph, 'from_lib')).toContain("'second'");
  });

  it('never caches a compilation that fails, and falls back to compiling when the cache cannot be written', () => {
    writeFileSync(join(projectDir, 'definitions/bad.js'), 'publish("bad", { type: "view" }).query(ctx => ctx.ref("missing_table"));');
    expect(() => cached()).toThrow(/missing_table/);
    expect(readdirSync(tmp)).not.toContain('cache');
    writeFileSync(join(tmp, 'file'), '');
    const unwritable = compileProjectCached(options({ projectDir: fixture }), join(tmp, 'file', 'cache'));
    expect(unwritable.hit).toBe(false);
    expect(unwritable.graph).toEqual(compileProject(options({ projectDir: fixture })));
  });
});

describe('compileCacheDir()', () => {
  it.each([
    { env: {}, dir: /\.cache\/logflow\/compiled$/ },
    { env: { XDG_CACHE_HOME: '/x' }, dir: /^\/x\/logflow\/compiled$/ },
    { env: { LOGFLOW_CACHE_DIR: '/y', XDG_CACHE_HOME: '/x' }, dir: /^\/y\/compiled$/ },
    { env: { LOGFLOW_COMPILE_CACHE: 'off', LOGFLOW_CACHE_DIR: '/y' }, dir: undefined },
  ])('with $env: $dir', ({ env, dir }) => {
    const got = compileCacheDir(env);
    if (dir === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(dir);
  });
});

function dataformJson(schema: string) {
  return {
    warehouse: 'bigquery',
    defaultDatabase: 'test-project',
    defaultSchema: schema,
    assertionSchema: 'app_assertions',
    defaultLocation: 'US',
    vars: { warehouse: 'bigquery', failAssertion: 'no', breakModel: 'no' },
  };
}
