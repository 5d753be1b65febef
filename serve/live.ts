import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { runIngest } from '../ingest/index.ts';
import { compileProject } from '../warehouse/compile.ts';
import { openWarehouse } from '../warehouse/duckdb.ts';
import { runGraph } from '../warehouse/executor.ts';
import { applyResourceLimits, type ResourceLimits } from '../warehouse/resources.ts';
import { prepareWarehouse } from '../pipeline/prepare.ts';
import { loadBundledReferenceIfEmpty } from '../pipeline/reference-autoload.ts';
import { AUTO_FORMAT } from '../ingest/detect.ts';
import { createEngine } from '../generator/index.ts';
import type { GeneratorOptions } from '../generator/index.ts';
import { pump, type Sink } from '../generator/output.ts';
import { buildReportData, DEFAULT_LIMITS, type ReportData, type ReportLimits } from '../report/data.ts';
import { connectionSource, localSpelling } from '../report/sources.ts';
import { shortPath } from '../report/paths.ts';

export interface LiveOptions {
  warehouse: string;
  /** Files or globs followed as `logflow ingest --follow` does. */
  inputs: string[];
  /** Time between refreshes (follow phase length), ms. */
  everyMs: number;
  /**
   * The lines' format, as `logflow ingest --format`: 'auto' (the default: detected per source
   * from its lines, ingest/detect.ts), a format name, or 'custom'.
   */
  format?: string;
  /**
   * A custom format string (Apache LogFormat, nginx log_format or a W3C #Fields line): lines in
   * it are labelled `custom`, and the models are compiled with it as the var customLogFormat, so
   * that the one process labels and parses them alike (default: dataform.json's var).
   */
  customFormat?: string;
  limits?: ReportLimits;
  /**
   * DuckDB's memory limit and spill folder for each refresh, as `logflow transform` sets them
   * (warehouse/resources.ts); without them DuckDB would take up to 80% of the machine's RAM.
   */
  resources?: ResourceLimits;
  /** Stops the loop: the current follow phase is flushed and checkpointed, a running refresh finishes. */
  signal: AbortSignal;
  log: (line: string) => void;
  /** One line per refresh (timings, lag, memory) when given. */
  verbose?: (line: string) => void;
  onData: (data: ReportData) => void;
}

export interface LiveStats {
  refreshes: number;
  landed: number;
  failedRefreshes: number;
  lastRefreshSeconds: number | null;
  lastLagSeconds: number | null;
  updatedAt: string | null;
}

/**
 * The serve loop, one writer at a time on the DuckDB file: follow the inputs for `everyMs`
 * (lines land with their checkpoints, exactly as `logflow ingest --follow`), then run the
 * incremental graph and the report's fixed queries, publish, and follow again. A restart resumes
 * from the checkpoints and the incremental watermarks.
 *
 * The lag shown is an upper bound on "line written -> visible in the panels": the time since
 * the previous follow phase stopped reading (a line written just after that waits longest).
 */
