import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { PROJECT_DIR } from './project.ts';

/**
 * Loads a Dataform include (includes/<name>.js, CommonJS with `module.exports`) the way
 * Dataform does, so TypeScript code and tests share its constants with the SQL models.
 * The package is an ES module package, so Node cannot `import` these files directly.
 * `dataform.projectConfig.vars` is provided from `vars` for includes that read it.
 */
export function loadInclude<T>(name: string, vars: Record<string, string> = {}, projectDir = PROJECT_DIR): T {
  const file = join(projectDir, 'includes', `${name}.js`);
  const source = readFileSync(file, 'utf8');
  const module = { exports: {} as unknown };
  const dataform = { projectConfig: { vars } };
  const wrapper = vm.runInThisContext(`(function (exports, module, dataform) {${source}\n})`, { filename: file }) as (
    exports: unknown,
    module: { exports: unknown },
    dataform: unknown,
  ) => void;
  wrapper(module.exports, module, dataform);
  return module.exports as T;
}
