import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import vm from 'node:vm';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLocalFunctions } from '../../functions/duckdb.ts';
import { compileProject } from '../../warehouse/compile.ts';
import { PROJECT_DIR } from '../../warehouse/project.ts';

const FILES = ['dataform.json', 'includes/ua.js', 'definitions/udfs/parse_user_agent.sqlx'];
const SAMPLE = resolve(PROJECT_DIR, '../shared/data/elastic-apache-10k.log');
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.5.0',
  '',
  '-',
];

let work: string;
let body: string;
let libraries: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'logflow-ua-udf-'));
  for (const file of FILES) {
    mkdirSync(dirname(join(work, file)), { recursive: true });
    copyFileSync(join(PROJECT_DIR, file), join(work, file));
  }
  const graph = compileProject({
    projectDir: work,
    warehouse: 'bigquery',
    vars: { uaParserLibraryUri: 'gs://bucket/lib/ua-parser.min.js' },
  });
  const op = graph.operations?.find((o) => o.target.name === 'parse_user_agent');
  const sql = op?.queries?.join('\n') ?? '';
  body = /as r"""\n([\s\S]*)\n"""/.exec(sql)?.[1] ?? '';
  libraries = /options \(library = (\[.*\])\)/.exec(sql)?.[1] ?? '';
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the compiled UDF body the way BigQuery does: a bare V8 context with the library loaded. */
function bigQueryUdf(): (ua: string | null) => unknown {
  const context = vm.createContext({});
  const min = createRequire(import.meta.url).resolve('ua-parser-js/dist/ua-parser.min.js');
  vm.runInContext(readFileSync(min, 'utf8'), context);
  const fn = vm.runInContext(`(function (ua) {\n${body}\n})`, context) as (ua: string | null) => unknown;
  return (ua) => JSON.parse(JSON.stringify(fn(ua) ?? null)) as unknown;
}

describe('parse_user_agent UDF (definitions/udfs/parse_user_agent.sqlx)', () => {
  it('compiles to a persistent JS UDF loading the configured library, disabled on DuckDB', () => {
    expect(body).toContain('new UAParser(');
    expect(libraries).toBe('["gs://bucket/lib/ua-parser.min.js"]');
    const local = compileProject({ projectDir: work, warehouse: 'duckdb' });
    expect(local.operations?.find((o) => o.target.name === 'parse_user_agent')?.disabled).toBe(true);
  });

  it('fails compilation with a message naming the var when the library is not a gs:// URI', () => {
    expect(() => compileProject({ projectDir: work, warehouse: 'bigquery', vars: { uaParserLibraryUri: 'https://x/ua.js' } })).toThrow(
      /uaParserLibraryUri/,
    );
  });

  it('gives, in a bare V8 context with dist/ua-parser.min.js, the same STRUCT as logflow_parse_user_agent in DuckDB', async () => {
    const sample = existsSync(SAMPLE)
      ? [
          ...new Set(
            readFileSync(SAMPLE, 'utf8')
              .split('\n')
              .map((l) => /" "([^"]*)"?\s*$/.exec(l)?.[1])
              .filter((u): u is string => !!u),
          ),
        ].slice(0, 400)
      : [];
    const uas = [...UAS, ...sample];
    const udf = bigQueryUdf();
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await registerLocalFunctions(connection);
      const local: unknown[] = [];
      for (const ua of uas) {
        const reader = await connection.runAndReadAll('select logflow_parse_user_agent($1) as v', [ua]);
        local.push(reader.getRowObjectsJson()[0]?.v ?? null);
      }
      expect(uas.map((ua) => udf(ua))).toEqual(local);
      expect(udf(null)).toBeNull();
      expect((local[3] as Record<string, string>).device_type).toBe('mobile');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
