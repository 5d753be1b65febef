import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import vm from 'node:vm';
import type protobufjs from 'protobufjs';
import { LogflowError } from '../core/errors.ts';
import { describeCompilationErrors } from './compile-errors.ts';
import { PROJECT_DIR } from './project.ts';
import type { CompiledGraph } from './graph.ts';

export type WarehouseKind = 'bigquery' | 'duckdb';

export interface CompileOptions {
  projectDir?: string;
  warehouse: WarehouseKind;
  /** Extra project vars (strings), as `dataform compile --vars=k=v`. */
  vars?: Record<string, string>;
  /** Called with the absolute path of every file the compilation reads (compile-cache.ts keys on them). */
  onRead?: (file: string) => void;
}

const require = createRequire(import.meta.url);
let protoRoot: protobufjs.Root | undefined;

export function coreBundlePath(projectDir: string): string {
  const path = join(projectDir, 'node_modules', '@dataform', 'core', 'bundle.js');
  if (existsSync(path)) return path;
  return require.resolve('@dataform/core');
}

function protos(corePath: string): protobufjs.Root {
  if (!protoRoot) {
    // Loaded here, not imported: a run whose graph comes from the compile cache never needs it.
    const protobuf = require('protobufjs') as typeof protobufjs;
    const root = new protobuf.Root();
    root.resolvePath = (origin, target) => {
      const local = join(dirname(corePath), target);
      if (existsSync(local)) return local;
      return protobuf.util.path.resolve(origin, target);
    };
    protoRoot = root.loadSync(join(dirname(corePath), 'core.proto'), { keepCase: false });
  }
  return protoRoot;
}

/** Project files as Dataform sees them: every file outside node_modules and dot-folders. */
export function listFiles(projectDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(projectDir, full).split(sep).join('/'));
    }
  };
  for (const top of ['definitions', 'includes']) if (existsSync(join(projectDir, top))) walk(join(projectDir, top));
  return out.sort();
}

/**
 * Compiles the Dataform project with its own @dataform/core, in a fresh V8 context (so two
 * compiles in one process never share globals), exactly as the Dataform CLI's sandbox does:
 * .sqlx/.js files go through core's `compiler()`, then core's `main()` builds the graph.
 * Throws a LogflowError listing every compilation error with its file and action (errors that
 * only follow from a failed include are folded into its line: describeCompilationErrors).
 */
export function compileProject(options: CompileOptions): CompiledGraph {
  const projectDir = resolve(options.projectDir ?? PROJECT_DIR);
  const corePath = coreBundlePath(projectDir);
  const root = protos(corePath);
  const dataformJsonPath = join(projectDir, 'dataform.json');
  if (!existsSync(dataformJsonPath)) throw new LogflowError(`no dataform.json in ${projectDir}`);

  const context = vm.createContext({ console, setTimeout, clearTimeout, Buffer, TextEncoder, TextDecoder, URL });
  vm.runInContext('globalThis.global = globalThis', context);
  const cache = new Map<string, { exports: unknown }>();
  let compiler: ((code: string, path: string) => string) | undefined;

  const load = (file: string): unknown => {
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as unknown };
    cache.set(file, module);
    const code = readFileSync(file, 'utf8');
    if (file !== corePath) options.onRead?.(file);
    if (file.endsWith('.json')) {
      module.exports = JSON.parse(code);
      return module.exports;
    }
    const source = file === corePath || !compiler ? code : compiler(code, file);
    const wrapper = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, context, {
      filename: file,
    });
    (wrapper as (...args: unknown[]) => void)(module.exports, makeRequire(dirname(file)), module, file, dirname(file));
    return module.exports;
  };

  const makeRequire =
    (fromDir: string) =>
    (id: string): unknown => {
      if (id === '@dataform/core') return load(corePath);
      if (id === 'path') return require('node:path');
      if (id === 'protobufjs' || id.startsWith('protobufjs/')) return require(id);
      const candidates = id.startsWith('.') ? [resolve(fromDir, id)] : [resolve(projectDir, id)];
      for (const base of candidates) {
        for (const file of [base, `${base}.js`, `${base}.sqlx`, `${base}.json`]) {
          if (existsSync(file) && statSync(file).isFile()) return load(file);
        }
      }
      throw new Error(`Cannot find module '${id}' from ${relative(projectDir, fromDir) || '.'}`);
    };

  const core = load(corePath) as { compiler: typeof compiler; main: (request: string) => Uint8Array | string };
  compiler = core.compiler;
  (context as Record<string, unknown>).dataformJson = JSON.parse(readFileSync(dataformJsonPath, 'utf8'));

  const Request = root.lookupType('dataform.CoreExecutionRequest');
  const Response = root.lookupType('dataform.CoreExecutionResponse');
  const vars = { ...readVars(dataformJsonPath), ...(options.vars ?? {}), warehouse: options.warehouse };
  const request = Request.encode(
    Request.fromObject({
      compile: { compileConfig: { projectDir, filePaths: listFiles(projectDir), projectConfigOverride: { vars } } },
    }),
  ).finish();

  let raw: Uint8Array | string;
  try {
    raw = vm.runInContext('(core, request) => core.main(request)', context)(core, Buffer.from(request).toString('base64')) as
      | Uint8Array
      | string;
  } catch (error) {
    throw new LogflowError(`Dataform compilation crashed: ${(error as Error).message}`);
  }
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(raw);
  const decoded = Response.toObject(Response.decode(bytes), { enums: String, longs: Number, defaults: false, arrays: true }) as {
    compile?: { compiledGraph?: CompiledGraph };
  };
  const graph = decoded.compile?.compiledGraph;
  if (!graph) throw new LogflowError('Dataform compilation returned no graph');
  const errors = graph.graphErrors?.compilationErrors ?? [];
  if (errors.length > 0) {
    const lines = describeCompilationErrors(errors);
    if (lines.length === 1) throw new LogflowError(`Dataform compilation failed (${options.warehouse}): ${lines[0]}`);
    throw new LogflowError(`Dataform compilation failed (${options.warehouse}) with ${lines.length} error(s):\n  ${lines.join('\n  ')}`);
  }
  return graph;
}

function readVars(dataformJsonPath: string): Record<string, string> {
  const json = JSON.parse(readFileSync(dataformJsonPath, 'utf8')) as { vars?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(json.vars ?? {}).map(([k, v]) => [k, String(v)]));
}
