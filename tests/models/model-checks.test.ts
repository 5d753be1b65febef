import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { compileProject } from '../../warehouse/compile.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import type { CompiledGraph } from '../../warehouse/graph.ts';
import { toDuckdbNames } from '../../warehouse/sql.ts';
import { landLines, queryRows, runModels, testWarehouse } from '../support/pipeline.ts';

/**
 * The checks Dataform's inline `assertions:` configs made before they moved to
 * definitions/assertions/model_checks.js (compiled from main f50d69a: each table's unique key and
 * its row conditions, non-null columns as `column IS NOT NULL`).
 */
const BEFORE = JSON.parse(readFileSync(new URL('./model-checks.before.json', import.meta.url), 'utf8')) as Record<
  string,
  { uniqueKey: string[]; rowConditions: string[] }
>;
const MODELS = Object.keys(BEFORE).sort();

const MIN = 60_000;
const bigquery = compileProject({ warehouse: 'bigquery' });
const duckdb = compileProject({ warehouse: 'duckdb' });

const assertionOf = (graph: CompiledGraph, name: string) => (graph.assertions ?? []).find((a) => a.target.name === name);
const partitionOf = (model: string) => {
  const by = (bigquery.tables ?? []).find((t) => t.target.name === model)?.bigquery?.partitionBy;
  return by ? { column: by.replace(/^DATE\((\w+)\)$/i, '$1'), isDate: !/^DATE\(/i.test(by) } : undefined;
};

/** The unique key and conditions an assertion query of includes/model_checks.js checks. */
function checksIn(uniqueQuery: string, conditionsQuery: string): { uniqueKey: string[]; rowConditions: string[] } {
  const group = /group by (.+)\n/.exec(uniqueQuery)?.[1] ?? '';
  return {
    uniqueKey: group.split(',').map((c) => c.trim()),
    rowConditions: [...conditionsQuery.matchAll(/^ {6}when not \(.*\) then '(.*)'$/gm)].map((m) => m[1]!),
  };
}

const normalise = (c: { uniqueKey: string[]; rowConditions: string[] }) => ({
  uniqueKey: c.uniqueKey,
  rowConditions: c.rowConditions.map((r) => r.toLowerCase()),
});

describe('model checks (definitions/assertions/model_checks.js)', () => {
  it('replace the inline assertions: no model config declares any', () => {
    expect((bigquery.assertions ?? []).filter((a) => (a.target.name ?? '').includes('_assertions_')).map((a) => a.target.name)).toEqual([]);
  });

  it.each(MODELS)('%s keeps exactly the checks it had, in the windowed and the full-history variant', (model) => {
    const variants = partitionOf(model) ? ['', '_full_history'] : [''];
    for (const suffix of variants) {
      const unique = assertionOf(bigquery, `${model}_unique_key${suffix}`);
      const conditions = assertionOf(bigquery, `${model}_row_conditions${suffix}`);
      expect(unique?.query, `${model}_unique_key${suffix}`).toBeDefined();
      expect(conditions?.query, `${model}_row_conditions${suffix}`).toBeDefined();
      expect(normalise(checksIn(unique!.query!, conditions!.query!))).toEqual(normalise(BEFORE[model]!));
    }
    expect(assertionOf(bigquery, `${model}_unique_key_full_history`) !== undefined).toBe(partitionOf(model) !== undefined);
  });

  it('compile the full-history checks disabled unless the var fullHistory is true, so that a scheduled run of the whole release never scans history', () => {
    const history = (graph: CompiledGraph) => (graph.assertions ?? []).filter((a) => (a.tags ?? []).includes('full_history'));
    expect(history(bigquery).length).toBeGreaterThan(MODELS.length);
    expect(history(bigquery).filter((a) => !a.disabled)).toEqual([]);
    expect((bigquery.assertions ?? []).filter((a) => a.disabled && !(a.tags ?? []).includes('full_history'))).toEqual([]);
    expect(history(compileProject({ warehouse: 'bigquery', vars: { fullHistory: 'true' } })).filter((a) => a.disabled)).toEqual([]);
  });

  it.each(MODELS)('%s: the windowed checks carry the model tags, the full-history ones only full_history', (model) => {
    const tags = (bigquery.tables ?? []).find((t) => t.target.name === model)?.tags ?? [];
    expect(assertionOf(bigquery, `${model}_unique_key`)?.tags ?? []).toEqual(tags);
    expect(assertionOf(bigquery, `${model}_row_conditions`)?.tags ?? []).toEqual(tags);
    if (partitionOf(model)) expect(assertionOf(bigquery, `${model}_row_conditions_full_history`)?.tags).toEqual(['full_history']);
  });
});

/** Combined lines requested in the last half hour, from a few visitors; one client probes admin paths (a suspicious client). */
function recentLines(now: number): string[] {
  return Array.from({ length: 30 }, (_, i) => {
    const t = new Date(now - 30 * MIN + i * MIN);
    const stamp = `${String(t.getUTCDate()).padStart(2, '0')}/${t.toLocaleString('en', { month: 'short', timeZone: 'UTC' })}/${t.getUTCFullYear()}:${t.toISOString().slice(11, 19)} +0000`;
    const probe = i < 4;
    const path = probe ? ['/wp-login.php', '/.env', '/admin/', '/phpmyadmin'][i] : i % 6 === 0 ? '/style.css' : `/page/${i % 4}`;
    const ip = probe ? '198.51.100.7' : `203.0.113.${i % 5}`;
    return `${ip} - - [${stamp}] "GET ${path} HTTP/1.1" ${probe ? 404 : 200} ${100 + i} "https://example.org/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/${120 + (i % 3)}.0"`;
  });
}

async function transformedWarehouse(): Promise<Warehouse> {
  const wh = await testWarehouse();
  const now = Date.now();
  await landLines(wh, recentLines(now), { publishTime: new Date(now - 5 * MIN) });
  await runModels(wh);
  return wh;
}

/** The first non-null column of a model's checks that is neither its key nor its partition column (nulling it breaks a check, not the window). */
function breakableColumn(model: string): string {
  const partition = partitionOf(model)?.column;
  const column = BEFORE[model]!.rowConditions.map((c) => /^(\w+) IS NOT NULL$/.exec(c)?.[1])
    .filter((c): c is string => !!c)
    .find((c) => c !== partition && !BEFORE[model]!.uniqueKey.includes(c));
  if (!column) throw new Error(`no breakable column for ${model}`);
  return column;
}

/**
 * Whether the model's local checks window on its newest staging batch (includes/model_checks.js
 * stagedRows) rather than on the last hours of its partition column.
 */
const stagedWindow = (model: string) => /max\(staged_at\)/.test(assertionOf(duckdb, `${model}_row_conditions`)?.query ?? '');

/** Rows the compiled DuckDB assertion returns now. */
const fired = async (wh: Warehouse, name: string) => (await queryRows(wh, toDuckdbNames(assertionOf(duckdb, name)!.query!))).length;

describe('model checks on a transformed warehouse', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await transformedWarehouse();
  }, 120_000);
  afterAll(() => wh?.close());

  it('run windowed with `logflow transform` by default; `--tags full_history --vars fullHistory=true` runs only the full-history ones', async () => {
    const all = await runModels(wh, { actions: [], tags: [] });
    const status = (name: string) => all.results.find((r) => r.name.endsWith(`.${name}`))?.status;
    for (const model of MODELS) {
      expect(status(`${model}_unique_key`), model).toBe('success');
      expect(status(`${model}_row_conditions`), model).toBe('success');
      if (partitionOf(model)) expect(status(`${model}_row_conditions_full_history`), model).toBe('disabled');
    }
    expect(status('sessions_row_conservation')).toBe('success');
    const history = await runModels(wh, { tags: ['full_history'], vars: { fullHistory: 'true' } });
    expect(history.results.every((r) => r.name.endsWith('_full_history') && r.status === 'success')).toBe(true);
    // Every full-history check of the graph ran: the moved ones (two per partitioned model), the request panels' and the three assertions'.
    const fullHistory = (bigquery.assertions ?? []).filter((a) => (a.target.name ?? '').endsWith('_full_history'));
    expect(fullHistory.length).toBeGreaterThanOrEqual(MODELS.filter((m) => partitionOf(m)).length * 2 + 3);
    expect(history.results.map((r) => r.name.split('.').pop()).sort()).toEqual(fullHistory.map((a) => a.target.name).sort());
  });

  it.each(MODELS)(
    '%s: each windowed check fires on a broken row in its window, not on one outside it (the full-history ones see both)',
    async (model) => {
      const table = `logflow.${model}`;
      const column = breakableColumn(model);
      const partition = partitionOf(model);
      const [{ n }] = (await queryRows(wh, `select count(*)::int as n from ${table}`)) as [{ n: number }];
      expect(n, `${table} has rows`).toBeGreaterThan(0);
      for (const name of [`${model}_unique_key`, `${model}_row_conditions`]) expect(await fired(wh, name), name).toBe(0);
      if (partition) {
        // Two copies of a row, 30 days back (outside the window and lateArrivalDays), one column NULL.
        // Locally a staged window's old rows are those of an earlier staging batch (staged 30 days
        // back too), under a key of their own: a new row sharing an old row's key is a violation.
        const old = partition.isDate ? `${partition.column} - 30` : `${partition.column} - interval 30 day`;
        const staged = stagedWindow(model)
          ? `, staged_at - interval 30 day as staged_at, ${BEFORE[model]!.uniqueKey.map((k) => `${k} || '-old' as ${k}`).join(', ')}`
          : '';
        const copy = `insert into ${table} select * replace (${old} as ${partition.column}, null as ${column}${staged}) from (select * from ${table} limit 1)`;
        await wh.connection.run(copy);
        await wh.connection.run(copy);
        for (const name of [`${model}_unique_key`, `${model}_row_conditions`]) expect(await fired(wh, name), `${name} (old rows)`).toBe(0);
        for (const name of [`${model}_unique_key_full_history`, `${model}_row_conditions_full_history`])
          expect(await fired(wh, name), name).toBeGreaterThan(0);
      }
      // A copy of a row in the window, one column NULL: both windowed checks fail the run.
      await wh.connection.run(
        `insert into ${table} select * replace (null as ${column}) from (select * from ${table} ${partition ? `where ${partition.column} >= current_date - 1` : ''} limit 1)`,
      );
      for (const name of [`${model}_unique_key`, `${model}_row_conditions`]) {
        expect(await fired(wh, name), name).toBeGreaterThan(0);
        await expect(runModels(wh, { actions: [name], tags: [], includeDeps: false }), name).rejects.toThrow(
          new RegExp(`${name}: assertion`),
        );
      }
    },
  );
});

