import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateLines } from '../../generator/index.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';
import { PROJECT_DIR } from '../../warehouse/project.ts';
import { loadTinyReference } from './fixture.ts';

const BIN = join(PROJECT_DIR, 'bin', 'logflow.js');

interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts `logflow serve` and resolves with the URL it prints. */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /serving the live report at (\S+)/.exec(out);
      if (m) {
        clearInterval(t);
        resolve(m[1]!);
      }
      if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`serve exited: ${out} ${err}`));
      }
    }, 50);
  });
  return { child, url, stdout: () => out, stderr: () => err, exited };
}

function fetchText(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads server-sent `data` events until `until(json)` holds; resolves with the time it took. */
function waitForEvent(url: string, until: (json: string) => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let buffer = '';
      res.on('data', (c: Buffer) => {
        buffer += c.toString();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^event: data\ndata: (.*)$/s.exec(event)?.[1];
          if (data !== undefined && until(data)) {
            req.destroy();
            clearTimeout(timer);
            resolve(Date.now() - started);
          }
        }
      });
    });
    req.on('error', () => undefined);
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no event within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

const line = (path: string, at = new Date()) => {
  const ts = at.toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000');
  return `203.0.113.7 - - [${ts}] "GET ${path} HTTP/1.1" 200 1234 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"`;
};

describe('logflow serve', () => {
  it("shows a followed file's new lines within seconds over SSE, stops cleanly on Ctrl-C and resumes on restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-serve-'));
    const log = join(dir, 'access.log');
    const warehouse = join(dir, 'warehouse.duckdb');
    writeFileSync(
      log,
      [...generateLines({ seed: 3, lines: 200, start: new Date(Date.now() - 3_600_000), durationSeconds: 3_600 })].join('\n') + '\n',
    );
    loadTinyReference(warehouse); // (an empty logflow_ref would get the bundled data: slow for a test)
    const first = await serve([log, '--every', '1s', '--keep', '10000', '--warehouse', warehouse, '--verbose']);

    // the first refresh publishes the existing lines
    await waitForEvent(`${first.url}events`, (json) => json.includes('"pages"'), 90_000);
    // With no new line, later cycles publish the same data as current without running the graph
    // or the report's queries again: events keep coming, `--verbose` shows no second refresh.
    let events = 0;
    await waitForEvent(`${first.url}events`, (json) => json.includes('"pages"') && ++events >= 3, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(first.stdout().match(/^refresh \d+:/gm)).toEqual(['refresh 1:']);
    expect((await fetchText(`${first.url}`)).body).toContain('Content-Security-Policy');
    expect((await fetchText(`${first.url}`, 'POST')).status).toBe(405);
    expect((await fetchText(`${first.url}data?sql=drop%20table%20logflow.requests`)).status).toBe(200);

    const marker = `/live-check-${Date.now()}`;
    const seen = waitForEvent(`${first.url}events`, (json) => json.includes(marker), 90_000);
    await new Promise((r) => setTimeout(r, 300));
    const written = Date.now();
    appendFileSync(log, line(marker) + '\n');
    await seen;
    const lag = (Date.now() - written) / 1000;
    console.log(`serve: a followed line showed in the live report ${lag.toFixed(1)} s after it was written (--every 1s)`);
    expect(lag).toBeLessThan(60);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toMatch(/checkpoint saved, a restart resumes/);

    // Restart: a line written while stopped shows, and nothing is landed twice.
    const marker2 = `/after-restart-${Date.now()}`;
    appendFileSync(log, line(marker2) + '\n');
    const second = await serve([log, '--every', '1s', '--keep', '10000', '--warehouse', warehouse]);
    await waitForEvent(`${second.url}events`, (json) => json.includes(marker2), 90_000);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    const wh = await openWarehouse(warehouse, { readOnly: true });
    try {
      const rows = (
        await wh.connection.runAndReadAll('select count(*) as n, count(distinct message_id) as m from logflow_raw.landing')
      ).getRowObjectsJS()[0]!;
      expect(Number(rows.n)).toBe(202);
      expect(Number(rows.m)).toBe(202);
    } finally {
      wh.close();
    }
  }, 300_000);

  it('gives each refresh the --memory-limit (1MB: the first refresh fails with one line, exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-serve-'));
    const log = join(dir, 'access.log');
    writeFileSync(log, line('/') + '\n');
    // Without the limit DuckDB may take 80% of the machine's RAM and this refresh succeeds.
    const s = await serve([log, '--every', '1s', '--warehouse', join(dir, 'w.duckdb'), '--memory-limit', '1MB']);
    expect(await s.exited).toBe(1);
    const err = s.stderr();
    expect(err).toMatch(/^logflow serve: .*could not allocate.*raise DuckDB's memory limit \(see --memory-limit\)\n$/);
    expect(err).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('requires the printed token on any other --host (401 without it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logflow-serve-'));
    const log = join(dir, 'access.log');
    writeFileSync(log, line('/') + '\n');
    loadTinyReference(join(dir, 'w.duckdb'));
    const s = await serve([log, '--host', '127.0.0.2', '--every', '1s', '--warehouse', join(dir, 'w.duckdb')]);
    const token = new URL(s.url).searchParams.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const base = s.url.replace(/\?.*$/, '');
    for (const path of ['', 'events', 'data', 'healthz']) {
      expect((await fetchText(`${base}${path}`)).status, `/${path} without token`).toBe(401);
      expect((await fetchText(`${base}${path}?token=wrong${token!.slice(5)}`)).status, `/${path} wrong token`).toBe(401);
    }
    expect((await fetchText(`${base}healthz?token=${token}`)).status).toBe(200);
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
  }, 300_000);
});
