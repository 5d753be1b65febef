/**
 * Measures format autodetection (ingest/detect.ts) on a mixed corpus:
 *
 *   npx tsx bench/detect-accuracy.ts [--lines-per-format 500] [--seed 14] [--sample 50]
 *
 * The corpus: every predefined format's table lines (tests/formats/cases.ts) and the JSON ones,
 * varied with a seeded faker (client addresses, byte counts, and for the Apache family a
 * trailing request time or "-" as servers append), shuffled into one mixed stream. Reported:
 * 1. line by line: the share of lines labelled with their true format, per format;
 * 2. per source: blocks of `--sample` lines of one format with 10% lines of other formats mixed
 *    in, detected with detectFormat(); the share of blocks labelled right, and the mean confidence;
 * 3. as the ingester labels lines (createFormatLabeler, `logflow ingest --format auto`): one
 *    source per format plus sources mixing two, three and all formats line by line; the share of
 *    lines whose `format` attribute is their true format;
 * 4. the real sample ../shared/data/elastic-apache-10k.log (combined), when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { base, en, Faker } from '@faker-js/faker';
import { createFormatLabeler, createLineDetector, detectFormat } from '../ingest/detect.ts';
import type { LineBatch } from '../ingest/types.ts';
import { FORMAT_CASES, JSON_CASES } from '../tests/formats/cases.ts';

const { values } = parseArgs({
  options: {
    'lines-per-format': { type: 'string', default: '500' },
    seed: { type: 'string', default: '14' },
    sample: { type: 'string', default: '50' },
  },
});
const perFormat = Number(values['lines-per-format']);
const sampleSize = Number(values.sample);
const faker = new Faker({ locale: [en, base] });
faker.seed(Number(values.seed));
faker.setDefaultRefDate(new Date('2026-11-01T00:00:00Z'));

/** The format attribute's spelling (plan-s3: `cloud_logging`). */
const label = (format: string) => (format === 'cloudlogging' ? 'cloud_logging' : format);
const APACHE_FAMILY = new Set(['combined', 'common', 'vcombined', 'vcommon', 'traefikclf']);
const templates = new Map<string, string[]>();
for (const c of [...FORMAT_CASES.filter((x) => !x.format.includes(':')), ...JSON_CASES]) {
  templates.set(label(c.format), [...(templates.get(label(c.format)) ?? []), c.line]);
}
// logflow's own nginx-style JSON (log_format escape=json), as the generator's --format json writes it
templates.set('json', [
  '{"time_iso8601":"2026-11-29T10:00:03+00:00","remote_addr":"192.0.2.1","remote_user":"","request":"GET /a.html HTTP/1.1","status":200,"body_bytes_sent":512,"http_referer":"","http_user_agent":"Mozilla/5.0","request_time":0.004}',
  '{"time_local":"29/Nov/2026:10:00:04 +0000","remote_addr":"192.0.2.2","request_method":"POST","request_uri":"/api?x=1","server_protocol":"HTTP/2.0","status":"201","body_bytes_sent":"0","http_user_agent":"curl/8.5.0"}',
]);

