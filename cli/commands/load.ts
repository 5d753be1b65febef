import type { Command } from '../command.ts';
import { intFlag, parseFlags } from '../args.ts';
import { AUTO_FORMAT, checkFormatName } from '../../ingest/detect.ts';
import { usageError } from '../../core/errors.ts';
import { warehousePath, readProjectConfig } from '../../warehouse/project.ts';

const help = `logflow load: backfill log files into the landing table (BigQuery load jobs, or locally)

Usage:
  logflow load FILE... --target bigquery --project P [options]
  logflow load FILE... [--target local] [--warehouse PATH]

FILE: paths, glob patterns (quoted) or, with --target bigquery, gs://bucket/object URIs; plain
or gzip. Historical logs go in through BigQuery load jobs (free) instead of Pub/Sub and the
BigQuery subscription (billed per byte), into the same landing table with the same columns.
Every row carries the provenance attributes and idempotency key \`logflow ingest\` would give
the same line (source_id from the file's content, line_number, byte_offset, ...), so a file
loaded twice, or loaded and also streamed, gives each request once downstream.

Lines are loaded in chunks, one load job (or one local transaction) each, with a progress line
per chunk on stderr. A chunk's job id is derived from the file's identity and line range: run the
same command again after a failure or an interruption (Ctrl-C stops after the current chunk)
and the chunks already loaded are skipped.

gs:// objects are streamed through this machine (byte offsets and the file identity are computed
here, as for local files); run it near the bucket (a VM in the same region) for large backfills.

Options:
  --target T          bigquery or local (default local)
  --project P         bigquery: GCP project id (default $GOOGLE_CLOUD_PROJECT)
  --location L        bigquery: location of the load jobs (default: the landing table's)
  --warehouse PATH    local: DuckDB file (default $LOGFLOW_WAREHOUSE, else .logflow/warehouse.duckdb)
  --format NAME       format attribute: any name logflow ingest --format takes but auto, or custom
                      with dataform.json's var customLogFormat (default: dataform.json's
                      defaultFormat var, else combined)
  --chunk-lines N     lines per chunk (default 100000; BigQuery allows 1,500 load jobs per table
                      per day)
  -h, --help          show this help

Exit status: 0 when every chunk is loaded (or was already), 1 on an error (one line; run again to
resume), 2 on bad usage, 130 when interrupted.`;

export const command: Command = {
  name: 'load',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      'load',
      argv,
      {
        target: { type: 'string' },
        project: { type: 'string' },
        location: { type: 'string' },
        warehouse: { type: 'string' },
        format: { type: 'string' },
        'chunk-lines': { type: 'string' },
      },
      true,
    );
    const target = values.target ?? 'local';
    if (target !== 'bigquery' && target !== 'local')
      throw usageError(`--target must be bigquery or local, got '${target}' (see: logflow load --help)`);
    if (positionals.length === 0) throw usageError('give at least one file, glob or gs:// URI (see: logflow load --help)');
    const vars = readProjectConfig().vars;
    const format = checkFormatName(values.format ?? vars.defaultFormat ?? 'combined', Boolean(vars.customLogFormat));
    if (format === AUTO_FORMAT) throw usageError('--format auto is for logflow ingest; logflow load labels every line with one format');
    const chunkLines = intFlag('load', 'chunk-lines', values['chunk-lines'], 100_000, 1, 10_000_000);
    if (target === 'local') {
      for (const flag of ['project', 'location'] as const)
        if (values[flag] !== undefined) throw usageError(`--${flag} is only for --target bigquery (see: logflow load --help)`);
      const gs = positionals.find((p) => p.startsWith('gs://'));
      if (gs) throw usageError(`${gs}: gs:// URIs need --target bigquery`);
    } else if (values.warehouse !== undefined) {
      throw usageError('--warehouse is only for --target local (see: logflow load --help)');
    }
    const project = values.project ?? process.env.GOOGLE_CLOUD_PROJECT;
    if (target === 'bigquery' && !project) throw usageError('--project P is required with --target bigquery (see: logflow load --help)');
    const { runLoad } = await import('../../cloud/load.ts');
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const started = performance.now();
      const summary = await runLoad({
        inputs: positionals,
        target,
        format,
        chunk: { maxLines: chunkLines },
        warehouse: target === 'local' ? warehousePath(values.warehouse) : undefined,
        project,
        location: values.location,
        progress: (line) => process.stderr.write(`logflow load: ${line}\n`),
        signal: controller.signal,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `${summary.sources} source(s), ${summary.chunks} chunk(s): ${summary.loaded} loaded (${summary.rows} rows), ${summary.skipped} already loaded, ${summary.truncatedLines} line(s) over the message limit landed truncated, in ${seconds} s` +
          (summary.interrupted ? '; interrupted: run the same command again to load the rest' : '') +
          '\n',
      );
      return summary.interrupted ? 130 : 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};
