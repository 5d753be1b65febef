import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { PROJECT_DIR } from './project.ts';

/**
 * Loads a Dataform include (includes/<name>.js, CommonJS with `module.exports`) the way
 * Dataform does: in a context of its own, with `dataform.projectConfig.vars` set from `vars`
 * and `require('./other')` resolving to the other includes. TypeScript code and tests use it
 * to share the includes' constants and SQL helpers with the models; the package is an ES
 * module package, so Node cannot `import` these files directly.
 */
export function loadInclude<T = Record<string, (...args: never[]) => string>>(
  name: string,
  vars: Record<string, string> = {},
  projectDir = PROJECT_DIR,
): T {
  const file = join(projectDir, 'includes', `${name}.js`);
  const module = { exports: {} as unknown };
  const context = vm.createContext({ dataform: { projectConfig: { vars } }, console });
  const wrapper = vm.runInContext(`(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`, context, { filename: file });
  const requireInclude = (id: string) => loadInclude(id.replace(/^\.\/|\.js$/g, ''), vars, projectDir);
  (wrapper as (...args: unknown[]) => void)(module.exports, requireInclude, module);
  return module.exports as T;
}
