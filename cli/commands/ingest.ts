import type { Command } from '../command.ts';
import { intFlag, numberFlag, parseFlags } from '../args.ts';
import { LogflowError, usageError } from '../../core/errors.ts';
import { readProjectConfig, warehousePath } from '../../warehouse/project.ts';
import { runIngest, type IngestOptions, type IngestSummary } from '../../ingest/run.ts';
import { generatorLines } from '../../ingest/generator.ts';
import type { LogFormat } from '../../generator/index.ts';
import { AUTO_FORMAT, KNOWN_FORMATS, checkFormatName } from '../../ingest/detect.ts';

/** The formats the generator writes (--generate). */
const GENERATOR_FORMATS = ['combined', 'common', 'vcombined', 'json'];

/** Words of `text` in lines of at most `width` characters, each indented by `indent` spaces. */
function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => ' '.repeat(indent) + l).join('\n');
}

const help = `logflow ingest: deliver raw log lines to the local landing table or a Pub/Sub topic

Usage:
  logflow ingest [options] FILE|GLOB|- ...
  logflow generate --lines 100000 | logflow ingest -
  logflow ingest --generate --lines 100000 --seed 7

Every line becomes one message / landing row: data = the line's raw bytes (LF removed, and the
CR of a CRLF ending; nothing else changed, invalid UTF-8 included), attributes = source,
source_id, line_number, byte_offset, format, ingest_host, idempotency_key.

Sources:
  FILE|GLOB          files, glob patterns (quote them) or - for stdin; gzip files are detected
                     by content and decompressed. Files are checkpointed: a re-run resumes after
                     the last durably delivered line (a rotated file is recognised by content).
  --follow           keep reading like tail -F (growth, rename and copy-truncate rotation, new
                     files matching the globs) until SIGINT/SIGTERM (default: read to the end)
  --final            the files are complete: deliver a last line that has no newline. Without
                     it, a plain file's unterminated last line is held back (a writer may be
                     mid-line; reported on stderr) and a later run delivers it once its newline
                     is there, so a line is never delivered in two halves. Gzip files, stdin and
                     --generate are always complete. In follow mode a file rotated away
                     (renamed out of the inputs or deleted) is complete once idle for 5 s
  --poll-ms N        follow mode poll interval (default 250)
  --generate         ingest lines from the built-in generator, in-process
  --lines N          generator: number of lines (default 10000)
  --seed N           generator: seed (default 1)
  --format NAME      the lines' format attribute, which decides how the models parse them:
                     auto (default: detected per source from its first 50 lines, line by line
                     for a source mixing formats; reported on stderr when mixed or unknown),
                     or a name (case-insensitive):
${wrap(KNOWN_FORMATS.join(', '), 21, 96)},
                     custom (the --custom-format string)
  --custom-format S  your server's own format: an Apache LogFormat string
                     ('%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D'), an nginx
                     log_format string ('$remote_addr - $remote_user [$time_local] "$request"
                     ...'), or a W3C #Fields: line (default: dataform.json's var
                     customLogFormat, which the models compile; set it there so that ingest
                     and transform agree). Lines in it are labelled custom (detected first)
                     With --generate: the generator's format, combined
                     (default), common, vcombined or json

Sinks:
  --sink local|pubsub          where lines go (default local)
  --warehouse PATH             local warehouse file (default $LOGFLOW_WAREHOUSE, else
                               .logflow/warehouse.duckdb); checkpoints are stored in it, in
                               the same transaction as the rows
  --topic projects/P/topics/T  Pub/Sub topic (required with --sink pubsub); PUBSUB_EMULATOR_HOST
                               points the client at an emulator
  --state PATH                 Pub/Sub checkpoint file (default .logflow/ingest-state.json);
                               advanced only over acknowledged lines
  --max-messages N             Pub/Sub batching: messages per publish request (default 1000)
  --max-bytes N                Pub/Sub batching: bytes per publish request (default 4194304)
  --max-ms N                   Pub/Sub batching: longest wait before sending (default 10)
  --max-outstanding-messages N publisher flow control: unacknowledged messages (default 20000)
  --max-outstanding-bytes N    publisher flow control: unacknowledged bytes (default 67108864)
  --retries N                  re-publish attempts after the client gives up on a retryable
                               error (default 5); permission / not-found errors are fatal at once
  --publish-timeout S          the client's total time for one publish with its retries
                               (default 60)
  --batch-lines N              lines per local transaction (default 122880: one DuckDB row
                               group, written straight to the file) or per Pub/Sub checkpoint
                               step (default 10000)

Output:
  --quiet            no progress line (progress is only drawn on a terminal anyway)

A line over the 9 MiB message limit is delivered as its first 64 KiB with the attribute
original_length (its full length) and reported; it lands in logflow.parse_errors as
'line too long'. A source path over 1,024 bytes (Pub/Sub's attribute-value limit) is shortened
around '...' in the source attribute; the full path stays in the checkpoint under its source_id.

Exit status: 0 when every line was delivered (also after SIGINT/SIGTERM: reading stops, what
was read is flushed and checkpointed; also when a last line was held back or a line was
delivered truncated: each is reported); 1 when a file could not be read; 1 on a fatal sink
error; 2 on bad usage.`;

