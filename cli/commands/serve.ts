import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from '../command.ts';
import { intFlag, numberFlag, parseFlags } from '../args.ts';
import { usageError } from '../../core/errors.ts';
import { readProjectConfig, warehousePath } from '../../warehouse/project.ts';
import { AUTO_FORMAT, checkFormatName, compileCustomFormat } from '../../ingest/detect.ts';
import { DEFAULT_LIMITS, renderReport, safeJson, type ReportData } from '../../report/index.ts';
import { shortPath } from '../../report/paths.ts';
import { parseDuration } from '../../serve/duration.ts';
import { isLoopback, startLiveServer, type LiveContent } from '../../serve/http.ts';
import { generateLive, runLive } from '../../serve/live.ts';
import { resourceLimits } from '../../warehouse/resources.ts';

const NAME = 'serve';

export const command: Command = {
  name: NAME,
  help: `logflow serve: the live report, in one process

Follows the given logs as \`logflow ingest --follow\` does (or generates traffic with --rate),
lands the lines in the local warehouse, runs the incremental Dataform graph every few seconds,
and serves the report at http://127.0.0.1:8080/, updating itself in the browser (server-sent
events). The page shows when it was last updated and the lag (an upper bound on the time from a
line being written to it showing in the panels). One process, because DuckDB allows one writer.

The HTTP server is read-only (GET only) and never runs anything a client sends: the panels come
from the report's fixed, parameterised queries, run by the refresh loop. It binds 127.0.0.1;
any other --host needs the access token printed with the URL (requests without it get 401).
Ctrl-C stops cleanly: lines read so far are landed with their checkpoint, and a restart resumes;
a refresh under way finishes first (a second Ctrl-C exits at once, abandoning it).

Usage: logflow serve [SOURCES...] [options]

Options:
  --port N             port (default 8080; 0 picks a free one)
  --host H             address to bind (default 127.0.0.1; anything else requires the token)
  --every D            time between refreshes: 5s, 500ms, 1m (default 5s)
  --rate N             no SOURCES: generate N lines per second of live traffic into
                       <warehouse name>-live-access.log next to the warehouse, and follow it
  --seed N             generator seed with --rate (default: random)
  --format NAME        the SOURCES' format, as logflow ingest --format: auto (default: detected
                       per file from its lines), a format name (combined, common, json, w3c...:
                       see logflow ingest --help), or custom (the --custom-format string)
  --custom-format S    your server's own format (Apache LogFormat, nginx log_format or a W3C
                       #Fields line): its lines are labelled custom and the models parse them
                       with it (default: dataform.json's var customLogFormat)
  --keep N             items kept per panel (default ${DEFAULT_LIMITS.keep})
  --warehouse PATH     DuckDB file (default: $LOGFLOW_WAREHOUSE or .logflow/warehouse.duckdb)
  --memory-limit SIZE  DuckDB's memory limit for each refresh, e.g. 2GB (default:
                       $LOGFLOW_MEMORY_LIMIT or 640MB), as logflow transform
  --temp-directory DIR where DuckDB spills (default: $LOGFLOW_TEMP_DIRECTORY or <warehouse>.tmp)
  --verbose            one line per refresh: new lines, transform time, lag, memory
  -h, --help           show this help

Examples:
  logflow serve /var/log/nginx/access.log
  logflow serve --rate 1000                       # what \`npm run demo -- --live\` runs
  logflow serve 'logs/*.log' --host 0.0.0.0 --port 9000
`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      NAME,
      argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        every: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        format: { type: 'string' },
        'custom-format': { type: 'string' },
        keep: { type: 'string' },
        warehouse: { type: 'string' },
        'memory-limit': { type: 'string' },
        'temp-directory': { type: 'string' },
        verbose: { type: 'boolean' },
      },
      true,
    );
    const port = intFlag(NAME, 'port', values.port, 8080, 0, 65535);
    const host = values.host ?? '127.0.0.1';
    const everyMs = parseDuration(values.every ?? '5s');
    if (everyMs === null || everyMs < 100)
      throw usageError(
        `--every must be a duration of at least 100ms such as 5s, 500ms or 1m, got '${values.every}' (see: logflow ${NAME} --help)`,
      );
    const rate = values.rate === undefined ? undefined : numberFlag(NAME, 'rate', values.rate, 0, 0.1, 1_000_000);
    const seed = intFlag(NAME, 'seed', values.seed, randomBytes(4).readUInt32BE() >>> 1, 0, 2 ** 31 - 1);
    const keep = intFlag(NAME, 'keep', values.keep, DEFAULT_LIMITS.keep, 1, 10_000);
    if (positionals.length === 0 && rate === undefined)
      throw usageError(`give log files to follow, or --rate N for generated traffic (see: logflow ${NAME} --help)`);
    if (positionals.length > 0 && rate !== undefined)
      throw usageError(`give either log files or --rate, not both (see: logflow ${NAME} --help)`);
    if (rate !== undefined && (values.format !== undefined || values['custom-format'] !== undefined))
      throw usageError(`--format and --custom-format describe SOURCES; --rate generates combined lines (see: logflow ${NAME} --help)`);
    const customFormat = values['custom-format'] ?? (readProjectConfig().vars.customLogFormat || undefined);
    if (customFormat !== undefined) compileCustomFormat(customFormat); // one clear error before anything starts
    const format =
      rate !== undefined
        ? 'combined'
        : values.format === undefined
          ? AUTO_FORMAT
          : checkFormatName(values.format, customFormat !== undefined);
    const warehouse = warehousePath(values.warehouse);
    const resources = resourceLimits(warehouse, { memoryLimit: values['memory-limit'], tempDirectory: values['temp-directory'] });
    mkdirSync(dirname(warehouse), { recursive: true });
    const token = isLoopback(host) ? null : randomBytes(24).toString('base64url');
    const say = (line: string) => process.stdout.write(line + '\n');

    let page: string | null = null;
    let json: string | null = null;
    const listeners = new Set<(json: string) => void>();
    let stats: Record<string, unknown> = {};
    const content: LiveContent = {
      page: () => page,
      json: () => json,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      status: () => ({ ...stats }),
    };
    const publish = (data: ReportData) => {
      // One line of JSON (no raw newlines), safe in an SSE data field and in the page.
      json = safeJson(data);
      page = renderReport(data, { live: true });
      for (const l of listeners) l(json);
    };

    const server = await startLiveServer({ host, port, token, content });
    const stop = new AbortController();
    let stoppingAt = 0;
    const onSignal = (name: NodeJS.Signals) => {
      if (!stop.signal.aborted) {
        stoppingAt = Date.now();
        say(
          'stopping: landing what was read and saving the checkpoint (a refresh under way finishes first; Ctrl-C again to exit at once)...',
        );
        stop.abort();
        return;
      }
      // One Ctrl-C can arrive twice (the terminal's process group, then npm's relay): a second
      // signal counts only 2 s after the first.
      if (Date.now() - stoppingAt < 2000) return;
      process.stderr.write(
        `logflow serve: second ${name}: exiting now; the lines landed so far keep their checkpoint, the refresh under way is abandoned (each transform action is one transaction: the next run continues after the last committed one)\n`,
      );
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const inputs = [...positionals];
    let generator: Promise<number> | null = null;
    if (rate !== undefined) {
      const logFile = join(dirname(warehouse), `${basename(warehouse).replace(/\.duckdb$/, '')}-live-access.log`);
      inputs.push(logFile);
      generator = generateLive(logFile, rate, seed, stop.signal);
      say(`generating ${rate} lines/s (seed ${seed}) into ${shortPath(logFile)}`);
    }
    say(`serving the live report at ${server.url}${token ? '  (the token is required: this address is not loopback-only)' : ''}`);
    say(
      `following ${inputs.map(shortPath).join(', ')}; refreshing every ${everyMs / 1000} s into ${shortPath(warehouse)}. Ctrl-C to stop.`,
    );
    const started = Date.now();
    try {
      const result = await runLive({
        warehouse,
        inputs,
        everyMs,
        format,
        customFormat: rate === undefined ? customFormat : undefined,
        limits: { ...DEFAULT_LIMITS, keep },
        resources,
        signal: stop.signal,
        log: (line) => process.stderr.write(`logflow serve: ${line}\n`),
        verbose: values.verbose ? (line) => say(line) : undefined,
        onData: (data) => {
          publish(data);
          stats = { updatedAt: data.meta.live?.updatedAt, lagSeconds: data.meta.live?.lagSeconds, to: data.meta.to };
        },
      });
      const generated = generator ? await generator : null;
      say(
        `stopped after ${((Date.now() - started) / 1000).toFixed(0)} s: ${result.landed.toLocaleString('en')} lines landed${generated !== null ? ` (${generated.toLocaleString('en')} generated)` : ''}, ${result.refreshes} refreshes` +
          `${result.lastLagSeconds !== null ? `, last lag ${result.lastLagSeconds.toFixed(1)} s` : ''}; checkpoint saved, a restart resumes where this stopped.`,
      );
      return result.failedRefreshes > 0 && result.refreshes === 0 ? 1 : 0;
    } finally {
      stop.abort();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await server.close();
    }
  },
};
