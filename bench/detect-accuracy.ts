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
 * 3. the real sample ../shared/data/elastic-apache-10k.log (combined), when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { base, en, Faker } from '@faker-js/faker';
import { createLineDetector, detectFormat } from '../ingest/detect.ts';
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

const APACHE_FAMILY = new Set(['combined', 'common', 'vcombined', 'vcommon', 'traefikclf']);
const templates = new Map<string, string[]>();
for (const c of [...FORMAT_CASES.filter((x) => !x.format.includes(':')), ...JSON_CASES]) {
  templates.set(c.format, [...(templates.get(c.format) ?? []), c.line]);
}

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

// 3. the real sample
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
