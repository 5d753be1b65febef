import { createRequire } from 'node:module';

/**
 * The @duckdb/node-api module, loaded with require(). An ESM `import` of this CommonJS package
 * makes Node scan every one of its ~120 files with cjs-module-lexer for named exports, which cost
 * every command about 0.25 s of CPU before it did anything (measured: `import` 430-530 ms CPU
 * against 180-250 ms for `require`, Node 20 with tsx); require() loads the same module without
 * that scan. Import types from '@duckdb/node-api' with `import type` as usual; take values from here.
 */
export const duckdbApi = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');