describe('staged windows (local checks of the row-per-line tables)', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await transformedWarehouse();
  }, 120_000);
  afterAll(() => wh?.close());

  it('are the local window of exactly the row-per-line tables; BigQuery keeps its partition windows', () => {
    expect(MODELS.filter(stagedWindow).sort()).toEqual(['int_lines_parsed', 'int_requests_sessionized', 'requests', 'stg_landing__lines']);
    for (const model of MODELS) expect(assertionOf(bigquery, `${model}_row_conditions`)?.query ?? '', model).not.toMatch(/staged_at/);
  });

  it.each(['stg_landing__lines', 'int_lines_parsed', 'requests', 'int_requests_sessionized'])(
    '%s_unique_key fires on a new row whose key an old row holds',
    async (model) => {
      const key = BEFORE[model]!.uniqueKey[0]!;
      const table = `logflow.${model}`;
      expect(await fired(wh, `${model}_unique_key`)).toBe(0);
      await wh.connection.run(
        `insert into ${table} select * replace (staged_at - interval 30 day as staged_at) from (select * from ${table} order by ${key} limit 1)`,
      );
      try {
        expect(await fired(wh, `${model}_unique_key`)).toBe(1);
      } finally {
        await wh.connection.run(`delete from ${table} where staged_at < (select max(staged_at) from ${table})`);
      }
    },
  );

  it.each(['stg_landing__lines', 'int_lines_parsed', 'requests', 'int_requests_sessionized'])(
    '%s_unique_key fires on two rows of one key when the newest batch is the whole table (a first build)',
    async (model) => {
      const key = BEFORE[model]!.uniqueKey[0]!;
      const table = `logflow.${model}`;
      const [batches] = await queryRows(
        wh,
        `select count(distinct staged_at)::int as n, count(*) = count(staged_at) as all_staged from ${table}`,
      );
      expect(batches).toEqual({ n: 1, all_staged: true });
      expect(await fired(wh, `${model}_unique_key`)).toBe(0);
      await wh.connection.run(`insert into ${table} select * from (select * from ${table} order by ${key} limit 1)`);
      try {
        expect(await fired(wh, `${model}_unique_key`)).toBe(1);
      } finally {
        await wh.connection.run(`delete from ${table} where rowid = (select max(rowid) from ${table})`);
      }
      expect(await fired(wh, `${model}_unique_key`)).toBe(0);
    },
  );

  it.each(['requests', 'int_requests_sessionized'])(
    '%s_unique_key on a first build counts the keys of a repeated fingerprint exactly: distinct keys sharing one are no failure',
    async (model) => {
      const key = BEFORE[model]!.uniqueKey[0]!;
      const table = `logflow.${model}`;
      const query = toDuckdbNames(assertionOf(duckdb, `${model}_unique_key`)!.query!);
      // Every key gets the same fingerprint: a million distinct keys share it, and none is reported.
      const colliding = query.replaceAll('hash(', '0 * hash(');
      expect(colliding).not.toBe(query);
      expect(await queryRows(wh, colliding)).toEqual([]);
      await wh.connection.run(`insert into ${table} select * from (select * from ${table} order by ${key} limit 1)`);
      try {
        expect((await queryRows(wh, colliding)).length).toBe(1);
        expect(await fired(wh, `${model}_unique_key`)).toBe(1);
      } finally {
        await wh.connection.run(`delete from ${table} where rowid = (select max(rowid) from ${table})`);
      }
    },
  );

  it('int_requests_sessionized_row_conditions sees the older hits a run replays with new ones (a visitor from the block of its earliest new hit)', async () => {
    const table = 'logflow.int_requests_sessionized';
    expect(await fired(wh, 'int_requests_sessionized_row_conditions')).toBe(0);
    // A hit staged a day earlier, of a visitor with new hits, at one of theirs' request time, broken.
    await wh.connection.run(
      `insert into ${table} select * replace (request_id || '-replayed' as request_id, staged_at - interval 1 day as staged_at,
        requested_at + interval 1 minute as block_started_at) from (select * from ${table} order by request_id limit 1)`,
    );
    try {
      expect(await fired(wh, 'int_requests_sessionized_row_conditions')).toBe(1);
      // The same hit of a visitor without new hits is outside the window.
      await wh.connection.run(`update ${table} set visitor_id = visitor_id || '-other' where request_id like '%-replayed'`);
      expect(await fired(wh, 'int_requests_sessionized_row_conditions')).toBe(0);
    } finally {
      await wh.connection.run(`delete from ${table} where request_id like '%-replayed'`);
    }
  });
});

