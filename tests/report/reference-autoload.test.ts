import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogflowError } from '../../core/errors.ts';
import { compileProject } from '../../warehouse/compile.ts';
import type { CompiledGraph } from '../../warehouse/graph.ts';
import { loadBundledReferenceIfEmpty } from '../../pipeline/reference-autoload.ts';
import { testWarehouse } from '../support/pipeline.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';

describe('loadBundledReferenceIfEmpty()', () => {
  let wh: Warehouse;
  let graph: CompiledGraph;
  const dir = mkdtempSync(join(tmpdir(), 'logflow-ref-'));
  const files = (kind: string) => {
    const file = join(dir, `${kind}.csv`);
    writeFileSync(
      file,
      kind === 'country'
        ? '1.0.0.0,1.0.0.255,AU\n2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n'
        : '1.0.0.0,1.0.0.255,13335,Cloudflare\n',
    );
    return [file];
  };
  const count = async (table: string) =>
    Number((await wh.connection.runAndReadAll(`select count(*) from logflow_ref.${table}`)).getRows()[0]?.[0]);

  beforeEach(async () => {
    wh = await testWarehouse();
    graph = compileProject({ warehouse: 'duckdb' });
  });
  afterEach(() => wh.close());

  it('loads the bundled data into empty reference tables and says so in one line', async () => {
    const line = await loadBundledReferenceIfEmpty(wh.connection, graph, files);
    expect(line).toMatch(
      /^note: logflow_ref was empty, so logflow loaded its bundled IP data .*: 2 country ranges and 1 AS ranges in [\d.]+ s; replace it with your own via logflow geo load$/,
    );
    expect(line).not.toContain('\n');
    expect(await count('ip_country_ranges')).toBeGreaterThan(0);
    expect(await count('ip_asn_ranges')).toBeGreaterThan(0);
  });

  it('never replaces tables that hold data, and says nothing', async () => {
    await loadBundledReferenceIfEmpty(wh.connection, graph, files);
    const before = await count('ip_country_ranges');
    expect(
      await loadBundledReferenceIfEmpty(wh.connection, graph, () => {
        throw new Error('must not be asked');
      }),
    ).toBeNull();
    expect(await count('ip_country_ranges')).toBe(before);
  });

  it('leaves empty tables (and the empty-table hint) when no bundled data is installed', async () => {
    const missing = () => {
      throw new LogflowError('the demo data package is not installed');
    };
    expect(await loadBundledReferenceIfEmpty(wh.connection, graph, missing)).toBeNull();
    expect(await count('ip_country_ranges')).toBe(0);
  });

  it('does nothing for a graph that does not read the reference tables', async () => {
    expect(await loadBundledReferenceIfEmpty(wh.connection, { ...graph, declarations: [] }, files)).toBeNull();
    expect(await count('ip_country_ranges')).toBe(0);
  });
});