export async function runLive(options: LiveOptions): Promise<LiveStats> {
  const graph = compileProject({
    warehouse: 'duckdb',
    vars: options.customFormat === undefined ? undefined : { customLogFormat: options.customFormat },
  });
  const labels = { format: options.format ?? AUTO_FORMAT, customFormat: options.customFormat };
  const catalog = graph.projectConfig?.defaultDatabase;
  const stats: LiveStats = { refreshes: 0, landed: 0, failedRefreshes: 0, lastRefreshSeconds: null, lastLagSeconds: null, updatedAt: null };
  let previousReadEnd = Date.now();
  let first = true;
  let landedNow = 0;
  /** The data of the last successful refresh; null until one succeeds and after a failed one. */
  let published = null as ReportData | null; // (assigned in publish(): no narrowing to null)
  /** Stamps `data` as current (updated now; lag: since the previous read phase ended), hands it on, returns the lag. */
  const publish = (data: ReportData, newestRequestAt: string | null): number => {
    const now = Date.now();
    const lag = (now - previousReadEnd) / 1000;
    const live = { updatedAt: new Date(now).toISOString(), lagSeconds: lag, newestRequestAt };
    published = { ...data, meta: { ...data.meta, live } };
    stats.lastLagSeconds = lag;
    stats.updatedAt = live.updatedAt;
    options.onData(published);
    return lag;
  };
  while (!options.signal.aborted) {
    landedNow = 0;
    if (!first) {
      const phase = new AbortController();
      const stop = () => phase.abort();
      options.signal.addEventListener('abort', stop, { once: true });
      const timer = setTimeout(stop, options.everyMs);
      try {
        const summary = await runIngest({
          inputs: options.inputs,
          follow: true,
          signal: phase.signal,
          warehouse: options.warehouse,
          sink: 'local',
          ...labels,
          pollMs: 200,
          report: (m) => options.log(`ingest: ${m}`),
        });
        stats.landed += summary.delivered;
        landedNow = summary.delivered;
      } finally {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', stop);
      }
      if (options.signal.aborted) break;
      // The follow phase stops at its timer even mid-backlog (lines written during a long refresh):
      // read each file on from its checkpoint to its current end, so the next refresh shows every
      // line written before it started, instead of falling further behind by one phase each time.
      const present = options.inputs.filter((input) => /[*?[{]/.test(input) || existsSync(input));
      if (present.length > 0) {
        const drained = await runIngest({
          inputs: present,
          warehouse: options.warehouse,
          sink: 'local',
          ...labels,
          signal: options.signal,
          report: (m) => options.log(`ingest: ${m}`),
        });
        stats.landed += drained.delivered;
        landedNow += drained.delivered;
        if (options.signal.aborted) break;
      }
    }
    first = false;
    const readEnd = Date.now();
    // Serve is the warehouse's only writer: when no line landed since a refresh that succeeded,
    // the graph and the report's queries would give the same data again (on a 1M-line warehouse
    // that is seconds of CPU per cycle for nothing). Publish that data as current instead.
    if (landedNow === 0 && published !== null) {
      publish(published, published.meta.live?.newestRequestAt ?? null);
      previousReadEnd = readEnd;
      continue;
    }
    const started = performance.now();
    const warehouse = await openWarehouse(options.warehouse, { catalog });
    try {
      if (options.resources) await applyResourceLimits(warehouse, options.resources);
      await prepareWarehouse(warehouse.connection, graph);
      const loaded = await loadBundledReferenceIfEmpty(warehouse.connection, graph);
      if (loaded) options.log(loaded);
      const run = await runGraph(warehouse.connection, graph, { connect: () => warehouse.connect() });
      if (!run.ok) {
        const failed = run.results.find((r) => r.status === 'failed');
        stats.failedRefreshes++;
        published = null;
        options.log(`transform failed at ${failed?.name}: ${failed?.error}; the report keeps the previous data`);
        continue;
      }
      const source = connectionSource(warehouse.connection, `live: ${shortPath(options.warehouse)}`);
      let data: ReportData;
      try {
        data = await buildReportData(source, localSpelling(), {}, options.limits ?? DEFAULT_LIMITS);
      } catch (error) {
        published = null;
        options.log(`report: ${(error as Error).message}`);
        continue;
      }
      const newest = data.series.minute.all.at(-1)?.[0];
      stats.refreshes++;
      stats.lastRefreshSeconds = (performance.now() - started) / 1000;
      const lag = publish(data, newest === undefined ? null : new Date(newest).toISOString());
      options.verbose?.(
        `refresh ${stats.refreshes}: ${landedNow.toLocaleString('en')} new lines, transform ${run.seconds.toFixed(1)} s, whole refresh ${stats.lastRefreshSeconds.toFixed(1)} s, lag <= ${lag.toFixed(1)} s, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
      );
    } finally {
      warehouse.close();
      previousReadEnd = readEnd;
    }
  }
  return stats;
}

/** A file the generator appends to (a restart continues it; follow mode resumes from its checkpoint). */
function appendSink(path: string): Sink {
  const fd = openSync(path, 'a');
  const sink = {
    closed: false,
    async write(chunk: Buffer) {
      writeSync(fd, chunk);
    },
    async close() {
      if (sink.closed) return;
      sink.closed = true;
      closeSync(fd);
    },
  };
  return sink;
}

/**
 * Generated traffic at `rate` lines per wall-clock second, timestamps now, appended to `path`
 * until `signal` aborts (the file is what serve follows).
 */
export async function generateLive(path: string, rate: number, seed: number, signal: AbortSignal): Promise<number> {
  const options: Partial<GeneratorOptions> = {
    seed,
    lines: null,
    linesPerSecond: rate,
    start: new Date(Math.floor(Date.now() / 1000) * 1000),
    diurnal: false,
  };
  const sink = appendSink(path);
  try {
    return (await pump(createEngine(options), sink, { rate, signal })).lines;
  } finally {
    await sink.close();
  }
}