describe('sessions_row_conservation', () => {
  const cases = [
    {
      what: 'a sessionized hit lost',
      sql: `delete from logflow.int_requests_sessionized where request_id = (select max(request_id) from logflow.int_requests_sessionized)`,
    },
    {
      what: 'a session counting one hit too many',
      sql: `update logflow.sessions set hits = hits + 1 where session_id = (select max(session_id) from logflow.sessions)`,
    },
    {
      what: 'a session lost',
      sql: `delete from logflow.sessions where session_id = (select max(session_id) from logflow.sessions)`,
    },
  ];
  it.each(cases)(
    'fires on $what in the window (windowed and full history)',
    async ({ sql }) => {
      const wh = await transformedWarehouse();
      try {
        expect(await fired(wh, 'sessions_row_conservation')).toBe(0);
        expect(await fired(wh, 'sessions_row_conservation_full_history')).toBe(0);
        await wh.connection.run(sql);
        expect(await fired(wh, 'sessions_row_conservation')).toBe(1);
        expect(await fired(wh, 'sessions_row_conservation_full_history')).toBe(1);
      } finally {
        wh.close();
      }
    },
    120_000,
  );

  it('leaves a session that started before the window to the full-history check', async () => {
    const wh = await transformedWarehouse();
    try {
      // Move one session, its hits and their requests 30 days back, then lose one of its hits.
      const [{ session_id: id }] = (await queryRows(wh, `select max(session_id) as session_id from logflow.sessions`)) as [
        { session_id: string },
      ];
      await wh.connection.run(
        `update logflow.requests set requested_at = requested_at - interval 30 day
        where request_id in (select request_id from logflow.int_requests_sessionized where session_id = $1)`,
        [id],
      );
      await wh.connection.run(
        `update logflow.int_requests_sessionized set requested_at = requested_at - interval 30 day where session_id = $1`,
        [id],
      );
      await wh.connection.run(`update logflow.sessions set started_at = started_at - interval 30 day where session_id = $1`, [id]);
      expect(await fired(wh, 'sessions_row_conservation_full_history')).toBe(0);
      await wh.connection.run(
        `delete from logflow.int_requests_sessionized where request_id = (select max(request_id) from logflow.int_requests_sessionized where session_id = $1)`,
        [id],
      );
      expect(await fired(wh, 'sessions_row_conservation')).toBe(0);
      expect(await fired(wh, 'sessions_row_conservation_full_history')).toBe(1);
    } finally {
      wh.close();
    }
  }, 120_000);
});
