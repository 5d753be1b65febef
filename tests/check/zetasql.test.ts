import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Catalog } from '../../check/catalog.ts';
import { startZetaSQL, withZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { isRunning } from '../support/processes.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
let zetasql: ZetaSQL;

beforeAll(async () => {
  zetasql = await startZetaSQL();
});
afterAll(() => zetasql.close());

function landingCatalog(): Catalog {
  const catalog = new Catalog('p');
  catalog.addTable('p.raw.landing', [
    { name: 'message_id', type: 'STRING' },
    { name: 'publish_time', type: 'TIMESTAMP' },
    { name: 'data', type: 'BYTES' },
    { name: 'attributes', type: 'JSON' },
  ]);
  return catalog;
}

describe('ZetaSQL.analyze()', () => {
  it.each([
    { sql: 'select mesage_id from `p.raw.landing`', message: 'Unrecognized name: mesage_id; Did you mean message_id?', line: 1, column: 8 },
    { sql: "select\n  strptime('17/May/2015', '%d/%b/%Y')", message: 'Function not found: strptime', line: 2, column: 3 },
    {
      sql: 'select 1 as a;\nselect count(*) from raw.landing where publish_time > 3',
      message: 'No matching signature for operator > for argument types: TIMESTAMP, INT64. Supported signature: ANY > ANY',
      line: 2,
      column: 40,
    },
    {
      sql: 'select * from `p.raw.landing` where true qualify true',
      message: 'The QUALIFY clause requires analytic function to be present',
      line: 1,
      column: 50,
    },
    { sql: 'begin\n  select 1;\nend', message: 'Syntax error: Expected end of input but got keyword SELECT', line: 2, column: 3 },
    {
      sql: 'declare since timestamp default (\n  select max(publish_tim) from p.raw.landing);\nselect since',
      message: 'Unrecognized name: publish_tim; Did you mean publish_time?',
      line: 2,
      column: 14,
    },
    {
      sql: 'declare n int64;\nselect count(*) from p.raw.landing where publish_time > n',
      message: 'No matching signature for operator > for argument types: TIMESTAMP, INT64. Supported signature: ANY > ANY',
      line: 2,
      column: 42,
    },
    { sql: 'set m = 1', message: 'Unrecognized variable: m (DECLARE it before SET)', line: 1, column: 1 },
  ])("rejects `$sql` with ZetaSQL's message and line:column", async ({ sql, message, line, column }) => {
    const result = await zetasql.analyze(sql, landingCatalog());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toEqual({ message, line, column });
  });

  it.each([
    {
      sql: "select message_id, safe_convert_bytes_to_string(data) as line, json_value(attributes, '$.source') as source from `p.raw.landing`",
      columns: ['message_id STRING', 'line STRING', 'source STRING'],
    },
    {
      sql: "select safe.parse_timestamp('%d/%b/%Y:%H:%M:%S %z', '17/May/2015:10:05:03 +0000') as t, net.safe_ip_from_string('1.2.3.4') as ip",
      columns: ['t TIMESTAMP', 'ip BYTES'],
    },
    {
      sql: 'select message_id, countif(true) as n from p.raw.landing group by 1 qualify row_number() over (order by n) = 1',
      columns: ['message_id STRING', 'n INT64'],
    },
    {
      sql: 'select [struct(1 as a, [date "2015-05-17"] as b)] as s, farm_fingerprint("x") as f',
      columns: ['s ARRAY<STRUCT<a INT64, b ARRAY<DATE>>>', 'f INT64'],
    },
    // Newer than ZetaSQL 2023.08, declared in check/bigquery-extras.ts.
    {
      sql: "select contains_substr(struct('a' as x), 'a') as c, json_keys(json '{}') as k, @@project_id as p",
      columns: ['c BOOL', 'k ARRAY<STRING>', 'p STRING'],
    },
  ])('accepts BigQuery SQL and returns its output columns: $columns', async ({ sql, columns }) => {
    const result = await zetasql.analyze(sql, landingCatalog());
    expect(result.ok).toBe(true);
    const { formatType } = await import('../../check/types.ts');
    expect(result.statements[0]!.columns.map((c) => `${c.name} ${formatType(c.type)}`)).toEqual(columns);
  });

  it('gives the statements after a DECLARE its variables, typed from the declaration or the default value', async () => {
    const catalog = landingCatalog();
    const script =
      "declare since default (select max(publish_time) from p.raw.landing);\ndeclare a, b string;\nset a = 'x';\nselect since, a, b";
    const result = await zetasql.analyze(script, catalog);
    expect(result.ok).toBe(true);
    expect(result.statements.map((s) => s.kind)).toEqual(['declareStatement', 'declareStatement', 'setStatement', 'resolvedQueryStmtNode']);
    expect(result.statements[3]!.columns.map((c) => c.type.typeKind)).toEqual(['TYPE_TIMESTAMP', 'TYPE_STRING', 'TYPE_STRING']);
  });

  it('adds what a script creates (JavaScript UDF, table, view) to the catalog for the statements after it', async () => {
    const catalog = landingCatalog();
    const script = [
      'create or replace function `p.fn.parse_ua`(ua string) returns struct<browser string, is_bot bool> language js',
      '  options (library = ["gs://b/ua.js"]) as r"""return {browser: ua, is_bot: false};""";',
      'create or replace table `p.app.agents` partition by date(seen_at) cluster by agent as',
      '  select `p.fn.parse_ua`(message_id).browser as agent, publish_time as seen_at from `p.raw.landing`;',
      'create or replace view `p.app.browsers` as select agent from p.app.agents;',
    ].join('\n');
    const result = await zetasql.analyze(script, catalog);
    expect(result.ok).toBe(true);
    expect(result.statements.map((s) => s.created?.kind)).toEqual(['function', 'table', 'view']);
    expect(catalog.columns('p.app.agents')?.map((c) => c.name)).toEqual(['agent', 'seen_at']);
    const misuse = await zetasql.analyze('select `p.fn.parse_ua`(1)', catalog);
    expect(misuse.ok ? '' : misuse.error.message).toMatch(
      /^No matching signature for function UDF:P\.FN\.PARSE_UA for argument types: INT64/,
    );
  });
});

describe('ZetaSQL.evaluate()', () => {
  const types = [
    { name: 's', type: 'STRING' },
    { name: 'i', type: 'INT64' },
    { name: 'f', type: 'FLOAT64' },
    { name: 'b', type: 'BOOL' },
    { name: 'y', type: 'BYTES' },
    { name: 't', type: 'TIMESTAMP' },
    { name: 'd', type: 'DATE' },
    { name: 'dt', type: 'DATETIME' },
    { name: 'tm', type: 'TIME' },
    { name: 'n', type: 'NUMERIC' },
    { name: 'j', type: 'JSON' },
    { name: 'a', type: 'ARRAY<STRING>' },
    { name: 'st', type: 'STRUCT<k STRING, v INT64>' },
  ];
  const row = {
    s: 'é"x',
    i: 9007199254740993n,
    f: 1.5,
    b: true,
    y: Buffer.from([0xff, 0x00]),
    t: '2015-05-17T10:05:03.123456+02:00',
    d: '2015-05-17',
    dt: '2015-05-17T10:05:03.500000',
    tm: '23:59:01.250000',
    n: '-1234.000000001',
    j: '{"a":"1"}',
    a: ['x', null],
    st: { k: 'k', v: 2n },
  };

  it('passes every column type through unchanged (values in, same values out)', async () => {
    const result = await zetasql.evaluate('select * from `p.d.t`', [{ name: 'p.d.t', columns: types, rows: [row, types.map(() => null)] }]);
    expect(result.rows).toEqual([{ ...row, t: '2015-05-17T08:05:03.123456Z' }, Object.fromEntries(types.map((c) => [c.name, null]))]);
  });

  it.each([
    { sql: "select regexp_extract('abc', r'(\\d+)') as v", v: null },
    { sql: "select regexp_replace('aaa', 'a', 'b') as v", v: 'bbb' },
    { sql: "select regexp_contains('xabcx', 'abc') as v", v: true },
    { sql: "select safe.parse_timestamp('%d/%b/%Y:%H:%M:%S %z', '17/May/2015:10:05:03 +0200') as v", v: '2015-05-17T08:05:03.000000Z' },
    { sql: "select timestamp_diff(timestamp '2015-05-17 10:59:59', timestamp '2015-05-17 10:00:00', hour) as v", v: 0n },
    { sql: "select date(timestamp '2015-05-17 23:30:00') as v", v: '2015-05-17' },
    { sql: 'select safe_cast("12x" as int64) as v', v: null },
    { sql: "select to_hex(net.safe_ip_from_string('10.1.2.3')) as v", v: '0a010203' },
  ])("gives BigQuery's result for $sql", async ({ sql, v }) => {
    expect((await zetasql.evaluate(sql, [])).rows).toEqual([{ v }]);
  });

  it('reports a query it cannot evaluate with the reason', async () => {
    await expect(zetasql.evaluate('select generate_uuid() as v', [])).rejects.toThrow(
      /ZetaSQL evaluation failed: .*GENERATE_UUID|generate_uuid/i,
    );
  });
});

describe('startZetaSQL()', () => {
  it('stops the server on close() and in withZetaSQL() when the callback throws', async () => {
    const server = await startZetaSQL();
    const pid = server.pid!;
    expect(isRunning(pid)).toBe(true);
    await server.close();
    await server.close();
    expect(isRunning(pid)).toBe(false);

    let inner = 0;
    await expect(
      withZetaSQL(async (z) => {
        inner = z.pid!;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(inner).toBeGreaterThan(0);
    expect(isRunning(inner)).toBe(false);
  });

  // SIGKILL cannot be handled: only the kernel (PR_SET_PDEATHSIG through util-linux's setpriv) can clean up.
  const pdeathsig = process.platform === 'linux' && existsSync('/usr/bin/setpriv');
  if (!pdeathsig) console.warn('skipping the SIGKILL orphan test: needs Linux with /usr/bin/setpriv (util-linux)');
  it.each((['SIGTERM', 'SIGINT', 'SIGKILL'] as const).filter((s) => s !== 'SIGKILL' || pdeathsig))(
    'leaves no server behind when its process gets %s',
    async (signal) => {
      const dir = mkdtempSync(join(tmpdir(), 'logflow-zetasql-'));
      try {
        const script = join(dir, 'hold.mts');
        writeFileSync(
          script,
          `import { startZetaSQL } from ${JSON.stringify(join(repoRoot, 'check/zetasql.ts'))};\nconst z = await startZetaSQL();\nprocess.stdout.write(z.pid + '\\n');\nsetInterval(() => {}, 1000);\n`,
        );
        const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
        const pid = await new Promise<number>((resolvePid, reject) => {
          let out = '';
          child.stdout.on('data', (d) => {
            out += String(d);
            if (out.includes('\n')) resolvePid(Number(out.trim()));
          });
          child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
        });
        expect(isRunning(pid)).toBe(true);
        const exited = new Promise((r) => child.on('exit', (code, sig) => r(sig ?? code)));
        child.kill(signal);
        expect(await exited).toBe(signal);
        for (let i = 0; i < 50 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));
        expect(isRunning(pid)).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