/** A varied copy of a template line of `format`. */
function vary(format: string, line: string): string {
  let out = line.replace(/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, () => faker.internet.ipv4());
  if (format === 'combined' || format === 'common' || format === 'vcombined' || format === 'vcommon') {
    out = out.replace(/" (\d{3}) (\d+)/, (_m, status: string) => `" ${status} ${faker.number.int({ min: 0, max: 999999 })}`);
  }
  if (APACHE_FAMILY.has(format) && format !== 'traefikclf' && faker.number.float() < 0.2) {
    out =
      out.replace(/\r$/, '') +
      faker.helpers.arrayElement([
        ` ${faker.number.float({ min: 0, max: 3, fractionDigits: 3 })}`,
        ' "-"',
        ` ${faker.number.int({ min: 100, max: 999999 })}`,
      ]);
  }
  return out;
}

function lineOf(format: string): string {
  return vary(format, faker.helpers.arrayElement(templates.get(format)!));
}

const labels = [...templates.keys()];

// 1. line by line, one mixed stream
const stream = faker.helpers.shuffle(
  labels.flatMap((format) => Array.from({ length: perFormat }, () => ({ format, line: lineOf(format) }))),
);
const detect = createLineDetector();
const perLabel = new Map<string, { right: number; total: number; wrong: Map<string, number> }>();
let right = 0;
for (const { format, line } of stream) {
  const got = detect(line)?.format ?? 'none';
  const entry = perLabel.get(format) ?? { right: 0, total: 0, wrong: new Map() };
  entry.total++;
  if (got === format) {
    entry.right++;
    right++;
  } else entry.wrong.set(got, (entry.wrong.get(got) ?? 0) + 1);
  perLabel.set(format, entry);
}
console.log(
  `line by line: ${right}/${stream.length} = ${((100 * right) / stream.length).toFixed(2)}% of ${labels.length} formats x ${perFormat} lines (seed ${values.seed})`,
);
for (const [format, e] of [...perLabel.entries()].sort()) {
  const wrong = [...e.wrong.entries()].map(([k, n]) => `${k}:${n}`).join(' ');
  console.log(`  ${format.padEnd(13)} ${((100 * e.right) / e.total).toFixed(1).padStart(5)}%${wrong ? `  mislabelled as ${wrong}` : ''}`);
}

// 2. per source: majority format with 10% noise
let sourcesRight = 0;
let sources = 0;
let confidence = 0;
for (const format of labels) {
  for (let block = 0; block < 20; block++) {
    const lines = Array.from({ length: sampleSize }, () =>
      faker.number.float() < 0.1 ? lineOf(faker.helpers.arrayElement(labels.filter((l) => l !== format))) : lineOf(format),
    );
    const result = detectFormat(lines);
    sources++;
    if (result?.format === format) sourcesRight++;
    confidence += result?.confidence ?? 0;
  }
}
console.log(
  `per source (${sampleSize}-line samples, 10% other formats): ${sourcesRight}/${sources} = ${((100 * sourcesRight) / sources).toFixed(2)}% right, mean confidence ${(confidence / sources).toFixed(3)}`,
);

// 3. as the ingester labels sources: uniform sources, and sources mixing formats line by line
const sourcesOf: { name: string; lines: { format: string; line: string }[] }[] = labels.map((format) => ({
  name: format,
  lines: Array.from({ length: perFormat }, () => ({ format, line: lineOf(format) })),
}));
for (const k of [2, 3, labels.length]) {
  for (let n = 0; n < 5; n++) {
    const chosen = faker.helpers.arrayElements(labels, k);
    sourcesOf.push({
      name: `mixed of ${k} #${n}`,
      lines: Array.from({ length: perFormat }, () => {
        const format = faker.helpers.arrayElement(chosen);
        return { format, line: lineOf(format) };
      }),
    });
  }
}
const labeler = createFormatLabeler(() => undefined);
let labelled = 0;
let labelledRight = 0;
let mixedRight = 0;
let mixedTotal = 0;
for (const [index, source] of sourcesOf.entries()) {
  const ref = { name: source.name, sourceId: `bench:${index}`, resumable: false };
  for (let start = 0; start < source.lines.length; start += 100) {
    const slice = source.lines.slice(start, start + 100);
    const batch: LineBatch = {
      source: ref,
      lines: slice.map((l) => Buffer.from(l.line)),
      offsets: slice.map(() => 0),
      lengths: slice.map((l) => Buffer.byteLength(l.line)),
      firstLine: start + 1,
      bytes: 0,
      checkpoint: null,
    };
    const out = labeler.label(batch);
    slice.forEach((l, i) => {
      const got = out.formats?.[i] ?? out.format;
      const ok = got === l.format ? 1 : 0;
      labelled++;
      labelledRight += ok;
      if (source.name.startsWith('mixed')) {
        mixedTotal++;
        mixedRight += ok;
      }
    });
  }
}
console.log(
  `as ingested (--format auto): ${labelledRight}/${labelled} = ${((100 * labelledRight) / labelled).toFixed(2)}% of lines carry their true format (${labels.length} uniform sources and 15 mixed ones of ${perFormat} lines; mixed sources alone ${((100 * mixedRight) / mixedTotal).toFixed(2)}%)`,
);

// 4. the real sample
const real = new URL('../../shared/data/elastic-apache-10k.log', import.meta.url);
if (existsSync(real)) {
  const lines = readFileSync(real, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const detectReal = createLineDetector();
  const counts = new Map<string, number>();
  for (const line of lines) {
    const got = detectReal(line)?.format ?? 'none';
    counts.set(got, (counts.get(got) ?? 0) + 1);
  }
  const summary = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}:${n}`)
    .join(' ');
  console.log(
    `elastic-apache-10k.log: ${lines.length} lines, line by line ${summary}; first 50 lines -> ${JSON.stringify(detectFormat(lines.slice(0, 50)))}`,
  );
} else {
  console.log('elastic-apache-10k.log: skipped (../shared/data/ not present)');
}