export const command: Command = {
  name: 'ingest',
  help,
  async run(argv) {
    const { values: f, positionals } = parseFlags(
      'ingest',
      argv,
      {
        sink: { type: 'string' },
        warehouse: { type: 'string' },
        topic: { type: 'string' },
        state: { type: 'string' },
        format: { type: 'string' },
        'custom-format': { type: 'string' },
        follow: { type: 'boolean' },
        final: { type: 'boolean' },
        'poll-ms': { type: 'string' },
        generate: { type: 'boolean' },
        lines: { type: 'string' },
        seed: { type: 'string' },
        'max-messages': { type: 'string' },
        'max-bytes': { type: 'string' },
        'max-ms': { type: 'string' },
        'max-outstanding-messages': { type: 'string' },
        'max-outstanding-bytes': { type: 'string' },
        retries: { type: 'string' },
        'publish-timeout': { type: 'string' },
        'batch-lines': { type: 'string' },
        quiet: { type: 'boolean' },
      },
      true,
    );
    const sink = f.sink ?? 'local';
    if (sink !== 'local' && sink !== 'pubsub')
      throw usageError(`--sink must be local or pubsub, got '${sink}' (see: logflow ingest --help)`);
    const customFormat = f['custom-format'] ?? (readProjectConfig().vars.customLogFormat || undefined);
    const format = f.generate
      ? (f.format ?? 'combined')
      : f.format === undefined
        ? AUTO_FORMAT
        : checkFormatName(f.format, customFormat !== undefined);
    if (f.generate && !GENERATOR_FORMATS.includes(format))
      throw usageError(
        `--format with --generate must be one of ${GENERATOR_FORMATS.join(', ')}, got '${format}' (see: logflow ingest --help)`,
      );
    if (!f.generate && (f.lines !== undefined || f.seed !== undefined))
      throw usageError('--lines and --seed go with --generate (see: logflow ingest --help)');
    if (!f.generate && positionals.length === 0)
      throw usageError('give files, globs, - (stdin) or --generate (see: logflow ingest --help)');
    if (sink === 'pubsub' && !f.topic) throw usageError('--sink pubsub needs --topic projects/P/topics/T (see: logflow ingest --help)');
    if (sink === 'local' && f.topic) throw usageError('--topic goes with --sink pubsub (see: logflow ingest --help)');

    const controller = new AbortController();
    let signals = 0;
    const onSignal = (name: string) => {
      signals += 1;
      if (signals > 1) {
        process.stderr.write(`logflow ingest: second ${name}: exiting now; checkpoints hold only what was delivered\n`);
        process.exit(130);
      }
      controller.abort();
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);

    const options: IngestOptions = {
      inputs: positionals,
      sink,
      format,
      customFormat: f.generate ? undefined : customFormat,
      follow: f.follow ?? false,
      final: f.final ?? false,
      pollMs: intFlag('ingest', 'poll-ms', f['poll-ms'], 250, 10, 60_000),
      batch: f['batch-lines'] === undefined ? undefined : { maxLines: intFlag('ingest', 'batch-lines', f['batch-lines'], 0, 1, 1_000_000) },
      signal: controller.signal,
      progress: !f.quiet && process.stderr.isTTY ? process.stderr : undefined,
    };
    if (f.generate) {
      options.lines = await generatorLines({
        lines: intFlag('ingest', 'lines', f.lines, 10_000, 0),
        seed: intFlag('ingest', 'seed', f.seed, 1),
        format: format as LogFormat,
      });
    }
    if (sink === 'local') options.warehouse = warehousePath(f.warehouse);
    else {
      options.statePath = f.state ?? '.logflow/ingest-state.json';
      options.pubsub = {
        topic: f.topic!,
        endpoint: process.env.PUBSUB_EMULATOR_HOST || undefined,
        batching: {
          maxMessages: intFlag('ingest', 'max-messages', f['max-messages'], 1000, 1, 1000),
          maxBytes: intFlag('ingest', 'max-bytes', f['max-bytes'], 4 * 1024 * 1024, 1024, 9 * 1024 * 1024),
          maxMilliseconds: intFlag('ingest', 'max-ms', f['max-ms'], 10, 0, 60_000),
        },
        flowControl: {
          maxOutstandingMessages: intFlag('ingest', 'max-outstanding-messages', f['max-outstanding-messages'], 20_000, 1),
          maxOutstandingBytes: intFlag('ingest', 'max-outstanding-bytes', f['max-outstanding-bytes'], 64 * 1024 * 1024, 1024),
        },
        retries: intFlag('ingest', 'retries', f.retries, 5, 0, 100),
        timeoutMs: Math.round(numberFlag('ingest', 'publish-timeout', f['publish-timeout'], 60, 0.1, 3600) * 1000),
      };
    }
    let summary: IngestSummary;
    try {
      summary = await runIngest(options);
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
    process.stderr.write(formatSummary(summary, controller.signal.aborted) + '\n');
    if (summary.failed > 0 || summary.errors > 0) {
      throw new LogflowError(`${summary.failed} line(s) not delivered and ${summary.errors} source(s) unreadable (see the messages above)`);
    }
    return 0;
  },
};

/** The final summary line. */
export function formatSummary(s: IngestSummary, interrupted: boolean): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const rate = s.seconds > 0 ? Math.round(s.read / s.seconds) : 0;
  const resumed = s.resumedLines > 0 ? `, ${n(s.resumedLines)} skipped as already delivered` : '';
  const held = s.heldLines > 0 ? `, ${n(s.heldLines)} unterminated last line(s) held back` : '';
  const truncated = s.truncated > 0 ? `, ${n(s.truncated)} over the message limit delivered truncated` : '';
  return `logflow ingest: ${interrupted ? 'interrupted; ' : ''}read ${n(s.read)} lines from ${n(s.sources)} source(s)${resumed}${held}: delivered ${n(s.delivered)}, retried ${n(s.retried)}, failed ${n(s.failed)}${truncated}, unreadable sources ${n(s.errors)} in ${s.seconds.toFixed(2)} s (${n(rate)} lines/s, ${(s.bytes / 1e6 / Math.max(s.seconds, 1e-9)).toFixed(1)} MB/s) -> ${s.sink}`;
}
