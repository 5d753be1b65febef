import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { intFlag, parseFlags } from '../args.ts';
import { usageError } from '../../core/errors.ts';
import { warehousePath, readProjectConfig } from '../../warehouse/project.ts';
import { shortPath } from '../../report/paths.ts';
import { bigquerySource, buildReportData, DEFAULT_LIMITS, localSource, lookerStudioUrl, renderReport } from '../../report/index.ts';

const NAME = 'report';

export const command: Command = {
  name: NAME,
  help: `logflow report: one self-contained HTML report of the output tables

Reads the output tables (overview, traffic over time, sessions, pages, static files, 404s,
status codes, referrers, browsers, operating systems, devices, countries with a world map,
ASNs, suspicious clients, parse errors) and writes one HTML file that opens offline from disk
and fetches nothing (its Content-Security-Policy forbids it). Filters work in the page: date
range, bots included or excluded, top N. Its size is bounded by the number of days and the
items kept per panel (--keep), not by the number of requests.

Usage: logflow report [options]

Options:
  --out FILE           where to write (default report.html)
  --target T           local (default: the DuckDB warehouse) or bigquery (the BigQuery output tables)
  --from DATE          first UTC date (YYYY-MM-DD; default: the first date with requests)
  --to DATE            last UTC date (default: the last date with requests)
  --keep N             items kept per panel, with and without bots (default ${DEFAULT_LIMITS.keep})
  --warehouse PATH     DuckDB file (default: $LOGFLOW_WAREHOUSE or .logflow/warehouse.duckdb)
  --project P          GCP project of the BigQuery output tables (default: dataform.json)
  --dataset D          dataset of the output tables (default: dataform.json's defaultSchema)
  --location L         BigQuery location (default: dataform.json's defaultLocation)
  --looker-studio      print a Looker Studio Linking API URL wired to the BigQuery output
                       tables instead of writing HTML (needs --project)
  --template ID        with --looker-studio: a template report id to copy
  -h, --help           show this help

Examples:
  logflow report && open report.html
  logflow report --from 2026-11-01 --to 2026-11-07 --out week.html
  logflow report --target bigquery --project my-project
  logflow report --looker-studio --project my-project
`,
  async run(argv) {
    const { values } = parseFlags(NAME, argv, {
      out: { type: 'string' },
      target: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      keep: { type: 'string' },
      warehouse: { type: 'string' },
      project: { type: 'string' },
      dataset: { type: 'string' },
      location: { type: 'string' },
      'looker-studio': { type: 'boolean' },
      template: { type: 'string' },
    });
    const config = readProjectConfig();
    if (values['looker-studio']) {
      if (!values.project)
        throw usageError(`--looker-studio needs --project (the GCP project of the BigQuery output tables) (see: logflow ${NAME} --help)`);
      process.stdout.write(
        lookerStudioUrl({ project: values.project, dataset: values.dataset ?? config.schema, templateReportId: values.template }) + '\n',
      );
      process.stderr.write(
        'Open it signed in to Google: Looker Studio creates a report with one BigQuery data source per output table; save it to keep it.\n',
      );
      return 0;
    }
    const target = values.target ?? 'local';
    if (target !== 'local' && target !== 'bigquery')
      throw usageError(`--target must be local or bigquery, got '${target}' (see: logflow ${NAME} --help)`);
    const from = dateFlag('from', values.from);
    const to = dateFlag('to', values.to);
    const keep = intFlag(NAME, 'keep', values.keep, DEFAULT_LIMITS.keep, 1, 10_000);
    const out = resolve(values.out ?? 'report.html');
    const { source, spelling } =
      target === 'local'
        ? await localSource(warehousePath(values.warehouse))
        : bigquerySource({ project: values.project ?? config.database, dataset: values.dataset, location: values.location });
    const started = performance.now();
    try {
      const data = await buildReportData(source, spelling, { from, to }, { ...DEFAULT_LIMITS, keep });
      const html = renderReport(data);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, html);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `wrote ${shortPath(out)} (${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB, ${data.meta.from} to ${data.meta.to}, ${source.label}) in ${seconds} s\n`,
      );
      return 0;
    } finally {
      await source.close();
    }
  },
};

/** A YYYY-MM-DD flag that names a real date. */
export function dateFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(`${value}T00:00:00Z`);
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(t) && new Date(t).toISOString().startsWith(value);
  if (!ok) throw usageError(`--${flag} must be a date as YYYY-MM-DD, got '${value}' (see: logflow ${NAME} --help)`);
  return value;
}
