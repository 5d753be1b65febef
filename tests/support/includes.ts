import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import vm from 'node:vm';

const root = resolve(import.meta.dirname, '../..');

/**
 * Loads a Dataform include (CommonJS, evaluated by Dataform in its own sandbox) for a unit
 * test, with `dataform.projectConfig.vars` set as given.
 */
export function loadInclude<T = Record<string, (...args: never[]) => string>>(name: string, vars: Record<string, string> = {}): T {
  const file = resolve(root, 'includes', `${name}.js`);
  const module = { exports: {} as unknown };
  const context = vm.createContext({ dataform: { projectConfig: { vars } }, console });
  const wrapper = vm.runInContext(`(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`, context, { filename: file });
  const requireInclude = (id: string) => loadInclude(id.replace(/^\.\/|\.js$/g, ''), vars);
  (wrapper as (...args: unknown[]) => void)(module.exports, requireInclude, module);
  return module.exports as T;
}
