import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeColumns } from '../../check/catalog.ts';
import { formatProblem, formatSummary, runCheck, type CheckReport } from '../../check/run.ts';
import { startZetaSQL, type ZetaSQL } from '../../check/zetasql.ts';
import { childServers, isRunning } from '../support/processes.ts';

const fixture = resolve(import.meta.dirname, '../fixtures/check-project');
const requests = 'definitions/staging/stg_landing__requests.sqlx';
const daily = 'definitions/outputs/daily_requests.sqlx';

let zetasql: ZetaSQL;
const dirs: string[] = [];

/** A temporary copy of the fixture project with one text replaced in one file. */
function projectWith(file: string, from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'logflow-check-'));
  dirs.push(dir);
  cpSync(fixture, dir, { recursive: true });
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`fixture ${file} no longer contains '${from}'`);
  writeFileSync(path, text.replace(from, to));
  return dir;
}

beforeAll(async () => {
  zetasql = await startZetaSQL();
});
afterAll(async () => {
  await zetasql.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('runCheck()', () => {
  it("passes the clean fixture project and reports each table's BigQuery output columns", async () => {
    const report = await runCheck({ projectDir: fixture, zetasql });
    expect(report.problems).toEqual([]);
    // 1 operation (UDF), 2 tables, 1 view, 1 assertion; the incremental adds its MERGE, the assertion its row count.
    expect(report.actions).toBe(5);
    expect(report.statements).toBe(7);
    const requests = report.outputs.find((o) => o.action === 'logflow.stg_landing__requests');
    expect(describeColumns(requests?.columns ?? [])).toBe(
      'message_id STRING, client_ip STRING, requested_at TIMESTAMP, status_code INT64, published_at TIMESTAMP',
    );
    expect(formatSummary(report)).toMatch(/^check passed: 5 action\(s\), 7 statement\(s\) analysed .* no problems \(\d+\.\d\d s\)$/);
  });

  it.each([
    {
      mistake: "a misspelt column, with ZetaSQL's suggestion",
      file: requests,
      from: '    published_at,\n  from lines',
      to: '    publised_at,\n  from lines',
      expected: {
        file: requests,
        line: 18,
        column: 5,
        statement: 'create table',
        message: 'Unrecognized name: publised_at; Did you mean published_at?',
      },
    },
    {
      mistake: 'a DuckDB-only function written in the SQLX',
      file: requests,
      from: '    published_at,\n  from lines',
      to: "    regexp_matches(line, '^x') as is_x,\n    published_at,\n  from lines",
      expected: { file: requests, line: 18, column: 5, statement: 'create table', message: 'Function not found: regexp_matches' },
    },
    {
      mistake: 'a DuckDB-only function leaking from an include into the BigQuery compilation',
      file: 'includes/dialect.js',
      from: "`safe.parse_timestamp('%d/%b/%Y:%H:%M:%S %z', ${text})`",
      to: "`strptime(${text}, '%d/%b/%Y:%H:%M:%S %z')`",
      expected: { file: requests, line: 16, column: 5, statement: 'create table', message: 'Function not found: strptime' },
    },
    {
      mistake: 'a type error',
      file: daily,
      from: 'countif(status_code >= 500)',
      to: 'countif(status_code >= requested_at)',
      expected: {
        file: daily,
        line: 11,
        column: 13,
        statement: 'create view',
        message: 'No matching signature for operator >= for argument types: INT64, TIMESTAMP. Supported signature: ANY >= ANY',
      },
    },
    {
      mistake: 'a mistake only the incremental run executes',
      file: requests,
      from: 'select max(published_at)',
      to: 'select max(publishd_at)',
      expected: {
        file: requests,
        line: 9,
        column: 3,
        statement: 'incremental merge',
        message: 'Unrecognized name: publishd_at; Did you mean published_at?',
      },
    },
    {
      mistake: 'a partitionBy naming a column the query does not have',
      file: requests,
      from: 'partitionBy: "date(requested_at)"',
      to: 'partitionBy: "date(requested)"',
      expected: {
        file: requests,
        line: 1,
        column: 1,
        statement: 'create table',
        message: expect.stringMatching(
          /^Unrecognized name: requested; Did you mean requested_at\? \(in the create table statement Dataform builds from the config block/,
        ),
      },
    },
    {
      mistake: 'a partitionBy BigQuery rejects though ZetaSQL accepts it (a TIMESTAMP column)',
      file: requests,
      from: 'partitionBy: "date(requested_at)"',
      to: 'partitionBy: "requested_at"',
      expected: {
        file: requests,
        line: 1,
        column: 1,
        statement: 'config',
        message:
          'partitionBy "requested_at" is not a partitioning BigQuery accepts: requested_at is TIMESTAMP, a column partitions the table only when it is a DATE (use DATE(column) for a TIMESTAMP)',
      },
    },
  ])('reports $mistake with its location', async ({ file, from, to, expected }) => {
    const report = await runCheck({ projectDir: projectWith(file, from, to), zetasql });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject(expected);
    expect(formatProblem(report.problems[0]!)).toMatch(
      new RegExp(`^${expected.file}:${expected.line}:${expected.column}: logflow\\.\\w+ \\(${expected.statement}\\): `),
    );
  });

  it('marks a position inside a ${...} expansion as such', async () => {
    const report = await runCheck({
      projectDir: projectWith(
        'includes/dialect.js',
        "`safe.parse_timestamp('%d/%b/%Y:%H:%M:%S %z', ${text})`",
        "`strptime(${text}, '%d/%b/%Y:%H:%M:%S %z')`",
      ),
      zetasql,
    });
    expect(report.problems.map(formatProblem)).toEqual([
      `${requests}:16:5: logflow.stg_landing__requests (create table): Function not found: strptime (in the \${...} expansion that starts there)`,
    ]);
  });

  it.each([
    { column: 'published_at', problems: [] },
    {
      column: 'publishd_at',
      problems: [
        'definitions/outputs/recent.sqlx:4:47: logflow.recent (pre_operations[1]): Unrecognized name: publishd_at; Did you mean published_at?',
      ],
    },
  ])(
    'gives the query the variables its pre_operations DECLARE, and stops the script at its first error ($column)',
    async ({ column, problems }) => {
      const dir = projectWith(daily, 'count(*)', 'count(*)');
      writeFileSync(
        join(dir, 'definitions/outputs/recent.sqlx'),
        [
          'config { type: "table", tags: ["full_history"] }',
          '',
          'pre_operations {',
          `  declare since timestamp default (select max(${column}) from \${ref("stg_landing__lines")})`,
          '}',
          '',
          'select * from ${ref("stg_landing__lines")} where published_at > since',
          '',
        ].join('\n'),
      );
      const report = await runCheck({ projectDir: dir, zetasql });
      expect(report.problems.map(formatProblem)).toEqual(problems);
    },
  );

  it("runs Dataform unit tests in ZetaSQL's evaluator: a pass, a wrong expectation, and a model it cannot evaluate (GENERATE_UUID)", async () => {
    const dir = projectWith(daily, 'count(*)', 'count(*)');
    const input = `input "landing" {\n  select 's' as subscription_name, 'm1' as message_id, timestamp '2015-05-17 10:00:00+02' as publish_time, b'10.0.0.1 x' as data, json '{"source": "f"}' as attributes\n}`;
    const test = (name: string, model: string, expected: string) =>
      writeFileSync(join(dir, `definitions/${name}.sqlx`), `config { type: "test", dataset: "${model}" }\n\n${input}\n\n${expected}\n`);
    test(
      'lines_pass',
      'stg_landing__lines',
      "select 'm1' as message_id, '10.0.0.1 x' as line, 'f' as source_name, timestamp '2015-05-17 08:00:00+00' as published_at",
    );
    test(
      'lines_fail',
      'stg_landing__lines',
      "select 'm1' as message_id, '10.0.0.1 y' as line, 'f' as source_name, timestamp '2015-05-17 08:00:00+00' as published_at",
    );
    writeFileSync(
      join(dir, 'definitions/line_ids.sqlx'),
      'config { type: "view" }\nselect generate_uuid() as line_id, message_id from ${ref("stg_landing__lines")}\n',
    );
    writeFileSync(
      join(dir, 'definitions/uuid_test.sqlx'),
      `config { type: "test", dataset: "line_ids" }\n\ninput "stg_landing__lines" { select 'm1' as message_id }\n\nselect 'x' as line_id, 'm1' as message_id\n`,
    );
    const report = await runCheck({ projectDir: dir, zetasql });
    expect(report.tests.map((t) => [t.name, t.status])).toEqual([
      ['lines_fail', 'failed'],
      ['lines_pass', 'passed'],
      ['uuid_test', 'not evaluated'],
    ]);
    expect(report.problems.map(formatProblem)).toEqual([
      'definitions/lines_fail.sqlx:1:1: test lines_fail (unit test): rows differ (columns line, message_id, published_at, source_name): unexpected: ["10.0.0.1 x","m1","2015-05-17T08:00:00.000000Z","f"]; missing: ["10.0.0.1 y","m1","2015-05-17T08:00:00.000000Z","f"]',
    ]);
    expect(formatSummary(report)).toContain("1/3 unit test(s) passed in ZetaSQL's evaluator");
  });

  it('skips the actions downstream of a failed one instead of reporting their missing tables', async () => {
    const report = await runCheck({
      projectDir: projectWith(requests, '    published_at,\n  from lines', '    publised_at,\n  from lines'),
      zetasql,
    });
    expect(report.problems).toHaveLength(1);
    expect(report.skipped).toHaveLength(2);
    expect(report.skipped).toEqual(
      expect.arrayContaining(
        ['logflow_assertions.requests_have_ips', 'logflow.daily_requests'].map((action) => ({
          action,
          reason: 'depends on logflow.stg_landing__requests, which did not pass',
        })),
      ),
    );
  });

  it('reports a declared source whose column types nobody registered', async () => {
    const dir = projectWith('definitions/sources/landing.sqlx', 'name: "landing" }', 'name: "landing" }\n');
    writeFileSync(
      join(dir, 'definitions/sources/geo.sqlx'),
      'config { type: "declaration", schema: "logflow_ref", name: "weather_by_day" }\n',
    );
    const report = await runCheck({ projectDir: dir, zetasql });
    expect(report.problems.map(formatProblem)).toEqual([
      'definitions/sources/geo.sqlx:1:1: logflow_ref.weather_by_day (declaration): no column types for the declared source logflow_ref.weather_by_day: add them to SOURCE_COLUMNS in check/sources.ts',
    ]);
  });

  it('stops the server it started when the project does not compile', async () => {
    const dir = projectWith(daily, 'count(*)', 'count(*)');
    writeFileSync(join(dir, 'definitions/broken.sqlx'), 'config { type: "table" }\nselect ${nope()}\n');
    await expect(runCheck({ projectDir: dir })).rejects.toThrow(
      /Dataform compilation failed \(bigquery\): definitions\/broken\.sqlx.*nope is not defined/,
    );
    // The server was still starting when the compile failed: give a leaked one time to appear.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(childServers().filter((pid) => pid !== zetasql.pid)).toEqual([]);
  });

  it('starts its own server when given none and stops it before returning, also when problems are found', async () => {
    const reports: CheckReport[] = [];
    reports.push(await runCheck({ projectDir: fixture }));
    reports.push(await runCheck({ projectDir: projectWith(daily, 'count(*)', 'count(**)') }));
    expect(reports.map((r) => r.problems.length)).toEqual([0, 1]);
    for (const report of reports) {
      expect(report.serverPid).toBeGreaterThan(0);
      expect(isRunning(report.serverPid!)).toBe(false);
    }
  });
});
