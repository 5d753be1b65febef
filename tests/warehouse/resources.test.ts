import { describe, expect, it } from 'vitest';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { applyResourceLimits, resourceLimits } from '../../warehouse/resources.ts';

describe('resourceLimits()', () => {
  it.each([
    ['defaults: 640MB, spill beside the warehouse', {}, {}, { memoryLimit: '640MB', tempDirectory: '/w/wh.duckdb.tmp' }],
    ['environment', {}, { LOGFLOW_MEMORY_LIMIT: '2GB', LOGFLOW_TEMP_DIRECTORY: '/spill' }, { memoryLimit: '2GB', tempDirectory: '/spill' }],
    [
      'flags win over the environment',
      { memoryLimit: '512 MB', tempDirectory: '/t' },
      { LOGFLOW_MEMORY_LIMIT: '2GB' },
      { memoryLimit: '512MB', tempDirectory: '/t' },
    ],
  ])('%s', (_name, flags, env, expected) => {
    expect(resourceLimits('/w/wh.duckdb', flags, env)).toEqual(expected);
  });

  it.each([
    ['--memory-limit', { memoryLimit: 'lots' }, {}],
    ['LOGFLOW_MEMORY_LIMIT', {}, { LOGFLOW_MEMORY_LIMIT: '12' }],
  ])('rejects a size without a unit, naming %s', (name, flags, env) => {
    expect(() => resourceLimits('/w/wh.duckdb', flags, env)).toThrow(name);
  });
});

describe('applyResourceLimits()', () => {
  it('sets DuckDB memory_limit and temp_directory', async () => {
    const warehouse = await openWarehouse(':memory:', { catalog: 'p' });
    try {
      await applyResourceLimits(warehouse, { memoryLimit: '300MB', tempDirectory: '/tmp/logflow-spill-test' });
      const reader = await warehouse.connection.runAndReadAll(
        "select current_setting('memory_limit') as m, current_setting('temp_directory') as t",
      );
      const row = reader.getRowObjectsJS()[0]!;
      expect(String(row.m)).toMatch(/^(286\.1 MiB|300\.0 MB)$/);
      expect(row.t).toBe('/tmp/logflow-spill-test');
    } finally {
      warehouse.close();
    }
  });
});
